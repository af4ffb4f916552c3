// Replies: the exact JSON of docs/board-protocol.md, and the 300-byte board buffer respected for
// every reply whatever the names hold.
#include "backend/board_reply.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <nlohmann/json.hpp>

#include "backend/board_topics.hpp"

namespace fabomatic::backend {
namespace {

using nlohmann::json;
constexpr std::size_t kBudget1Digit = 280;  // machine/1/reply

// --- exact replies ------------------------------------------------------------------------

TEST(BoardReply, CheckUserAuthorized) {
  EXPECT_EQ(format_reply(CheckUserReply{true, true, "Mario", false, 2}, kBudget1Digit),
            R"({"request_ok":true,"is_valid":true,"name":"Mario","missing_auth":false,"level":2})");
}

TEST(BoardReply, CheckUserUnknownAndUnauthorized) {
  EXPECT_EQ(
      format_reply(CheckUserReply{true, false, "Unknown", false, 0}, kBudget1Digit),
      R"({"request_ok":true,"is_valid":false,"name":"Unknown","missing_auth":false,"level":0})");
  EXPECT_EQ(
      format_reply(CheckUserReply{true, false, "User not authorized", true, 0}, kBudget1Digit),
      R"({"request_ok":true,"is_valid":false,"name":"User not authorized","missing_auth":true,"level":0})");
  EXPECT_EQ(format_reply(CheckUserReply{false, false, "", false, 0}, kBudget1Digit),
            R"({"request_ok":false,"is_valid":false,"name":"","missing_auth":false,"level":0})");
}

TEST(BoardReply, CheckMachine) {
  EXPECT_EQ(
      format_reply(CheckMachineReply{true, true, false, true, "LASER 1", 1440, 1, 2, ""},
                   kBudget1Digit),
      R"({"request_ok":true,"is_valid":true,"maintenance":false,"allowed":true,"name":"LASER 1","logoff":1440,"type":1,"grace":2,"description":""})");
  EXPECT_EQ(
      format_reply(CheckMachineReply{true, true, true, false, "Fresa", 60, 3, 0, "Pulire il piano"},
                   kBudget1Digit),
      R"({"request_ok":true,"is_valid":true,"maintenance":true,"allowed":false,"name":"Fresa","logoff":60,"type":3,"grace":0,"description":"Pulire il piano"})");
}

TEST(BoardReply, SimpleReplies) {
  EXPECT_EQ(format_reply(SimpleReply{true, ""}, kBudget1Digit),
            R"({"request_ok":true,"message":""})");
  EXPECT_EQ(format_reply(SimpleReply{true, "inUse"}, kBudget1Digit),
            R"({"request_ok":true,"message":"inUse"})");
  EXPECT_EQ(format_reply(SimpleReply{false, "inUse"}, kBudget1Digit),
            R"({"request_ok":false,"message":"inUse"})");
  EXPECT_EQ(format_reply(SimpleReply{false, "Invalid card"}, kBudget1Digit),
            R"({"request_ok":false,"message":"Invalid card"})");
  EXPECT_EQ(format_reply(stop_use_reply(123), kBudget1Digit),
            R"({"request_ok":true,"message":"Duration 123 seconds"})");
  EXPECT_EQ(format_reply(unknown_machine_reply(), kBudget1Digit),
            R"({"request_ok":false,"message":"Invalid machine ID"})");
}

TEST(BoardReply, SyncCache) {
  std::size_t sent = 99;
  EXPECT_EQ(
      format_reply(SyncCacheReply{true, {{"aabbccd1", 2}, {"11223344", 1}}}, kBudget1Digit, &sent),
      R"({"request_ok":true,"cards":[{"uid":"aabbccd1","level":2},{"uid":"11223344","level":1}]})");
  EXPECT_EQ(sent, 2u);
  EXPECT_EQ(format_reply(SyncCacheReply{true, {}}, kBudget1Digit, &sent),
            R"({"request_ok":true,"cards":[]})");
  EXPECT_EQ(sent, 0u);
  EXPECT_EQ(format_reply(SyncCacheReply{false, {}}, kBudget1Digit),
            R"({"request_ok":false,"cards":[]})");
}

TEST(BoardReply, TextsAreEscaped) {
  EXPECT_EQ(
      format_reply(CheckUserReply{true, true, "Anna \"Nan\" \\ O'Neil\n", false, 1}, kBudget1Digit),
      R"({"request_ok":true,"is_valid":true,"name":"Anna \"Nan\" \\ O'Neil\n","missing_auth":false,"level":1})");
  EXPECT_EQ(format_reply(CheckUserReply{true, true, "Niccol\xC3\xB2", false, 1}, kBudget1Digit),
            "{\"request_ok\":true,\"is_valid\":true,\"name\":\"Niccol\xC3\xB2\","
            "\"missing_auth\":false,\"level\":1}");
  EXPECT_EQ(format_reply(CheckUserReply{true, true, "Bad\xFF", false, 1}, kBudget1Digit),
            "{\"request_ok\":true,\"is_valid\":true,\"name\":\"Bad\xEF\xBF\xBD\","
            "\"missing_auth\":false,\"level\":1}");
}

// --- the board buffer ---------------------------------------------------------------------

TEST(BoardBudget, FromTheReplyTopicLength) {
  EXPECT_EQ(board_payload_budget("machine/1/reply"), 280u);
  EXPECT_EQ(board_payload_budget("machine/12/reply"), 279u);
  EXPECT_EQ(board_payload_budget("machine/123/reply"), 278u);
  EXPECT_EQ(board_payload_budget("machine/007/reply"), 278u);
  EXPECT_EQ(board_payload_budget(std::string(294, 't')), 1u);
  EXPECT_EQ(board_payload_budget(std::string(295, 't')), 0u);
  EXPECT_EQ(board_payload_budget(std::string(1000, 't')), 0u);
}

/// The whole PUBLISH packet the board receives: header, 2-byte remaining length, topic, payload.
std::size_t packet_size(std::string_view topic, std::string_view payload) {
  const std::size_t remaining = 2 + topic.size() + payload.size();
  return 1 + (remaining < 128 ? 1 : 2) + remaining;
}

/// Texts that cost more than they look once escaped.
std::vector<std::string> hard_texts() {
  std::vector<std::string> texts;
  texts.emplace_back(1000, 'A');
  std::string accents;
  for (int i = 0; i < 400; ++i)
    accents += "\xC3\xA8";  // è, 2 bytes
  texts.push_back(accents);
  std::string euros;
  for (int i = 0; i < 300; ++i)
    euros += "\xE2\x82\xAC";  // €, 3 bytes
  texts.push_back(euros);
  std::string emoji;
  for (int i = 0; i < 200; ++i)
    emoji += "\xF0\x9F\x98\x80";  // 😀, 4 bytes
  texts.push_back(emoji);
  texts.emplace_back(500, '"');     // 2 bytes each escaped
  texts.emplace_back(500, '\\');    // 2 bytes each escaped
  texts.emplace_back(300, '\x01');  // 6 bytes each escaped
  std::string mixed;
  for (int i = 0; i < 100; ++i)
    mixed += std::string("a\"\xC3\xA8\\\x1f\xF0\x9F\x98\x80 ");
  texts.push_back(mixed);
  std::string odd_lengths = "x";  // shifts every multibyte boundary by one
  for (int i = 0; i < 300; ++i)
    odd_lengths += "\xE2\x82\xAC\"";
  texts.push_back(odd_lengths);
  return texts;
}

/// Checks a reply against its budget and returns it parsed.
json check_fits(const std::string& reply, const std::string& topic) {
  const std::size_t budget = board_payload_budget(topic);
  EXPECT_LE(reply.size(), budget) << topic << " " << reply;
  EXPECT_LE(packet_size(topic, reply), kBoardPacketLimit);
  return json::parse(reply, nullptr, false);  // discarded (and failing below) if not JSON
}

/// `prefix` is a prefix of `text` ending on a character boundary.
void expect_prefix(const std::string& prefix, const std::string& text) {
  EXPECT_EQ(text.compare(0, prefix.size(), prefix), 0);
  if (prefix.size() < text.size()) {
    EXPECT_NE(static_cast<unsigned char>(text[prefix.size()]) & 0xC0, 0x80)
        << "cut inside a character";
  }
}

std::vector<std::string> reply_topics() {
  std::vector<std::string> topics;
  for (const char* id : {"1", "12", "123", "4567", "98765", "007", "1234567890123456789"}) {
    topics.push_back(std::string("machine/") + id + "/reply");
  }
  return topics;
}

TEST(BoardBudget, LongNamesInCheckUserAreCutToFit) {
  for (const auto& topic : reply_topics()) {
    const std::size_t budget = board_payload_budget(topic);
    for (const auto& name : hard_texts()) {
      const std::string reply = format_reply(CheckUserReply{true, true, name, false, 2}, budget);
      const json parsed = check_fits(reply, topic);
      ASSERT_TRUE(parsed.is_object()) << reply;
      expect_prefix(parsed["name"].get<std::string>(), name);
      EXPECT_GT(reply.size() + 6, budget) << "cut more than one character: " << reply;
      EXPECT_EQ(parsed["level"], 2);
      EXPECT_EQ(parsed["is_valid"], true);
      EXPECT_EQ(parsed["missing_auth"], false);
    }
  }
}

TEST(BoardBudget, AsciiNameFillsTheBufferExactly) {
  const std::string reply =
      format_reply(CheckUserReply{true, true, std::string(500, 'M'), false, 1}, 280);
  EXPECT_EQ(reply.size(), 280u);
  EXPECT_EQ(packet_size("machine/1/reply", reply), 300u);
  EXPECT_TRUE(reply.ends_with("MMM\",\"missing_auth\":false,\"level\":1}")) << reply;
}

TEST(BoardBudget, QuoteHeavyNameNeverEndsInsideAnEscape) {
  // 279 bytes: an odd room for two-byte escapes.
  const std::string reply =
      format_reply(CheckUserReply{true, true, std::string(500, '"'), false, 1}, 279);
  EXPECT_LE(reply.size(), 279u);
  EXPECT_EQ(reply.size(), 278u);
  EXPECT_TRUE(json::accept(reply)) << reply;
}

TEST(BoardBudget, LongNameAndDescriptionShareCheckMachineFairly) {
  for (const auto& topic : reply_topics()) {
    const std::size_t budget = board_payload_budget(topic);
    for (const auto& name : hard_texts()) {
      for (const auto& description : hard_texts()) {
        const std::string reply = format_reply(
            CheckMachineReply{true, true, true, true, name, 1440, 3, 5, description}, budget);
        const json parsed = check_fits(reply, topic);
        ASSERT_TRUE(parsed.is_object()) << reply;
        expect_prefix(parsed["name"].get<std::string>(), name);
        expect_prefix(parsed["description"].get<std::string>(), description);
        EXPECT_GT(reply.size() + 12, budget) << reply;
        EXPECT_EQ(parsed["logoff"], 1440);
        EXPECT_EQ(parsed["grace"], 5);
      }
    }
  }
}

TEST(BoardBudget, ShortNameKeepsItsPlaceBesideALongDescription) {
  const std::string reply = format_reply(
      CheckMachineReply{true, true, true, true, "LASER 1", 1440, 1, 2, std::string(400, 'd')}, 280);
  EXPECT_EQ(reply.size(), 280u);
  EXPECT_NE(reply.find(R"("name":"LASER 1")"), std::string::npos);
  const std::string reverse = format_reply(
      CheckMachineReply{true, true, true, true, std::string(400, 'n'), 1440, 1, 2, "Oil it"}, 280);
  EXPECT_EQ(reverse.size(), 280u);
  EXPECT_NE(reverse.find(R"("description":"Oil it")"), std::string::npos);
}

TEST(BoardBudget, TwoLongTextsGetHalfEach) {
  const std::string reply =
      format_reply(CheckMachineReply{true, true, true, true, std::string(400, 'n'), 1, 1, 1,
                                     std::string(400, 'd')},
                   280);
  const json parsed = json::parse(reply);
  const auto name = parsed["name"].get<std::string>().size();
  const auto description = parsed["description"].get<std::string>().size();
  EXPECT_EQ(reply.size(), 280u);
  EXPECT_LE(name > description ? name - description : description - name, 1u);
}

TEST(BoardBudget, LongMessageIsCutToo) {
  const std::string reply = format_reply(SimpleReply{false, std::string(1000, '\\')}, 279);
  EXPECT_LE(reply.size(), 279u);
  EXPECT_TRUE(json::accept(reply));
}

TEST(BoardBudget, SyncCacheKeepsTheFirstCardsThatFit) {
  SyncCacheReply cache{true, {}};
  for (int i = 0; i < 200; ++i) {
    char uid[9];
    std::snprintf(uid, sizeof uid, "%08x", 0xa0000000u + static_cast<unsigned>(i));
    cache.cards.push_back({uid, i % 3 == 0 ? 2 : 1});
  }
  for (const auto& topic : reply_topics()) {
    const std::size_t budget = board_payload_budget(topic);
    std::size_t sent = 0;
    const std::string reply = format_reply(cache, budget, &sent);
    const json parsed = check_fits(reply, topic);
    ASSERT_TRUE(parsed.is_object()) << reply;
    ASSERT_EQ(parsed["cards"].size(), sent);
    for (std::size_t i = 0; i < sent; ++i) {
      EXPECT_EQ(parsed["cards"][i]["uid"], cache.cards[i].uid);
      EXPECT_EQ(parsed["cards"][i]["level"], cache.cards[i].level);
    }
    EXPECT_GT(reply.size() + 29, budget) << "one more card would have fitted";
  }
  std::size_t sent = 0;
  const std::string reply = format_reply(cache, 280, &sent);
  EXPECT_EQ(sent, 8u);  // 30 bytes of frame + 8 cards of 28 bytes and 7 commas
  EXPECT_EQ(reply.size(), 30u + 8 * 28 + 7);
  EXPECT_EQ(reply.substr(0, 58), R"({"request_ok":true,"cards":[{"uid":"a0000000","level":2},{)");
}

TEST(BoardBudget, SyncCacheStopsAtTheFirstCardThatDoesNotFit) {
  const SyncCacheReply cache{true, {{"aa", 1}, {std::string(300, 'b'), 1}, {"cc", 1}}};
  std::size_t sent = 0;
  EXPECT_EQ(format_reply(cache, 280, &sent),
            R"({"request_ok":true,"cards":[{"uid":"aa","level":1}]})");
  EXPECT_EQ(sent, 1u);
}

TEST(BoardBudget, EveryReplyWithEmptyTextsFitsTheMinimumBudget) {
  constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
  const std::string longest_machine =
      format_reply(CheckMachineReply{false, false, false, false, "name", kMin, kMin, kMin, "text"},
                   kMinReplyBudget);
  EXPECT_LE(longest_machine.size(), kMinReplyBudget) << longest_machine;
  EXPECT_TRUE(json::accept(longest_machine));
  EXPECT_LE(format_reply(CheckUserReply{false, false, "User not authorized", false, kMin},
                         kMinReplyBudget)
                .size(),
            kMinReplyBudget);
  EXPECT_LE(format_reply(stop_use_reply(kMin), kMinReplyBudget).size(), kMinReplyBudget);
  EXPECT_EQ(format_reply(stop_use_reply(kMin), kMinReplyBudget),
            R"({"request_ok":true,"message":"Duration -9223372036854775808 seconds"})");
  EXPECT_LE(format_reply(SyncCacheReply{false, {}}, kMinReplyBudget).size(), kMinReplyBudget);
}

// --- remote requests and stats ------------------------------------------------------------

TEST(RemoteRequest, ExactJson) {
  const BoardTopics topics;
  EXPECT_EQ(topics.request_topic(7), "machine/7/request");
  const std::size_t budget = board_payload_budget(topics.request_topic(7));
  EXPECT_EQ(format_remote_request(RemoteRequest::start, "aabbccd1", budget),
            R"({"request_type":"start","uid":"aabbccd1"})");
  EXPECT_EQ(format_remote_request(RemoteRequest::stop, "aabbccd1", budget),
            R"({"request_type":"stop","uid":"aabbccd1"})");
  EXPECT_EQ(format_remote_request(RemoteRequest::start, "a\"b", budget),
            R"({"request_type":"start","uid":"a\"b"})");
}

TEST(RemoteRequest, UidTooLongIsRefusedNotCut) {
  EXPECT_EQ(format_remote_request(RemoteRequest::start, std::string(300, 'a'), 278), std::nullopt);
  const std::string fits(278 - 33, 'a');
  ASSERT_TRUE(format_remote_request(RemoteRequest::start, fits, 278).has_value());
  EXPECT_EQ(format_remote_request(RemoteRequest::start, fits, 278)->size(), 278u);
  EXPECT_EQ(format_remote_request(RemoteRequest::start, fits + "a", 278), std::nullopt);
}

TEST(Stats, SameTextAsTheOldBackend) {
  // Expected strings produced by Python's json.dumps on the old backend's dict.
  EXPECT_EQ(
      format_stats(BackendStats{true, "fabpi2", "10.0.0.2", 12, 10}),
      R"({"Connected": true, "Backend host": "fabpi2", "Backend IP": "10.0.0.2", "Received": 12, "Sent": 10})");
  EXPECT_EQ(
      format_stats(BackendStats{false, "fabpi2", "10.0.0.2", 0, 0}),
      R"({"Connected": false, "Backend host": "fabpi2", "Backend IP": "10.0.0.2", "Received": 0, "Sent": 0})");
  EXPECT_EQ(
      format_stats(BackendStats{true, "caff\xC3\xA8\xF0\x9F\x98\x80\x07\x7f\"\\\n", "127.0.1.1",
                                18446744073709551615u, 1}),
      R"({"Connected": true, "Backend host": "caff\u00e8\ud83d\ude00\u0007\u007f\"\\\n", "Backend IP": "127.0.1.1", "Received": 18446744073709551615, "Sent": 1})");
}

TEST(Stats, Topic) {
  MqttSettings mqtt;
  EXPECT_EQ(stats_topic(mqtt), "stats/backend");
  mqtt.client_id = "backend-3";
  mqtt.stats_topic = "lab/stats";
  EXPECT_EQ(stats_topic(mqtt), "lab/stats/backend-3");
}

}  // namespace
}  // namespace fabomatic::backend
