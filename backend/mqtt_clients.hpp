// Who is connected to the broker now, for the system page's board fleet: a hook on every
// CONNECT and disconnect that keeps client id, account (user name) and address of each
// connected client. The system page matches them to the boards' records by the machine they
// speak for when that is known (MqttAuth), else by IP address.
#pragma once

#include <string>
#include <vector>

#include "broker/core/hooks.hpp"

namespace fabomatic::backend {

struct MqttClient {
  std::string client_id;
  std::string username;     // empty: none given
  std::string address;      // its IP address (without the port)
  std::string remote;       // "address:port", as the broker names the connection
  double connected_at = 0;  // unix seconds
};

class MqttClients final : public broker::BrokerHooks {
 public:
  /// `clock`: unix seconds now.
  explicit MqttClients(double (*clock)());

  void on_connected(const broker::ClientInfo& client) override;
  void on_disconnected(const broker::ClientInfo& client, bool graceful) override;

  /// Connected clients in the order they connected.
  const std::vector<MqttClient>& connected() const { return clients_; }

 private:
  double (*clock_)();
  std::vector<MqttClient> clients_;
};

}  // namespace fabomatic::backend
