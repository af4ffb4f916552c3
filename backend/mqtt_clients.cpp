#include "backend/mqtt_clients.hpp"

#include <algorithm>

namespace fabomatic::backend {

namespace {

/// The host of the broker's "address:port" (an IPv4-mapped IPv6 address as IPv4, as boards
/// report theirs).
std::string host_of(std::string_view remote) {
  const auto colon = remote.rfind(':');
  if (colon != std::string_view::npos && colon + 1 < remote.size() &&
      remote.find_first_not_of("0123456789", colon + 1) == std::string_view::npos) {
    remote = remote.substr(0, colon);
  }
  if (remote.starts_with("::ffff:")) remote.remove_prefix(7);
  return std::string(remote);
}

}  // namespace

MqttClients::MqttClients(double (*clock)())
    : BrokerHooks(broker::HookEvent::connected | broker::HookEvent::disconnected), clock_(clock) {}

void MqttClients::on_connected(const broker::ClientInfo& client) {
  clients_.push_back({std::string(client.client_id), std::string(client.account),
                      host_of(client.remote_address), std::string(client.remote_address),
                      clock_()});
}

void MqttClients::on_disconnected(const broker::ClientInfo& client, bool) {
  // Two connections may share a client id (boards draw BOARD<n> at random) and an address
  // (a board reconnecting): the oldest such entry goes.
  const auto it = std::find_if(clients_.begin(), clients_.end(), [&](const MqttClient& c) {
    return c.client_id == client.client_id && c.remote == client.remote_address;
  });
  if (it != clients_.end()) clients_.erase(it);
}

}  // namespace fabomatic::backend
