// The subprotocol a WebSocket listener answers (MQTT 3.1.1 section 6, RFC 6455 4.2.2).
#include "broker/asio/websocket_subprotocol.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string_view>
#include <vector>

namespace fabomatic::broker {
namespace {

std::string_view chosen(std::initializer_list<std::string_view> lines) {
  const std::vector<std::string_view> offered(lines);
  return choose_websocket_subprotocol(offered);
}

TEST(WebSocketSubprotocol, MQTT_6_0_0_4_MqttIsChosenWhereverItIsOffered) {
  EXPECT_EQ(chosen({"mqtt"}), "mqtt");
  EXPECT_EQ(chosen({"foo, mqtt"}), "mqtt");
  EXPECT_EQ(chosen({"mqtt,foo"}), "mqtt");
  EXPECT_EQ(chosen({"mqttv3.1, mqtt"}), "mqtt");  // preferred to 3.1 whatever the order
  EXPECT_EQ(chosen({" \tmqtt\t "}), "mqtt");
}

TEST(WebSocketSubprotocol, MQTT_6_0_0_4_SeveralHeaderLinesAreOneList) {
  EXPECT_EQ(chosen({"foo", "mqtt"}), "mqtt");
  EXPECT_EQ(chosen({"mqttv3.1", "bar"}), "mqttv3.1");
}

TEST(WebSocketSubprotocol, Mqtt31ClientsGetTheirOwnName) {
  EXPECT_EQ(chosen({"mqttv3.1"}), "mqttv3.1");
}

// RFC 6455 4.2.2: the answer must be one of the offered names; a client fails the connection
// otherwise. Substrings and other versions are not offers of "mqtt".
TEST(WebSocketSubprotocol, NeverANameTheClientDidNotOffer) {
  EXPECT_EQ(chosen({}), "");
  EXPECT_EQ(chosen({""}), "");
  EXPECT_EQ(chosen({"foo"}), "");
  EXPECT_EQ(chosen({"xmqtt"}), "");
  EXPECT_EQ(chosen({"mqttv5"}), "");
  EXPECT_EQ(chosen({"mqttv3.1.1"}), "");
  EXPECT_EQ(chosen({"MQTT"}), "");
  EXPECT_EQ(chosen({",,"}), "");
}

}  // namespace
}  // namespace fabomatic::broker
