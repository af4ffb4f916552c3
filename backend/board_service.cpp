#include "backend/board_service.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "backend/board_reply.hpp"
#include "backend/live_status.hpp"
#include "backend/machine_status_loader.hpp"
#include "common/log.hpp"
#include "db/access.hpp"
#include "db/boards_repository.hpp"
#include "db/discovered_boards_repository.hpp"
#include "db/interventions_repository.hpp"
#include "db/machine_types_repository.hpp"
#include "db/machines_repository.hpp"
#include "db/maintenance_due.hpp"
#include "db/roles_repository.hpp"
#include "db/users_repository.hpp"
#include "db/uses_repository.hpp"

namespace fabomatic::backend {

namespace {

constexpr std::int64_t kMaxDuration = 86400;  // a day: longer durations are not believed
// A stopuse repeating the machine's last closed use within this window is the board replaying
// an answer it missed (docs/board-protocol.md; differs from the Python backend).
constexpr double kDuplicateStopWindow = 600;
// How far the board's clock (it counts a use's duration) and ours may disagree about one use.
constexpr double kClockSlack = 60;

// A use the stale-use check closed at its last-seen time while its board was cut off (the
// Wi-Fi lost for over an hour) is the one this board's stopuse, replayed once it is back, ends:
// the same member, the end estimated, the board's duration at least what was seen of the use,
// and that use's start plus the duration not after now. It gets its real end instead of a
// second use being counted (docs/board-protocol.md, "Duplicates and replays").
bool stop_completes(const db::Use& last, db::Id user_id, std::int64_t duration, bool replay,
                    double now) {
  if (!replay || !last.end_estimated || last.user_id != user_id || !last.end) return false;
  const double d = static_cast<double>(duration);
  return d + kClockSlack >= *last.end - last.start && last.start + d <= now + kClockSlack;
}

// The same use, still going: the board's inuse after it is back says its use began no later than
// the one closed at its last-seen time (a startuse that was itself replayed began later than the
// real start). It is opened again rather than a second use started.
bool inuse_resumes(const db::Use& last, db::Id user_id, std::int64_t duration, double now) {
  return last.end_estimated && last.user_id == user_id &&
         now - static_cast<double>(duration) <= last.start + kClockSlack;
}

// Queries whose only write is a last-seen time, which Heartbeats keeps for later.
bool only_refreshes(const BoardQuery& query) {
  return std::holds_alternative<CheckMachine>(query) || std::holds_alternative<CheckUser>(query) ||
         std::holds_alternative<InUse>(query) || std::holds_alternative<SyncCache>(query);
}

std::optional<db::User> active_card_user(db::LookupCache& lookups, std::string_view uid) {
  auto user = lookups.card_user(uid);
  if (!user || user->deleted) return std::nullopt;  // a deleted user has no card any more
  return user;
}

}  // namespace

BoardService::BoardService(broker::MessageBus& bus, db::Connection& db, LiveStatus& status,
                           BoardTopics topics, Clock clock, EndOfTurn end_of_turn,
                           BoardServiceOptions options)
    : bus_(bus),
      db_(db),
      lookups_(db),
      options_(options),
      unknown_taps_(options.unknown_taps),
      status_(status),
      topics_(std::move(topics)),
      clock_(std::move(clock)),
      end_of_turn_(std::move(end_of_turn)) {}

BoardService::~BoardService() {
  stop();
}

void BoardService::start() {
  if (subscription_) return;
  subscription_ = bus_.subscribe(topics_.query_filter(),
                                 [this](const broker::Message& m) { handle(m.topic, m.payload); });
}

void BoardService::stop() {
  if (subscription_) bus_.unsubscribe(*subscription_);
  subscription_.reset();
  release_held();  // what was answered goes out, durable, before the broker closes
  write_heartbeats();
}

void BoardService::write_heartbeats() {
  try {
    lookups_.write_last_seen([this] { heartbeats_.write(db_); });
  } catch (const std::exception& e) {
    // Kept in memory: the next attempt writes them.
    ++stats_.errors;
    log::error("board", std::string("writing last-seen times failed: ") + e.what());
  }
}

std::optional<std::string> BoardService::handle(std::string_view topic, std::string_view payload) {
  const auto started = std::chrono::steady_clock::now();
  ++stats_.received;
  auto parsed = parse_board_message(topics_, topic, payload);
  if (auto* rejection = std::get_if<Rejection>(&parsed)) {
    ++stats_.rejected;
    log::warning("board", "ignored message on " + std::string(topic) + ": " + rejection->reason);
    return std::nullopt;
  }
  const BoardMessage& message = std::get<BoardMessage>(parsed);
  const double now = clock_();
  status_.heard(message.machine_id, now);

  BoardEvent event;
  event.machine_id = message.machine_id;
  event.action = action_name(message.query);
  std::visit(
      [&event](const auto& q) {
        if constexpr (requires { q.uid; }) event.uid = q.uid;
      },
      message.query);

  // The commits of this answer are made durable by release_held(), with the turn's others.
  const db::DeferredSyncs deferred(db_);
  if (const auto* a = std::get_if<Alive>(&message.query)) {
    try {
      alive(message.machine_id, *a, now);
    } catch (const db::Error& e) {
      ++stats_.errors;
      log::error("board",
                 "alive from machine " + std::to_string(message.machine_id) + ": " + e.what());
    }
    if (observer_) observer_(event);
    return std::nullopt;  // alive never gets a reply
  }

  std::string reply;
  try {
    // One transaction for the whole answer: its lookups and writes see one state and take the
    // file locks once, and the reply leaves only after the commit. Deferred: the frequent
    // queries that only refresh last-seen times stay read-only.
    db::Transaction tx(db_, db::TransactionKind::Deferred);
    if (!only_refreshes(message.query)) {  // what it may read or rewrite
      lookups_.write_last_seen([this] { heartbeats_.write(db_); });
    }
    reply = answer(message, now);
    tx.commit();
  } catch (const std::exception& e) {
    // The process keeps serving: this board gets request_ok:false, the others carry on.
    ++stats_.errors;
    log::error("board", std::string(event.action) + " on machine " +
                            std::to_string(message.machine_id) + " failed: " + e.what());
    reply = error_reply(message.query, message.reply_budget);
  }
  // Not durable yet, or behind a reply that is not: held, so that replies keep query order.
  if (db_.has_unsynced_commits() || !held_.empty()) {
    ++stats_.held;
    held_.push_back(Held{message.reply_topic, reply,
                         error_reply(message.query, message.reply_budget), std::move(event),
                         started});
    if (held_.size() == 1) {
      if (end_of_turn_) {
        end_of_turn_([this] { release_held(); });
      } else {
        release_held();
      }
    }
    return reply;
  }
  send(message.reply_topic, reply, std::move(event), started);
  return reply;
}

void BoardService::send(std::string_view topic, std::string reply, BoardEvent event,
                        std::chrono::steady_clock::time_point started) {
  bus_.publish(topic, reply);
  ++stats_.replies;
  stats_.reply_latency.record(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  event.request_ok = reply.starts_with(R"({"request_ok":true)");
  event.reply = std::move(reply);
  if (observer_) observer_(event);
}

void BoardService::release_held() {
  if (held_.empty()) return;
  bool durable = true;
  try {
    const auto before = db_.syncs();
    const auto started = std::chrono::steady_clock::now();
    db_.sync_commits();  // one sync for every commit of the turn
    if (db_.syncs() != before) {
      stats_.syncs += db_.syncs() - before;
      const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
      stats_.sync_latency.record(took.count());
    }
  } catch (const std::exception& e) {
    // The rows are written but may not survive a power cut: the boards are not told they are.
    durable = false;
    stats_.errors += held_.size();
    log::error("board", std::string("syncing the database failed, ") +
                            std::to_string(held_.size()) + " answer(s) refused: " + e.what());
  }
  std::vector<Held> held = std::move(held_);
  held_.clear();
  for (auto& h : held)
    send(h.topic, durable ? std::move(h.reply) : std::move(h.error_reply), std::move(h.event),
         h.started);
}

std::string BoardService::answer(const BoardMessage& message, double now) {
  const auto id = message.machine_id;
  const auto budget = message.reply_budget;
  if (!lookups_.machine(id)) {
    return format_reply(unknown_machine_reply(), budget);
  }
  struct Visitor {
    BoardService& self;
    std::int64_t id;
    double now;
    std::size_t budget;
    std::string operator()(const CheckMachine&) { return self.check_machine(id, now, budget); }
    std::string operator()(const CheckUser& q) { return self.check_user(id, q, now, budget); }
    std::string operator()(const StartUse& q) { return self.start_use(id, q, now, budget); }
    std::string operator()(const InUse& q) { return self.in_use(id, q, now, budget); }
    std::string operator()(const StopUse& q) { return self.stop_use(id, q, now, budget); }
    std::string operator()(const Maintenance& q) { return self.maintenance(id, q, now, budget); }
    std::string operator()(const SyncCache&) { return self.sync_cache(id, budget); }
    std::string operator()(const Alive&) { return {}; }
  };
  return std::visit(Visitor{*this, id, now, budget}, message.query);
}

std::string BoardService::check_machine(std::int64_t machine_id, double now, std::size_t budget) {
  heartbeats_.machine_seen(machine_id, now);
  const auto machine = lookups_.machine(machine_id);
  CheckMachineReply reply;
  reply.is_valid = true;
  reply.name = machine->name;
  reply.allowed = !machine->blocked;
  if (machine->type_id) {
    if (const auto type = lookups_.machine_type(*machine->type_id)) {
      reply.logoff = type->timeout_min;
      reply.type = type->id;
      reply.grace = type->grace_period_min;
    }
  }
  const auto due = lookups_.due_plans(machine_id);
  reply.maintenance = due.any();
  reply.description = due.lcd_message;
  status_.update(machine_id, [&](MachineStatus& s) {
    s.blocked = machine->blocked;
    s.maintenance_due = due.any();
    s.name = machine->name;
  });
  return format_reply(reply, budget);
}

std::string BoardService::check_user(std::int64_t machine_id, const CheckUser& q, double now,
                                     std::size_t budget) {
  const auto decision = db::check_user(lookups_, machine_id, q.uid, now, &unknown_taps_);
  CheckUserReply reply;
  if (decision.unknown_card()) {
    reply.is_valid = false;
    reply.name = "Unknown";
    reply.missing_auth = false;
    status_.unknown_card(machine_id, q.uid, now);
  } else if (decision.authorized) {
    reply.is_valid = true;
    reply.name = decision.user->name;
    reply.level = decision.level;
  } else {
    reply.is_valid = false;
    reply.name = "User not authorized";
    reply.missing_auth = true;
  }
  return format_reply(reply, budget);
}

std::string BoardService::start_use(std::int64_t machine_id, const StartUse& q, double now,
                                    std::size_t budget) {
  const auto user = active_card_user(lookups_, q.uid);
  if (!user) return format_reply(SimpleReply{false, "Invalid card"}, budget);
  // A replayed start of the member whose use is open here is that use's start again: its reply
  // was lost, the board held it and sends it once back on the Wi-Fi. Closing the use and opening
  // another would record an empty use and move the start to the replay's arrival.
  if (const auto open = lookups_.open_use(machine_id);
      q.replay && open && open->user_id == user->id) {
    heartbeats_.use_seen(open->id, now);
    return format_reply(SimpleReply{true, ""}, budget);
  }
  db::UsesRepository uses(db_);
  uses.close_open(machine_id);  // a use still open here ended when last seen
  uses.start(user->id, machine_id, now, now, q.replay);
  refresh_status(machine_id);
  return format_reply(SimpleReply{true, ""}, budget);
}

std::string BoardService::in_use(std::int64_t machine_id, const InUse& q, double now,
                                 std::size_t budget) {
  const auto user = active_card_user(lookups_, q.uid);
  if (!user) return format_reply(SimpleReply{false, "Invalid card"}, budget);
  if (q.duration < 0 || q.duration > kMaxDuration) {
    return format_reply(SimpleReply{false, "inUse"}, budget);
  }
  bool created = false;
  if (const auto open = lookups_.open_use(machine_id)) {
    heartbeats_.use_seen(open->id, now);
  } else {
    db::UsesRepository uses(db_);
    const auto last = uses.latest_closed(machine_id);
    if (last && inuse_resumes(*last, user->id, q.duration, now)) {
      uses.reopen(*last, now);  // closed while its board was cut off, and still going
    } else {
      // The start was lost (sent while we were unreachable): the use began `duration` ago.
      uses.start(user->id, machine_id, now - static_cast<double>(q.duration), now, false);
    }
    created = true;
  }
  if (created) refresh_status(machine_id);
  return format_reply(SimpleReply{true, "inUse"}, budget);
}

std::string BoardService::stop_use(std::int64_t machine_id, const StopUse& q, double now,
                                   std::size_t budget) {
  const auto user = active_card_user(lookups_, q.uid);
  if (!user) return format_reply(SimpleReply{false, "Invalid card"}, budget);
  const std::int64_t duration = (q.duration < 0 || q.duration > kMaxDuration) ? 1 : q.duration;
  db::UsesRepository uses(db_);
  bool changed = true;
  if (const auto open = uses.open_use(machine_id)) {
    uses.close_lasting(*open, static_cast<double>(duration), now);
    uses.close_open(machine_id);  // any further open use ends when it was last seen
  } else if (duration == 0) {
    changed = false;  // "stop" while free: nothing happened
  } else {
    const auto last = uses.latest_closed(machine_id);
    const bool duplicate = last && last->end && last->user_id == user->id &&
                           std::llround(*last->end - last->start) == duration &&
                           now - std::max(*last->end, last->last_seen) <= kDuplicateStopWindow;
    if (duplicate) {
      changed = false;  // a replay of a stop we already counted
    } else if (last && stop_completes(*last, user->id, duration, q.replay, now)) {
      // Never after now (stop_completes allows the clocks' slack): an end in the future.
      uses.complete(*last, std::min(last->start + static_cast<double>(duration), now), now);
    } else {
      // The start was lost: the use is recorded whole, its duration counted once.
      uses.record_closed(user->id, machine_id, now - static_cast<double>(duration), now, q.replay);
    }
  }
  if (changed) refresh_status(machine_id);
  return format_reply(stop_use_reply(duration), budget);
}

std::string BoardService::maintenance(std::int64_t machine_id, const Maintenance& q, double now,
                                      std::size_t budget) {
  const auto user = active_card_user(lookups_, q.uid);
  if (!user) return format_reply(SimpleReply{false, "Wrong user card"}, budget);
  const auto role = db::RolesRepository(db_).get(user->role_id);
  if (user->disabled || !role || !role->maintenance) {
    return format_reply(SimpleReply{false, "Not authorized"}, budget);
  }
  const auto serviced =
      db::InterventionsRepository(db_).record_due(machine_id, user->id, now, q.replay);
  if (!serviced.empty()) refresh_status(machine_id);
  return format_reply(SimpleReply{true, ""}, budget);
}

std::string BoardService::sync_cache(std::int64_t machine_id, std::size_t budget) {
  SyncCacheReply reply;
  for (const auto& card : db::authorized_cards(db_, machine_id)) {
    reply.cards.push_back(CacheCard{card.card, card.level});
  }
  return format_reply(reply, budget);
}

void BoardService::alive(std::int64_t machine_id, const Alive& q, double now) {
  const db::BoardReport report{q.ip, q.version, q.serial, q.heap};
  db::Transaction tx(db_);
  heartbeats_.write(db_);  // this writes last_seen itself: nothing older may follow
  if (!db::MachinesRepository(db_).get(machine_id)) {
    // A board configured for a machine we do not know: remember it for the admin (if a machine
    // could take its id).
    db::DiscoveredBoardsRepository discovered(db_);
    const bool remembered = discovered.record(machine_id, report, now);
    // Invented ids cannot fill the disk.
    if (remembered) discovered.keep_newest(options_.max_discovered_boards);
    tx.commit();
    if (remembered) status_.board_discovered(machine_id, now);
    return;
  }
  db::BoardsRepository(db_).upsert(machine_id, report, now);
  db::MachinesRepository(db_).touch(machine_id, now);
  tx.commit();
  status_.update(machine_id, [&](MachineStatus& s) {
    s.board_ip = q.ip;
    s.board_version = q.version;
    s.board_serial = q.serial;
    s.board_heap = q.heap;
  });
}

std::string BoardService::error_reply(const BoardQuery& query, std::size_t budget) {
  if (std::holds_alternative<CheckUser>(query)) {
    CheckUserReply r;
    r.request_ok = false;
    return format_reply(r, budget);
  }
  if (std::holds_alternative<CheckMachine>(query)) {
    CheckMachineReply r;
    r.request_ok = false;
    return format_reply(r, budget);
  }
  if (std::holds_alternative<SyncCache>(query)) {
    SyncCacheReply r;
    r.request_ok = false;
    return format_reply(r, budget);
  }
  return format_reply(SimpleReply{false, ""}, budget);
}

void BoardService::refresh_status(std::int64_t machine_id) {
  try {
    if (auto fresh = load_machine_status(db_, machine_id)) {
      status_.update(machine_id, [&](MachineStatus& s) {
        const double last_heard = s.last_heard;
        const bool online = s.online;
        s = std::move(*fresh);
        s.last_heard = last_heard;
        s.online = online;
      });
    }
  } catch (const db::Error& e) {
    log::error("board", "live status of machine " + std::to_string(machine_id) + ": " + e.what());
  }
}

}  // namespace fabomatic::backend
