// Who is connected to the broker, for the system page's fleet: kept from the hooks' events,
// with the address as boards report theirs (no port).
#include "backend/mqtt_clients.hpp"

#include <gtest/gtest.h>

namespace fabomatic::backend {
namespace {

double fixed_clock() {
  return 1'800'000'000;
}

TEST(MqttClients, FollowsConnectionsByClientIdAndAddress) {
  MqttClients clients(fixed_clock);
  clients.on_connected({.client_id = "BOARD7",
                        .username = "board",
                        .remote_address = "192.168.1.7:50123",
                        .account = "board"});
  clients.on_connected(
      {.client_id = "BOARD7", .username = "user", .remote_address = "::ffff:192.168.1.8:40000"});
  clients.on_connected({.client_id = "tool", .remote_address = "::1:1234"});
  ASSERT_EQ(clients.connected().size(), 3u);
  EXPECT_EQ(clients.connected()[0].address, "192.168.1.7");
  EXPECT_EQ(clients.connected()[0].username, "board");
  EXPECT_EQ(clients.connected()[0].connected_at, 1'800'000'000);
  EXPECT_EQ(clients.connected()[1].address, "192.168.1.8");
  EXPECT_EQ(clients.connected()[1].username, "");  // let in as anonymous: no account
  EXPECT_EQ(clients.connected()[2].address, "::1");
  // The same client id from another address is another board.
  clients.on_disconnected({.client_id = "BOARD7", .remote_address = "::ffff:192.168.1.8:40000"},
                          true);
  ASSERT_EQ(clients.connected().size(), 2u);
  EXPECT_EQ(clients.connected()[0].address, "192.168.1.7");
  clients.on_disconnected({.client_id = "unknown", .remote_address = "10.0.0.1:1"}, false);
  EXPECT_EQ(clients.connected().size(), 2u);
}

}  // namespace
}  // namespace fabomatic::backend
