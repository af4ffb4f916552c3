// The board protocol, in-process: every PUBLISH on machine/+ is intercepted from the embedded
// broker (it still reaches other subscribers), answered from the database in one transaction,
// and the reply published on <query topic>/reply through the same reactor once that
// transaction is durable (docs/board-protocol.md).
//
// Durable, and cheaply: a reply whose transaction wrote something (a use started or stopped,
// an intervention, an unknown card's tap) is held until the end of the reactor's turn, when one
// sync of the database's log makes every commit of that turn durable and the held replies leave
// together, in the order the queries came. A burst of boards pays one sync, not one each; the
// frequent queries that write nothing (checkmachine, a known card's checkuser, inuse) wait for
// no sync unless a held reply is ahead of them.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backend/board_query.hpp"
#include "backend/board_topics.hpp"
#include "backend/heartbeats.hpp"
#include "broker/core/message_bus.hpp"
#include "common/histogram.hpp"
#include "db/lookup_cache.hpp"
#include "db/sqlite.hpp"
#include "db/unknown_cards_repository.hpp"

namespace fabomatic::backend {

class LiveStatus;

/// What a handled query did, for observers (remote start/stop outcome, tests, metrics).
struct BoardEvent {
  std::int64_t machine_id = 0;
  std::string_view action;  // "checkuser", ...
  std::string uid;          // the card, lowercase, when the query had one
  bool request_ok = false;  // the reply's request_ok (false for alive, which has no reply)
  std::string reply;        // the reply payload, empty when none was sent
};

struct BoardServiceStats {
  std::uint64_t received = 0;  // queries intercepted (valid or not)
  std::uint64_t rejected = 0;  // malformed: logged, no reply
  std::uint64_t replies = 0;   // replies published
  std::uint64_t errors = 0;    // database failures answered with request_ok:false
  std::uint64_t held = 0;      // replies that waited for a sync of the log
  std::uint64_t syncs = 0;     // syncs of the log made for held replies

  /// Time from receiving a query to publishing its reply, in seconds.
  static constexpr double kReplyLatencyBounds[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                   0.005,  0.01,    0.025,  0.1,   1.0};
  Histogram<std::size(kReplyLatencyBounds)> reply_latency{kReplyLatencyBounds};

  /// Time of each of those syncs: what the disk adds to an acknowledged write (fdatasync of
  /// the log). Finer around milliseconds, where an SD card and a slow disk differ.
  static constexpr double kSyncLatencyBounds[] = {
      0.0001, 0.00025, 0.0005, 0.00075, 0.001, 0.0015, 0.002, 0.003, 0.005, 0.01, 0.025, 0.1, 1.0};
  Histogram<std::size(kSyncLatencyBounds)> sync_latency{kSyncLatencyBounds};
};

/// Bounds on what boards make the backend write.
struct BoardServiceOptions {
  db::UnknownTapRecorder::Options unknown_taps;  // unknown cards: once per window, capped
  std::int64_t max_discovered_boards = 100;      // alive from unknown machine ids: capped
};

class BoardService {
 public:
  using Clock = std::function<double()>;  // unix seconds
  using Observer = std::function<void(const BoardEvent&)>;
  /// Runs a function once the reactor has handled what is ready now (the end of its turn):
  /// boost::asio::post to the reactor in the appliance. Unset: at once, inside handle().
  using EndOfTurn = std::function<void(std::function<void()>)>;

  BoardService(broker::MessageBus& bus, db::Connection& db, LiveStatus& status, BoardTopics topics,
               Clock clock, EndOfTurn end_of_turn = {}, BoardServiceOptions options = {});
  ~BoardService();
  BoardService(const BoardService&) = delete;
  BoardService& operator=(const BoardService&) = delete;

  /// Starts intercepting queries on the bus.
  void start();
  void stop();

  /// Handles one message as if it had been published on `topic`; returns the reply payload
  /// (published now, or at the end of the turn once its transaction is durable), or nothing
  /// when the message gets no reply.
  std::optional<std::string> handle(std::string_view topic, std::string_view payload);

  void set_observer(Observer observer) { observer_ = std::move(observer); }

  /// Writes the pending machine and use last-seen times (see heartbeats.hpp): every second from
  /// housekeeping, before it closes stale uses or purges, and at stop().
  void write_heartbeats();
  const BoardServiceStats& stats() const { return stats_; }

 private:
  std::string answer(const BoardMessage& message, double now);
  std::string check_machine(std::int64_t machine_id, double now, std::size_t budget);
  std::string check_user(std::int64_t machine_id, const CheckUser& q, double now,
                         std::size_t budget);
  std::string start_use(std::int64_t machine_id, const StartUse& q, double now, std::size_t budget);
  std::string in_use(std::int64_t machine_id, const InUse& q, double now, std::size_t budget);
  std::string stop_use(std::int64_t machine_id, const StopUse& q, double now, std::size_t budget);
  std::string maintenance(std::int64_t machine_id, const Maintenance& q, double now,
                          std::size_t budget);
  std::string sync_cache(std::int64_t machine_id, std::size_t budget);
  void alive(std::int64_t machine_id, const Alive& q, double now);
  std::string error_reply(const BoardQuery& query, std::size_t budget);
  void refresh_status(std::int64_t machine_id);

  // A reply that waits for the sync of the log (see the top of this file).
  struct Held {
    std::string topic;
    std::string reply;
    std::string error_reply;  // sent instead when the sync fails
    BoardEvent event;
    std::chrono::steady_clock::time_point started;
  };
  void send(std::string_view topic, std::string reply, BoardEvent event,
            std::chrono::steady_clock::time_point started);
  void release_held();

  broker::MessageBus& bus_;
  db::Connection& db_;
  db::LookupCache lookups_;  // what the frequent queries read, until the database changes
  BoardServiceOptions options_;
  db::UnknownTapRecorder unknown_taps_;
  LiveStatus& status_;
  BoardTopics topics_;
  Clock clock_;
  EndOfTurn end_of_turn_;
  Observer observer_;
  std::vector<Held> held_;  // in the order the queries came
  Heartbeats heartbeats_;
  std::optional<broker::MessageBus::HandlerId> subscription_;
  BoardServiceStats stats_;
};

}  // namespace fabomatic::backend
