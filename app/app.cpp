#include "app/app.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <thread>

#include "app/nightly_backup.hpp"
#include "app/portal.hpp"
#include "app/restore.hpp"
#include "app/settings_store.hpp"
#include "app/systemd_notify.hpp"
#include "backend/board_service.hpp"
#include "backend/board_topics.hpp"
#include "backend/housekeeping.hpp"
#include "backend/live_status.hpp"
#include "backend/machine_status_loader.hpp"
#include "backend/mqtt_auth.hpp"
#include "backend/mqtt_clients.hpp"
#include "backend/remote_control.hpp"
#include "broker/asio/server.hpp"
#include "broker/core/broker.hpp"
#include "common/clock.hpp"
#include "common/log.hpp"
#include "db/checkpointer.hpp"
#include "db/database.hpp"
#include "db/maintenance_due.hpp"
#include "web/api/operations.hpp"
#include "web/export/export_worker.hpp"

namespace fabomatic::app {

namespace {
db::OpenOptions open_options(const backend::Settings& settings) {
  db::OpenOptions options;
  options.default_admin_email = settings.web.default_admin_email;
  return options;
}
}  // namespace

db::Database open_configured_database(const backend::Settings& settings) {
  const db::OpenOptions options = open_options(settings);
  const std::string path = settings.database.file.string();
  db::Database d = db::open_database(path, options);
  if (d.created) log::info("db", "created a new database " + path);
  if (d.upgraded) {
    log::info("db", "upgraded " + path + " from revision " + d.previous_revision +
                        (d.backup_path.empty() ? "" : " (backup: " + d.backup_path + ")"));
  }
  for (const auto& warning : d.warnings)
    log::warning("db", warning);
  return d;
}

namespace {

broker::BrokerConfig broker_config(const backend::MqttSettings& mqtt) {
  broker::BrokerConfig config;
  config.max_packet_size = mqtt.max_packet_size;
  config.max_connections = mqtt.max_connections;
  config.max_inflight = mqtt.max_inflight;
  config.max_queued = mqtt.max_queued_messages;
  config.connect_timeout = std::chrono::seconds(mqtt.connect_timeout_s);
  config.sys_interval = std::chrono::seconds(mqtt.sys_interval_s);
  config.version = "fabomatic " FABOMATIC_VERSION;
  return config;
}

}  // namespace

struct App::Impl final : web::api::SystemSource {
  explicit Impl(backend::Settings s)
      : settings(std::move(s)),
        io(1),
        signals(io, SIGINT, SIGTERM),
        broker_(broker_config(settings.mqtt), broker::Clock::now()),
        mqtt_server(io, broker_),
        auth(settings.mqtt),
        clients(unix_now),
        status(settings.backend.online_window_s),
        systemd(io),
        restart_timer(io),
        settings_file(settings, [this] { settings_applied(); }) {}

  ~Impl() override {
    if (restore_thread.joinable()) restore_thread.join();
  }

  // ---- web::api::SystemSource: the system page's figures, restore and restart ----

  std::string version() const override { return FABOMATIC_VERSION; }
  double started_at() const override { return started; }

  web::api::BrokerFigures broker() override {
    const auto& s = broker_core().stats();
    web::api::BrokerFigures f;
    f.clients_connected = broker_core().connected_count();
    f.sessions = broker_core().session_count();
    f.subscriptions = broker_core().subscription_count();
    f.retained = broker_core().retained_count();
    f.messages_received = s.messages_received;
    f.messages_sent = s.messages_sent;
    f.messages_dropped = s.messages_dropped;
    // Rates over the time since the previous sample at least a second old.
    const double now = unix_now();
    if (now - rate_sample.time >= 1.0) {
      const double span = now - rate_sample.time;
      if (rate_sample.time > 0) {
        received_rate = static_cast<double>(s.messages_received - rate_sample.received) / span;
        sent_rate = static_cast<double>(s.messages_sent - rate_sample.sent) / span;
      }
      rate_sample = {now, s.messages_received, s.messages_sent};
    }
    f.received_per_s = received_rate;
    f.sent_per_s = sent_rate;
    return f;
  }

  std::vector<web::api::MqttLink> mqtt_clients() override {
    std::vector<web::api::MqttLink> links;
    for (const auto& c : clients.connected())
      links.push_back({c.client_id, c.username, c.address, c.connected_at});
    return links;
  }

  std::optional<web::api::PurgeFigures> last_purge() override {
    if (!housekeeping) return std::nullopt;
    const auto report = housekeeping->last_purge();
    if (!report) return std::nullopt;
    const auto& r = report->result;
    return web::api::PurgeFigures{report->time, r.uses, r.interventions, r.unknown_cards,
                                  r.audit_entries};
  }

  web::api::BackupFigures nightly_backup() override {
    return backup ? backup->figures() : web::api::BackupFigures{};
  }

  void restore(std::string upload, std::function<void(web::api::RestoreOutcome)> done) override;
  void swap_in(const std::string& prepared, std::function<void(web::api::RestoreOutcome)> done);
  void restart() override;
  /// Stops everything; run() then returns.
  void shut_down(bool restart);
  /// The settings that apply at once changed (settings editor).
  void settings_applied();

  const broker::Broker& broker_core() const { return broker_; }

  backend::Settings settings;
  boost::asio::io_context io;
  // Installed before anything listens: a SIGTERM during start-up is held until run() and then
  // stops the process cleanly instead of killing it.
  boost::asio::signal_set signals;
  broker::Broker broker_;
  broker::Server mqtt_server;
  backend::MqttAuth auth;
  backend::MqttClients clients;  // who is connected, for the system page
  backend::LiveStatus status;
  std::optional<db::Database> database;
  std::unique_ptr<db::Checkpointer> checkpointer;  // WAL checkpoints off the reactor thread
  std::unique_ptr<backend::BoardService> boards;
  std::unique_ptr<backend::RemoteControl> remote;
  std::unique_ptr<backend::Housekeeping> housekeeping;
  std::unique_ptr<Portal> portal;
  // Downloads and the nightly backup, off the reactor. After the portal: destroyed before it,
  // while the portal's I/O context that its jobs answer to still exists.
  std::unique_ptr<web::exports::ExportWorker> downloads;
  std::unique_ptr<NightlyBackup> backup;
  SystemdNotifier systemd;  // READY once listening, WATCHDOG from the reactor, STOPPING
  boost::asio::steady_timer restart_timer;
  SettingsFile settings_file;  // the settings editor's store
  double started = unix_now();
  struct RateSample {
    double time = 0;
    std::uint64_t received = 0, sent = 0;
  } rate_sample;
  double received_rate = 0, sent_rate = 0;
  std::thread restore_thread;  // checks an upload off the reactor
  bool restoring = false;
  bool restart_requested = false;
  bool stopped = false;
};

void App::Impl::restore(std::string upload, std::function<void(web::api::RestoreOutcome)> done) {
  if (restoring) {
    return done({409, "busy", "a restore is already in progress", ""});
  }
  restoring = true;
  if (restore_thread.joinable()) restore_thread.join();
  const std::string path = settings.database.file.string();
  restore_thread = std::thread([this, path, options = open_options(settings),
                                upload = std::move(upload), done = std::move(done)]() mutable {
    auto prepared = prepare_restore(path, upload, options);
    upload.clear();
    upload.shrink_to_fit();
    boost::asio::post(io, [this, prepared = std::move(prepared), done = std::move(done)] {
      if (const auto* refused = std::get_if<web::api::RestoreOutcome>(&prepared)) {
        restoring = false;
        log::warning("db", "restore refused: " + refused->message);
        return done(*refused);
      }
      swap_in(std::get<std::string>(prepared), done);
    });
  });
}

void App::Impl::swap_in(const std::string& prepared,
                        std::function<void(web::api::RestoreOutcome)> done) {
  restoring = false;
  if (stopped) {
    std::remove(prepared.c_str());
    return done({503, "stopping", "the service is stopping", ""});
  }
  db::Connection& conn = database->conn;
  const std::string path = settings.database.file.string();
  web::api::RestoreOutcome outcome{200, "restored", "", ""};
  // The boards' last-seen times belong to the old file; then nobody may have it open while
  // the files change places: the checkpointer goes, downloads wait to open it.
  boards->write_heartbeats();
  const bool swapped = downloads->exclusive([&] {
    checkpointer.reset();
    try {
      conn.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    } catch (const db::Error& e) {
      log::warning("db", std::string("checkpoint before restore: ") + e.what());
    }
    conn = db::Connection(":memory:", {.wal = false});  // closes the file
    std::string kept;
    try {
      kept = swap_database_files(path, prepared);
      outcome.kept_as = kept;
    } catch (const std::exception& e) {
      outcome = {500, "swap_failed", e.what(), ""};
      std::remove(prepared.c_str());
    }
    try {
      conn = std::move(open_configured_database(settings).conn);
    } catch (const std::exception& e) {
      // The prepared file opened before; should it not now, the previous one goes back.
      outcome = {500, "reopen_failed", e.what(), ""};
      if (!kept.empty()) {
        std::error_code ec;
        std::filesystem::rename(path, path + ".failed-restore", ec);
        std::filesystem::rename(kept, path, ec);
      }
      conn = std::move(open_configured_database(settings).conn);
    }
    checkpointer = std::make_unique<db::Checkpointer>(conn);
  });
  if (!swapped) {
    std::remove(prepared.c_str());
    return done({409, "busy",
                 "downloads are being made from the database; try again when they "
                 "are finished",
                 ""});
  }
  if (outcome.status != 200) {
    log::error("db", "restore failed: " + outcome.message);
    return done(outcome);
  }
  status.reset(backend::load_all_machine_statuses(conn));
  portal->end_all_sessions();  // the restored file has its own members
  outcome.message = "database restored; the previous one is kept as " + outcome.kept_as;
  log::warning("db", outcome.message);
  done(outcome);
}

void App::Impl::restart() {
  // Later, so that the answer saying so leaves first.
  restart_timer.expires_after(std::chrono::milliseconds(300));
  restart_timer.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) shut_down(true);
  });
}

void App::Impl::shut_down(bool restart) {
  if (stopped) return;
  stopped = true;
  restart_requested = restart;
  if (restart) {
    systemd.reloading();
  } else {
    systemd.stopping();
  }
  if (backup) backup->stop();
  portal->stop();
  downloads.reset();  // cancels downloads; what they post is dropped with the portal's I/O
  housekeeping->stop();
  boards->stop();
  mqtt_server.stop();
  io.stop();
}

void App::Impl::settings_applied() {
  log::set_level(settings.backend.log_level);
  if (portal) portal->settings_changed();
  if (backup) backup->reschedule();
}

App::App(backend::Settings settings) : impl_(std::make_unique<Impl>(std::move(settings))) {}

App::~App() = default;

void App::start() {
  auto& i = *impl_;
  for (const auto& warning : i.settings.warnings)
    log::warning("config", warning);
  i.database.emplace(open_configured_database(i.settings));
  db::Connection& conn = i.database->conn;
  i.checkpointer = std::make_unique<db::Checkpointer>(conn);
  web::exports::ExportOptions download_options;
  download_options.database_path = conn.path();
  download_options.temp_dir = i.settings.backend.data_dir;
  i.downloads = std::make_unique<web::exports::ExportWorker>(std::move(download_options));
  db::rebuild(conn);  // maintenance counters, also repairing edits made by another tool
  i.status.reset(backend::load_all_machine_statuses(conn));

  if (i.auth.active()) i.broker_.add_hooks(i.auth);
  i.broker_.add_hooks(i.clients);
  const auto topics = backend::BoardTopics::from(i.settings.mqtt);
  // Replies whose writes must be synced leave together at the end of the reactor's turn.
  i.boards = std::make_unique<backend::BoardService>(
      i.broker_, conn, i.status, topics, unix_now,
      [&i](std::function<void()> then) { boost::asio::post(i.io, std::move(then)); });
  i.remote = std::make_unique<backend::RemoteControl>(i.broker_, conn, i.status, topics, unix_now);
  i.boards->set_observer(
      [&i](const backend::BoardEvent& event) { i.remote->on_board_event(event); });
  i.boards->start();

  const auto port = i.mqtt_server.listen_tcp(i.settings.mqtt.bind_address, i.settings.mqtt.port);
  log::info("main", "MQTT broker listening on " + i.settings.mqtt.bind_address + ":" +
                        std::to_string(port));
  i.mqtt_server.start();

  i.housekeeping = std::make_unique<backend::Housekeeping>(i.io, i.settings, conn, i.broker_,
                                                           i.status, *i.remote, *i.boards);
  i.housekeeping->start();

  i.portal =
      std::make_unique<Portal>(i.io, i.settings, conn, i.broker_, *i.boards, i.status, *i.remote,
                               PortalServices{&i, &i.settings_file, i.downloads.get()});
  i.portal->start();
  i.backup = std::make_unique<NightlyBackup>(i.io, i.settings, *i.downloads);
  i.backup->start();
  // Purge once at start too: an appliance rebooted every night would otherwise never purge.
  i.housekeeping->purge();
  i.systemd.ready("broker on port " + std::to_string(port) + ", portal on port " +
                  std::to_string(i.settings.web.port));
  i.systemd.start_watchdog();
}

int App::run() {
  auto& i = *impl_;
  i.signals.async_wait([&i](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    log::info("main", std::string("received ") + strsignal(signal) + ", stopping");
    i.shut_down(false);
  });
  i.io.run();
  log::info("main", i.restart_requested ? "stopped, restarting" : "stopped");
  return 0;
}

bool App::restart_requested() const {
  return impl_->restart_requested;
}

}  // namespace fabomatic::app
