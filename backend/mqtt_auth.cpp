#include "backend/mqtt_auth.hpp"

#include <utility>

#include "common/clock.hpp"
#include "db/board_accounts_repository.hpp"
#include "db/machines_repository.hpp"

namespace fabomatic::backend {

namespace {

// "<prefix>/<segment>/<sub>" -> segment, when `sub` is the reply or the request subtopic.
std::optional<std::string_view> reply_or_request_segment(const BoardTopics& topics,
                                                         std::string_view topic) {
  if (!topic.starts_with(topics.prefix) || topic.size() <= topics.prefix.size() + 1 ||
      topic[topics.prefix.size()] != '/') {
    return std::nullopt;
  }
  const std::string_view rest = topic.substr(topics.prefix.size() + 1);
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const std::string_view sub = rest.substr(slash + 1);
  if (sub != topics.reply_subtopic && sub != topics.request_subtopic) return std::nullopt;
  return rest.substr(0, slash);
}

}  // namespace

// Anonymous clients under the legacy rule: the machine's own topics, for machines that exist.
class LegacyAnonymousAccess final : public broker::ClientAccess {
 public:
  explicit LegacyAnonymousAccess(MqttAuth& auth) : auth_(auth) {}

  bool may_publish(const broker::ClientInfo& client, std::string_view topic,
                   bool retain) const override {
    if (retain) return false;
    const auto segment = auth_.topics().id_segment(topic);
    const auto machine = segment ? MqttAuth::machine_id_of(*segment) : std::nullopt;
    if (!machine || !auth_.machine_exists(*machine) || auth_.closed_to_anonymous(*machine)) {
      return false;
    }
    auth_.learned(client.remote_address, *machine);
    return true;
  }

  bool may_subscribe(const broker::ClientInfo& client, std::string_view filter) const override {
    const auto segment = reply_or_request_segment(auth_.topics(), filter);
    const auto machine = segment ? MqttAuth::machine_id_of(*segment) : std::nullopt;
    if (!machine || auth_.closed_to_anonymous(*machine)) return false;
    auth_.subscribed(client.remote_address, *machine);
    return true;
  }

 private:
  MqttAuth& auth_;
};

bool BoardAccess::may_publish(const broker::ClientInfo&, std::string_view topic,
                              bool retain) const {
  if (retain) return false;
  const auto segment = topics_.id_segment(topic);
  return segment && MqttAuth::machine_id_of(*segment) == machine_id_;
}

bool BoardAccess::may_subscribe(const broker::ClientInfo&, std::string_view filter) const {
  const auto segment = reply_or_request_segment(topics_, filter);
  return segment && MqttAuth::machine_id_of(*segment) == machine_id_;
}

MqttAuth::MqttAuth(db::Connection& db, const BoardSecrets& secrets, BoardTopics topics)
    : BrokerHooks(broker::HookEvent::authenticate | broker::HookEvent::disconnected),
      db_(db),
      secrets_(secrets),
      topics_(std::move(topics)) {
  legacy_ = std::make_shared<LegacyAnonymousAccess>(*this);
}

std::optional<db::Id> MqttAuth::machine_id_of(std::string_view segment) {
  // Leading zeros are allowed, as the board service reads the topic (machine/007 is machine 7);
  // 15 significant digits at most, far beyond any id and far from overflowing.
  while (segment.size() > 1 && segment.front() == '0')
    segment.remove_prefix(1);
  if (segment.empty() || segment.size() > 15) return std::nullopt;
  db::Id id = 0;
  for (const char c : segment) {
    if (c < '0' || c > '9') return std::nullopt;
    id = id * 10 + (c - '0');
  }
  return id;
}

std::optional<db::Id> MqttAuth::machine_of_account(std::string_view account) const {
  constexpr std::string_view kPrefix = "board-";
  if (!account.starts_with(kPrefix)) return std::nullopt;
  return machine_id_of(account.substr(kPrefix.size()));
}

broker::AuthResult MqttAuth::authenticate(const broker::ClientInfo&,
                                          const broker::Credentials& credentials) {
  using broker::AuthResult;
  if (!credentials.username) return AuthResult::defer();
  const auto account = db::BoardAccountsRepository(db_).by_username(*credentials.username);
  if (!account) return AuthResult::defer();
  if (!credentials.password || !secrets_.verify(*credentials.password, account->secret_hash)) {
    return AuthResult::refuse(broker::ConnectReturnCode::not_authorized);  // as Mosquitto
  }
  proven_[account->username] = account->secret_hash;
  if (!account->first_login &&
      db::BoardAccountsRepository(db_).mark_first_login(account->machine_id, unix_now()) &&
      on_first_login_) {
    on_first_login_(account->machine_id);
  }
  return AuthResult::accept(std::make_shared<BoardAccess>(topics_, account->machine_id), true);
}

broker::AuthResult MqttAuth::review(const broker::ClientInfo& client) {
  using broker::AuthResult;
  const auto account = db::BoardAccountsRepository(db_).by_username(client.account);
  const auto proven = proven_.find(std::string(client.account));
  if (!account || (proven != proven_.end() && proven->second != account->secret_hash)) {
    return AuthResult::refuse(broker::ConnectReturnCode::not_authorized);
  }
  return AuthResult::defer();  // its rights do not change
}

void MqttAuth::on_disconnected(const broker::ClientInfo& client, bool) {
  if (!anonymous_.empty()) anonymous_.erase(std::string(client.remote_address));
}

bool MqttAuth::machine_exists(db::Id machine_id) {
  return db::MachinesRepository(db_).get(machine_id).has_value();
}

bool MqttAuth::closed_to_anonymous(db::Id machine_id) {
  const auto account = db::BoardAccountsRepository(db_).by_machine(machine_id);
  return account && account->first_login;
}

MqttAuth::AnonymousTrace& MqttAuth::trace_of(std::string_view remote_address) {
  if (anonymous_.size() >= 100'000) anonymous_.clear();  // bounded by the connections anyway
  return anonymous_[std::string(remote_address)];
}

void MqttAuth::learned(std::string_view remote_address, db::Id machine_id) {
  auto& trace = trace_of(remote_address);
  trace.spoke_for = machine_id;
  trace.machines.insert(machine_id);
}

void MqttAuth::subscribed(std::string_view remote_address, db::Id machine_id) {
  trace_of(remote_address).machines.insert(machine_id);
}

bool MqttAuth::spoke_or_listened_for(std::string_view remote_address, db::Id machine_id) const {
  const auto it = anonymous_.find(std::string(remote_address));
  return it != anonymous_.end() && it->second.machines.contains(machine_id);
}

std::optional<db::Id> MqttAuth::machine_of(std::string_view remote_address) const {
  const auto it = anonymous_.find(std::string(remote_address));
  if (it == anonymous_.end()) return std::nullopt;
  return it->second.spoke_for;
}

}  // namespace fabomatic::backend
