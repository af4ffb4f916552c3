// Who is connected to the broker now, for the system page's board fleet: a hook on every
// CONNECT and disconnect that keeps client id, account (user name) and address of each
// connected client. Boards are matched to their records by IP address.
#pragma once

#include <string>
#include <vector>

#include "broker/core/hooks.hpp"

namespace fabomatic::backend {

struct MqttClient {
  std::string client_id;
  std::string username;     // empty: none given
  std::string address;      // its IP address (without the port)
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
