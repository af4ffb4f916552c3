#include "backend/housekeeping.hpp"

#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <list>

#include "backend/board_reply.hpp"
#include "backend/board_service.hpp"
#include "backend/board_topics.hpp"
#include "backend/live_status.hpp"
#include "backend/machine_status_loader.hpp"
#include "backend/remote_control.hpp"
#include "broker/core/message_bus.hpp"
#include "common/clock.hpp"
#include "common/log.hpp"
#include "db/purge.hpp"
#include "db/uses_repository.hpp"

namespace fabomatic::backend {

namespace {
constexpr auto kDay = std::chrono::hours(24);
constexpr auto kStatusPeriod = std::chrono::seconds(1);
}  // namespace

struct Housekeeping::Impl {
  // One periodic job on its own timer.
  struct Job {
    boost::asio::steady_timer timer;
    std::chrono::steady_clock::duration period;
    std::function<void()> run;
  };

  Impl(boost::asio::io_context& io, const Settings& settings, db::Connection& db,
       broker::MessageBus& bus, LiveStatus& status, RemoteControl& remote, BoardService& boards)
      : io(io),
        settings(settings),
        db(db),
        bus(bus),
        status(status),
        remote(remote),
        boards(boards),
        stats_topic(backend::stats_topic(settings.mqtt)) {
    char name[256] = {};
    gethostname(name, sizeof name - 1);
    host = name;
  }

  void add(std::chrono::steady_clock::duration period, std::function<void()> run) {
    if (period.count() <= 0) return;
    jobs.push_back(Job{boost::asio::steady_timer(io), period, std::move(run)});
    schedule(jobs.back());
  }

  void schedule(Job& job) {
    job.timer.expires_after(job.period);
    job.timer.async_wait([this, &job](const boost::system::error_code& error) {
      if (error) return;
      try {
        job.run();
      } catch (const std::exception& e) {
        log::error("housekeeping", e.what());
      }
      schedule(job);
    });
  }

  void publish_stats() {
    BackendStats stats;
    stats.host = host;
    stats.ip = host;
    stats.received = boards.stats().received;
    stats.sent = boards.stats().replies;
    bus.publish(stats_topic, format_stats(stats));
  }

  boost::asio::io_context& io;
  const Settings& settings;
  db::Connection& db;
  broker::MessageBus& bus;
  LiveStatus& status;
  RemoteControl& remote;
  BoardService& boards;
  std::string stats_topic;
  std::string host;
  std::list<Job> jobs;  // stable addresses: timers' handlers refer to their job
  std::optional<PurgeReport> last_purge;
};

Housekeeping::Housekeeping(boost::asio::io_context& io, const Settings& settings,
                           db::Connection& db, broker::MessageBus& bus, LiveStatus& status,
                           RemoteControl& remote, BoardService& boards)
    : impl_(std::make_unique<Impl>(io, settings, db, bus, status, remote, boards)) {}

Housekeeping::~Housekeeping() {
  stop();
}

void Housekeeping::start() {
  auto& i = *impl_;
  i.add(kStatusPeriod, [&i] {
    i.boards.write_heartbeats();
    const double now = unix_now();
    i.status.expire(now);
    i.remote.expire(now);
  });
  i.add(std::chrono::seconds(i.settings.backend.stale_check_interval_s),
        [this] { close_stale_uses(); });
  i.add(std::chrono::seconds(i.settings.backend.stats_interval_s), [&i] { i.publish_stats(); });
  i.add(kDay, [this] { purge(); });
}

void Housekeeping::stop() {
  for (auto& job : impl_->jobs)
    job.timer.cancel();
}

std::int64_t Housekeeping::close_stale_uses() {
  auto& i = *impl_;
  const double timeout_s = i.settings.backend.use_timeout_min * 60.0;
  i.boards.write_heartbeats();  // stale means not refreshed: the latest refreshes count
  const auto closed = db::UsesRepository(i.db).close_stale(unix_now() - timeout_s);
  if (closed > 0) {
    log::info("housekeeping", "closed " + std::to_string(closed) + " use(s) not refreshed for " +
                                  std::to_string(i.settings.backend.use_timeout_min) + " min");
    i.status.reset(load_all_machine_statuses(i.db));
  }
  return closed;
}

db::PurgePolicy purge_policy(const BackendSettings& settings) {
  db::PurgePolicy policy;
  policy.history_days = settings.purge_retention_days;
  policy.interventions_days = settings.interventions_retention_days;
  policy.unknown_cards_days = settings.unknown_cards_retention_days;
  policy.audit_days = settings.audit_retention_days;
  policy.discovered_boards_days = settings.discovered_boards_retention_days;
  return policy;
}

std::int64_t Housekeeping::purge() {
  auto& i = *impl_;
  const double now = unix_now();
  if (const auto until = db::automatic_purge_waits_until(i.db); until && now < *until) {
    log::warning("housekeeping",
                 "the automatic purge waits until " + format_time(*until, "%Y-%m-%d") +
                     " after the upgrade from the old tool: then history older than " +
                     std::to_string(i.settings.backend.purge_retention_days) +
                     " days moves to the Anonymous user. To keep more, raise [backend] "
                     "purge_retention_days; fabomatic --purge runs it at once");
    return 0;
  }
  i.boards.write_heartbeats();
  const auto result = db::purge(i.db, now, purge_policy(i.settings.backend));
  i.last_purge = PurgeReport{now, result};
  log::info("housekeeping",
            "purge: " + std::to_string(result.uses) + " use(s) and " +
                std::to_string(result.interventions) + " intervention(s) anonymised, " +
                std::to_string(result.unknown_cards) + " unknown card tap(s) and " +
                std::to_string(result.audit_entries) + " audit entr(ies) deleted, " +
                std::to_string(result.discovered_boards) + " discovered board(s) forgotten");
  return result.total();
}

std::optional<PurgeReport> Housekeeping::last_purge() const {
  return impl_->last_purge;
}

}  // namespace fabomatic::backend
