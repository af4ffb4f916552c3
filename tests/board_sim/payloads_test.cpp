#include "tools/board-sim/payloads.hpp"

#include <gtest/gtest.h>

#include <set>

namespace fabomatic::board_sim {
namespace {

TEST(Payloads, QueriesAreTheFirmwareStringsByteForByte) {
  EXPECT_EQ(checkmachine_payload(), R"({"action":"checkmachine"})");
  EXPECT_EQ(checkuser_payload("aabbccd1"), R"({"action":"checkuser","uid":"aabbccd1"})");
  EXPECT_EQ(startuse_payload("aabbccd1"), R"({"action":"startuse", "uid":"aabbccd1"})");
  EXPECT_EQ(inuse_payload("aabbccd1", 123),
            R"({"action":"inuse", "uid":"aabbccd1","duration":123})");
  EXPECT_EQ(stopuse_payload("aabbccd1", 123),
            R"({"action":"stopuse", "uid":"aabbccd1","duration":123})");
  EXPECT_EQ(maintenance_payload("aabbccd1"), R"({"action":"maintenance", "uid":"aabbccd1"})");
  EXPECT_EQ(
      alive_payload(BoardIdentity{}),
      R"({"action":"alive","version":"hardware-rev0-it_IT,0.7.3-12-gabcdef","ip":"192.168.1.5","serial":"a1b2c3d4e5f6","heap":"183456"})");
  EXPECT_EQ(synccache_payload(), R"({"action":"synccache"})");
}

TEST(Payloads, PayloadForUsesTheFieldsOfEachAction) {
  EXPECT_EQ(payload_for(Action::stopuse, "0badcafe", 7),
            R"({"action":"stopuse", "uid":"0badcafe","duration":7})");
  EXPECT_EQ(payload_for(Action::checkmachine, "ignored", 7), checkmachine_payload());
  EXPECT_EQ(payload_for(Action::inuse, "x", -1), R"({"action":"inuse", "uid":"x","duration":-1})");
}

TEST(Payloads, ReplayIsAppendedBeforeTheClosingBrace) {
  EXPECT_EQ(as_replay(stopuse_payload("aabbccd1", 5)),
            R"({"action":"stopuse", "uid":"aabbccd1","duration":5, "replay":true})");
  EXPECT_EQ(as_replay(startuse_payload("aabbccd1")),
            R"({"action":"startuse", "uid":"aabbccd1", "replay":true})");
  EXPECT_EQ(as_replay("no brace"), "no brace");
}

TEST(Payloads, ActionNamesRoundTrip) {
  for (const auto action : kAllActions)
    EXPECT_EQ(parse_action(to_string(action)), action);
  EXPECT_FALSE(parse_action("CheckUser"));
  EXPECT_FALSE(parse_action(""));
  EXPECT_TRUE(is_buffered(Action::startuse));
  EXPECT_TRUE(is_buffered(Action::stopuse));
  EXPECT_TRUE(is_buffered(Action::maintenance));
  EXPECT_FALSE(is_buffered(Action::inuse));
  EXPECT_FALSE(is_buffered(Action::checkuser));
  EXPECT_FALSE(expects_reply(Action::alive));
  EXPECT_TRUE(expects_reply(Action::synccache));
}

TEST(Payloads, IdentitiesDifferPerMachineAndHeapIsANumericString) {
  std::set<std::string> ips, serials;
  for (int id = 1; id <= 600; ++id) {
    const auto identity = identity_for(id);
    ips.insert(identity.ip);
    serials.insert(identity.serial);
    EXPECT_EQ(identity.serial.size(), 12u);
    EXPECT_FALSE(identity.heap.empty());
    EXPECT_EQ(identity.heap.find_first_not_of("0123456789"), std::string::npos);
  }
  EXPECT_EQ(ips.size(), 600u);
  EXPECT_EQ(serials.size(), 600u);
}

TEST(Payloads, QueryTopicIsPrefixSlashDecimalId) {
  EXPECT_EQ(query_topic("machine", 7), "machine/7");
  EXPECT_EQ(query_topic("lab", 120), "lab/120");
}

TEST(Payloads, RemoteRequests) {
  auto start = parse_request(R"({"request_type":"start","uid":"aabbccd1"})");
  ASSERT_TRUE(start);
  EXPECT_EQ(start->type, RemoteRequest::Type::start);
  EXPECT_EQ(start->uid, "aabbccd1");
  auto stop = parse_request(R"({"request_type":"stop","uid":"aabbccd1"})");
  ASSERT_TRUE(stop);
  EXPECT_EQ(stop->type, RemoteRequest::Type::stop);
  EXPECT_TRUE(parse_request(R"({"request_type":"stop"})"));
  EXPECT_FALSE(parse_request(R"({"request_type":"start"})"));  // start needs a card
  EXPECT_FALSE(parse_request(R"({"request_type":"reboot"})"));
  EXPECT_FALSE(parse_request(R"({"request_type":1})"));
  EXPECT_FALSE(parse_request(R"(["stop"])"));
  EXPECT_FALSE(parse_request("not json"));
}

TEST(Payloads, ReplyFieldsTheBoardReads) {
  auto user = parse_reply(
      R"({"request_ok":true,"is_valid":true,"name":"Mario","missing_auth":false,"level":2})");
  ASSERT_TRUE(user);
  EXPECT_TRUE(user->request_ok);
  EXPECT_TRUE(user->is_valid);
  EXPECT_EQ(user->level, 2);
  auto machine = parse_reply(
      R"({"request_ok":true,"is_valid":true,"maintenance":true,"allowed":false,"name":"X"})");
  ASSERT_TRUE(machine);
  EXPECT_TRUE(machine->maintenance);
  EXPECT_FALSE(machine->allowed);
  auto wrong_types = parse_reply(R"({"request_ok":"true","is_valid":1,"level":"2"})");
  ASSERT_TRUE(wrong_types);
  EXPECT_FALSE(wrong_types->request_ok);
  EXPECT_FALSE(wrong_types->is_valid);
  EXPECT_EQ(wrong_types->level, 0);
  EXPECT_FALSE(parse_reply("[]"));
  EXPECT_FALSE(parse_reply("{"));
}

}  // namespace
}  // namespace fabomatic::board_sim
