#include "backend/mqtt_security.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "broker/core/broker.hpp"
#include "db/boards_repository.hpp"
#include "db/machines_repository.hpp"

namespace fabomatic::backend {

std::string_view to_string(AnonymousMode mode) {
  switch (mode) {
    case AnonymousMode::refused:
      return "refused";
    case AnonymousMode::allowed:
      return "allowed";
    case AnonymousMode::legacy:
      return "legacy";
  }
  return "legacy";
}

MqttSecurity::MqttSecurity(broker::Broker& broker, db::Connection& db, BoardAccounts& accounts,
                           const MqttAuth& auth, AnonymousMode mode)
    : broker_(broker), db_(db), accounts_(accounts), auth_(auth), mode_(mode) {}

MqttSecurityStatus MqttSecurity::status() {
  MqttSecurityStatus status;
  status.mode = mode_;
  std::set<db::Id> anonymous_boards;
  broker_.for_each_client([&](const broker::ClientInfo& client) {
    ++status.clients;
    if (!client.account.empty()) return;
    ++status.anonymous_clients;
    if (const auto machine = auth_.machine_of(client.remote_address)) {
      anonymous_boards.insert(*machine);
    }
  });
  status.anonymous_boards.assign(anonymous_boards.begin(), anonymous_boards.end());
  std::set<db::Id> with_account;
  for (const auto& account : accounts_.list())
    with_account.insert(account.machine_id);
  status.board_accounts = with_account.size();
  for (const auto& machine : db::MachinesRepository(db_).list()) {
    ++status.machines;
    if (!with_account.contains(machine.id)) status.machines_without_account.push_back(machine.id);
  }
  return status;
}

std::vector<BoardAccountView> MqttSecurity::accounts() {
  std::map<std::string, std::string> connected;  // account -> remote address
  broker_.for_each_client([&](const broker::ClientInfo& client) {
    if (!client.account.empty()) {
      connected[std::string(client.account)] = std::string(client.remote_address);
    }
  });
  std::map<db::Id, std::string> names;
  for (const auto& machine : db::MachinesRepository(db_).list())
    names.emplace(machine.id, machine.name);
  std::vector<BoardAccountView> views;
  for (auto& account : accounts_.list()) {
    BoardAccountView view;
    if (const auto it = names.find(account.machine_id); it != names.end()) {
      view.machine_name = it->second;
    }
    if (const auto it = connected.find(account.username); it != connected.end()) {
      view.connected = true;
      view.remote_address = it->second;
    }
    view.account = std::move(account);
    views.push_back(std::move(view));
  }
  return views;
}

IssuedSecret MqttSecurity::create(db::Id machine_id) {
  return accounts_.create(machine_id);
}

std::optional<IssuedSecret> MqttSecurity::rotate(db::Id machine_id) {
  auto issued = accounts_.rotate(machine_id);
  if (issued) disconnect_account(issued->account.username);
  return issued;
}

bool MqttSecurity::revoke(db::Id machine_id) {
  const auto account = accounts_.get(machine_id);
  if (!account || !accounts_.revoke(machine_id)) return false;
  disconnect_account(account->username);
  return true;
}

std::size_t MqttSecurity::disconnect_account(const std::string& username) {
  return broker_.disconnect_clients(
      [&](const broker::ClientInfo& client) { return client.account == username; },
      "its board account's secret changed or was revoked");
}

std::size_t MqttSecurity::close_to_anonymous(db::Id machine_id) {
  return broker_.disconnect_clients(
      [&](const broker::ClientInfo& client) {
        return client.account.empty() &&
               auth_.spoke_or_listened_for(client.remote_address, machine_id);
      },
      "its machine's board now logs in with its account: the machine is closed to anonymous "
      "clients");
}

std::vector<SharedClientIdView> MqttSecurity::shared_client_ids() {
  // Anonymous boards the broker did not see publish yet: known by the IP their `alive` gave.
  std::map<std::string, db::Id> board_ips;
  for (const auto& board : db::BoardsRepository(db_).list()) {
    if (!board.ip_address.empty()) board_ips.emplace(board.ip_address, board.machine_id);
  }
  std::vector<SharedClientIdView> views;
  for (const auto& shared : broker_.shared_client_ids()) {
    SharedClientIdView view;
    view.client_id = shared.client_id;
    std::set<db::Id> machines;
    for (const auto& holder : shared.holders) {
      SharedClientIdView::Holder h{holder.remote_address, holder.account, std::nullopt};
      h.machine_id = holder.account.empty() ? auth_.machine_of(holder.remote_address)
                                            : auth_.machine_of_account(holder.account);
      if (!h.machine_id) {
        const auto it = board_ips.find(std::string(broker::address_of(holder.remote_address)));
        if (it != board_ips.end()) h.machine_id = it->second;
      }
      if (h.machine_id) machines.insert(*h.machine_id);
      view.holders.push_back(std::move(h));
    }
    view.machines.assign(machines.begin(), machines.end());
    views.push_back(std::move(view));
  }
  return views;
}

}  // namespace fabomatic::backend
