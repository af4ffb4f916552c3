// One simulated Fab-O-Matic board: the firmware's behaviour as docs/board-protocol.md describes it,
// as a Sans-I/O state machine. The caller feeds it connection events, received messages, card taps
// and the passing of time; the board answers by publishing through a BoardOutput. No sockets,
// no clock of its own, so tests drive it deterministically.
//
// What it reproduces:
//  - after connecting: publishes alive, then checkmachine (the firmware's boot refresh);
//  - one query outstanding at a time; a reply not received within the reply timeout (2 s)
//    marks the backend unresponsive for 45 s; meanwhile startuse/stopuse/maintenance are
//    buffered and every other query is not sent (a checkuser falls back to the card cache);
//  - buffered messages are replayed first, in order, with `, "replay":true`, once the backend
//    is responsive again; a query that was published but not answered is buffered as well
//    (the backend may have received it: that is the duplicate the firmware produces), a replay
//    that is published but not answered goes back to the front of the buffer (replayed again),
//    and a buffered query whose publish fails on a live link is buffered twice, as the
//    firmware's two buffering paths do;
//  - checkmachine, and inuse when in use, every 30 s; alive every 2 min (periods and the 45 s
//    window divided by the time scale; the reply timeout is not scaled);
//  - a tap on a free machine: checkuser, then (authorized, machine allowed, no maintenance
//    block) startuse, with a maintenance registration first for staff when maintenance is due,
//    then checkmachine; a tap by the current user: stopuse with the measured duration; a tap
//    by someone else while in use: nothing;
//  - remote requests: start logs out the current user (stopuse) then logs in the given card
//    through checkuser → startuse; stop logs out (a stopuse with duration 0 when free).
// Durations are whole seconds of real time since the login, as the board measures them.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tools/board-sim/payloads.hpp"

namespace fabomatic::board_sim {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

inline constexpr std::chrono::seconds kRefreshPeriod{30};
inline constexpr std::chrono::seconds kAlivePeriod{120};
inline constexpr std::chrono::seconds kUnresponsiveWindow{45};
inline constexpr std::chrono::milliseconds kReplyTimeout{2000};
/// The card the firmware reports when it is told to stop while nobody is logged in.
inline constexpr std::string_view kNoCard = "00000000";

struct BoardConfig {
  int machine_id = 1;
  std::string topic_prefix = "machine";
  std::chrono::milliseconds reply_timeout = kReplyTimeout;
  double time_scale = 1.0;  // > 1 runs the periodic cycles faster
  /// Delay of the first periodic refresh after connecting, so that a fleet does not poll in
  /// lockstep (a real lab's boards booted at different times).
  Clock::duration refresh_phase{};
  BoardIdentity identity;
};

/// Counters shared by the boards of a fleet (a board only adds to them).
struct FleetCounters {
  using PerAction = std::array<std::uint64_t, kActionCount>;
  PerAction sent{};      // published, replays included
  PerAction replies{};   // replies received while the query was outstanding
  PerAction timeouts{};  // no reply within the reply timeout
  PerAction replays{};   // published with "replay":true
  PerAction buffered{};  // put into the buffer (a message buffered twice counts twice)
  PerAction not_sent{};  // dropped because the backend was unreachable (not buffered kinds)
  std::uint64_t late_replies = 0;  // a reply with no query outstanding (after its timeout)
  std::uint64_t taps = 0, taps_ignored = 0, logins = 0, offline_logins = 0, denied = 0;
  std::uint64_t logouts = 0, requests = 0, connects = 0, disconnects = 0, publish_failures = 0;
  std::vector<std::uint32_t> latencies_us;  // send → reply, per reply
};

class BoardOutput {
 public:
  virtual ~BoardOutput() = default;
  /// Publishes at QoS 0; false when the link cannot send (the firmware's publish failure).
  virtual bool publish(std::string_view topic, std::string_view payload) = 0;
};

class Board {
 public:
  Board(BoardConfig config, BoardOutput& output, FleetCounters& counters);

  const BoardConfig& config() const { return config_; }
  const std::string& query_topic() const { return query_topic_; }
  const std::string& reply_topic() const { return reply_topic_; }
  const std::string& request_topic() const { return request_topic_; }

  /// The link is up and both subscriptions are acknowledged.
  void on_connected(TimePoint now);
  void on_disconnected(TimePoint now);
  void on_message(std::string_view topic, std::string_view payload, TimePoint now);
  /// Timers: reply timeout, end of the unresponsive window, periodic queries.
  void on_tick(TimePoint now);
  /// A card is presented to the reader.
  void tap(std::string_view uid, TimePoint now);

  bool connected() const { return connected_; }
  bool in_use() const { return in_use_; }
  const std::string& user() const { return user_; }
  bool idle() const { return !outstanding_ && queue_.empty(); }
  bool unresponsive(TimePoint now) const { return now < unresponsive_until_; }
  std::size_t buffered() const { return buffer_.size(); }

 private:
  struct Step {
    Action action = Action::checkmachine;
    std::string uid;
    std::string payload;
    bool replay = false;
  };
  struct Outstanding {
    Step step;
    TimePoint sent_at;
  };

  Clock::duration scaled(std::chrono::seconds period) const;
  bool reachable(TimePoint now) const { return connected_ && !unresponsive(now); }
  void enqueue(Action action, std::string_view uid, std::int64_t duration_s, TimePoint now);
  void go_offline(Step step, TimePoint now);
  void buffer_back(Step step);
  void pump(TimePoint now);
  bool transmit(Step& step, TimePoint now);
  void on_reply(std::string_view payload, TimePoint now);
  void on_request(std::string_view payload, TimePoint now);
  void authorize(std::string_view uid, TimePoint now);
  void finish_checkuser(const std::string& uid, const std::optional<ReplyFields>& reply,
                        TimePoint now);
  void logout(TimePoint now);

  BoardConfig config_;
  BoardOutput& output_;
  FleetCounters& counters_;
  std::string query_topic_, reply_topic_, request_topic_;

  bool connected_ = false;
  bool ever_connected_ = false;
  TimePoint unresponsive_until_{};
  TimePoint next_refresh_{}, next_alive_{};
  std::optional<Outstanding> outstanding_;
  std::deque<Step> queue_;   // waiting for the outstanding query to finish
  std::deque<Step> buffer_;  // to replay, payloads already marked
  std::map<std::string, int, std::less<>> card_cache_;  // uid → level, from valid checkusers

  // What the last checkmachine said.
  bool allowed_ = true;
  bool maintenance_due_ = false;

  bool in_use_ = false;
  std::string user_;
  TimePoint since_{};
};

}  // namespace fabomatic::board_sim
