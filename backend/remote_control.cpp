#include "backend/remote_control.hpp"

#include "backend/live_status.hpp"
#include "common/log.hpp"
#include "db/machines_repository.hpp"
#include "db/repository.hpp"
#include "db/users_repository.hpp"

namespace fabomatic::backend {

RemoteControl::RemoteControl(broker::MessageBus& bus, db::Connection& db, LiveStatus& status,
                             BoardTopics topics, Clock clock, double timeout_s)
    : bus_(bus),
      db_(db),
      status_(status),
      topics_(std::move(topics)),
      clock_(std::move(clock)),
      timeout_s_(timeout_s) {}

std::optional<RemoteRefusal> RemoteControl::request(db::Id machine_id, RemoteRequest type,
                                                    db::Id acting_user_id, Callback done) {
  const double now = clock_();
  if (!db::MachinesRepository(db_).get(machine_id))
    return RemoteRefusal{"unknown_machine", "unknown machine"};
  if (!status_.is_online(machine_id, now))
    return RemoteRefusal{"offline", "the machine's board is offline"};
  const auto uid = request_uid(machine_id, type, acting_user_id);
  if (!uid) return RemoteRefusal{"no_card", "you have no card to log in with"};
  if (pending_.contains(machine_id))
    return RemoteRefusal{"pending", "a request to this machine is already pending"};
  const std::string topic = topics_.request_topic(machine_id);
  const auto payload = format_remote_request(type, *uid, board_payload_budget(topic));
  if (!payload) return RemoteRefusal{"card_too_long", "the card id is too long for the board"};
  pending_[machine_id] = Pending{type, *uid, now + timeout_s_, std::move(done)};
  bus_.publish(topic, *payload);
  log::info("remote", std::string(type == RemoteRequest::start ? "start" : "stop") +
                          " requested on machine " + std::to_string(machine_id) + " by user " +
                          std::to_string(acting_user_id));
  return std::nullopt;
}

std::optional<std::string> RemoteControl::request_uid(db::Id machine_id, RemoteRequest type,
                                                      db::Id acting_user_id) {
  db::UsersRepository users(db_);
  const auto card_of = [&](db::Id user_id) -> std::optional<std::string> {
    const auto user = users.get(user_id);
    if (!user || !user->card || user->card->empty()) return std::nullopt;
    // Lowercase, as the board sends it back in its queries (BoardEvent::uid): a legacy card
    // kept in upper case must still be recognised when the board logs it in.
    return db::normalize_card(*user->card);
  };
  // A start logs the admin's own card in: without one there is nothing to start with.
  if (type == RemoteRequest::start) return card_of(acting_user_id);
  // A stop logs out whoever is in, and the board ignores the uid: the card of the member using
  // the machine, else the admin's, else none — an admin without a card can still stop it.
  std::optional<std::string> uid;
  if (const auto status = status_.machine(machine_id); status && status->user_id)
    uid = card_of(*status->user_id);
  if (!uid) uid = card_of(acting_user_id);
  return uid.value_or("");
}

void RemoteControl::on_board_event(const BoardEvent& event) {
  const auto it = pending_.find(event.machine_id);
  if (it == pending_.end()) return;
  const Pending& p = it->second;
  if (p.type == RemoteRequest::start) {
    if (event.action == "checkuser" && event.uid == p.uid && !event.request_ok) {
      finish(event.machine_id, {false, "check_failed", "the board could not check the card"});
    } else if (event.action == "checkuser" && event.uid == p.uid &&
               event.reply.find(R"("is_valid":false)") != std::string::npos) {
      finish(event.machine_id, {false, "card_refused", "card refused by the machine"});
    } else if (event.action == "startuse" && event.uid == p.uid) {
      finish(event.machine_id, event.request_ok
                                   ? RemoteOutcome{true, "started", "started"}
                                   : RemoteOutcome{false, "board_refused", "the board refused"});
    }
  } else if (event.action == "stopuse") {
    finish(event.machine_id, {true, "stopped", "stopped"});
  }
}

void RemoteControl::expire(double now) {
  std::vector<db::Id> late;
  for (const auto& [machine_id, p] : pending_) {
    if (now >= p.deadline) late.push_back(machine_id);
  }
  for (const auto id : late)
    finish(id, {false, "no_response", "no response"});
}

void RemoteControl::finish(db::Id machine_id, RemoteOutcome outcome) {
  auto node = pending_.extract(machine_id);
  if (node.empty()) return;
  log::info("remote", "machine " + std::to_string(machine_id) + ": " + outcome.message);
  if (node.mapped().done) node.mapped().done(outcome);
  if (observer_) observer_(machine_id, outcome);
}

}  // namespace fabomatic::backend
