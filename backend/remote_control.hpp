// Remote start/stop of a machine from the portal (docs/board-protocol.md "Remote commands"): the
// request goes to machine/<id>/request; the board answers nothing directly, so the outcome is read
// from the board's following queries (checkuser/startuse after a start, stopuse after a stop), or
// is "no response" when nothing comes in time.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "backend/board_reply.hpp"
#include "backend/board_service.hpp"
#include "backend/board_topics.hpp"
#include "broker/core/message_bus.hpp"
#include "db/models.hpp"
#include "db/sqlite.hpp"

namespace fabomatic::backend {

class LiveStatus;

/// What a sent request came to. `code` is stable (the portal translates it): started, stopped,
/// no_response, card_refused, check_failed, board_refused; `message` is the English sentence.
struct RemoteOutcome {
  bool ok = false;
  std::string code;
  std::string message;  // "started", "stopped", "card refused by the machine", "no response"
};

/// Why a request was not sent. `code`: unknown_machine, offline, no_card, pending,
/// card_too_long; `message` is the English sentence.
struct RemoteRefusal {
  std::string code;
  std::string message;
};

class RemoteControl {
 public:
  using Clock = std::function<double()>;
  using Callback = std::function<void(const RemoteOutcome&)>;

  RemoteControl(broker::MessageBus& bus, db::Connection& db, LiveStatus& status, BoardTopics topics,
                Clock clock, double timeout_s = 10);

  /// Sends the request for `acting_user_id` (a start logs the admin's card in; a stop carries
  /// the card of the member using the machine, which the board ignores). Returns the reason
  /// when it cannot be sent (unknown or offline machine, a start by an admin without a card, a
  /// request already pending on the machine); otherwise `done` is called exactly once with the
  /// outcome.
  std::optional<RemoteRefusal> request(db::Id machine_id, RemoteRequest type, db::Id acting_user_id,
                                       Callback done);

  /// Feeds the board service's handled queries (BoardService::set_observer).
  void on_board_event(const BoardEvent& event);

  /// Hears every outcome too (the live WebSocket announces them to every open portal page).
  void set_observer(std::function<void(db::Id machine_id, const RemoteOutcome&)> observer) {
    observer_ = std::move(observer);
  }

  /// Ends requests that got no answer in time (called periodically).
  void expire(double now);

  std::size_t pending() const { return pending_.size(); }

 private:
  struct Pending {
    RemoteRequest type;
    std::string uid;
    double deadline = 0;
    Callback done;
  };
  void finish(db::Id machine_id, RemoteOutcome outcome);
  // The card the request names; none when a start has no card to log in.
  std::optional<std::string> request_uid(db::Id machine_id, RemoteRequest type,
                                         db::Id acting_user_id);

  broker::MessageBus& bus_;
  db::Connection& db_;
  LiveStatus& status_;
  BoardTopics topics_;
  Clock clock_;
  double timeout_s_;
  std::map<db::Id, Pending> pending_;
  std::function<void(db::Id, const RemoteOutcome&)> observer_;
};

}  // namespace fabomatic::backend
