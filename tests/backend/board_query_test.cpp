// Board queries: the exact firmware payloads of docs/board-protocol.md parse into typed queries,
// and everything else is rejected with a reason (and therefore gets no reply).
#include "backend/board_query.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <random>

#include "common/text.hpp"

namespace fabomatic::backend {
namespace {

BoardQuery accepted(std::string_view payload) {
  auto result = parse_query(payload);
  if (auto* rejection = std::get_if<Rejection>(&result)) {
    ADD_FAILURE() << "rejected " << payload << ": " << rejection->reason;
    return CheckMachine{};
  }
  return std::get<BoardQuery>(result);
}

std::string rejected(std::string_view payload) {
  auto result = parse_query(payload);
  if (std::holds_alternative<BoardQuery>(result)) {
    ADD_FAILURE() << "accepted " << payload;
    return {};
  }
  return std::get<Rejection>(result).reason;
}

template <typename T>
T accepted_as(std::string_view payload) {
  const BoardQuery query = accepted(payload);
  EXPECT_TRUE(std::holds_alternative<T>(query)) << payload;
  return std::holds_alternative<T>(query) ? std::get<T>(query) : T{};
}

// --- the exact firmware payloads ---------------------------------------------------------

TEST(BoardQuery, CheckMachine) {
  EXPECT_EQ(action_name(accepted(R"({"action":"checkmachine"})")), "checkmachine");
}

TEST(BoardQuery, CheckUser) {
  EXPECT_EQ(accepted_as<CheckUser>(R"({"action":"checkuser","uid":"aabbccd1"})").uid, "aabbccd1");
}

TEST(BoardQuery, StartUseWithSpaceAfterComma) {
  const auto start = accepted_as<StartUse>(R"({"action":"startuse", "uid":"aabbccd1"})");
  EXPECT_EQ(start.uid, "aabbccd1");
  EXPECT_FALSE(start.replay);
}

TEST(BoardQuery, InUse) {
  const auto inuse = accepted_as<InUse>(R"({"action":"inuse", "uid":"aabbccd1","duration":123})");
  EXPECT_EQ(inuse.uid, "aabbccd1");
  EXPECT_EQ(inuse.duration, 123);
}

TEST(BoardQuery, StopUse) {
  const auto stop =
      accepted_as<StopUse>(R"({"action":"stopuse", "uid":"aabbccd1","duration":123})");
  EXPECT_EQ(stop.uid, "aabbccd1");
  EXPECT_EQ(stop.duration, 123);
  EXPECT_FALSE(stop.replay);
}

TEST(BoardQuery, Maintenance) {
  const auto maintenance =
      accepted_as<Maintenance>(R"({"action":"maintenance", "uid":"aabbccd1"})");
  EXPECT_EQ(maintenance.uid, "aabbccd1");
  EXPECT_FALSE(maintenance.replay);
}

TEST(BoardQuery, AliveWithHeapAsString) {
  const auto alive = accepted_as<Alive>(
      R"({"action":"alive","version":"hardware-rev0-it_IT,0.7.3-12-gabcdef","ip":"192.168.1.5","serial":"a1b2c3d4e5f6","heap":"183456"})");
  EXPECT_EQ(alive.version, "hardware-rev0-it_IT,0.7.3-12-gabcdef");
  EXPECT_EQ(alive.ip, "192.168.1.5");
  EXPECT_EQ(alive.serial, "a1b2c3d4e5f6");
  EXPECT_EQ(alive.heap, 183456);
}

TEST(BoardQuery, SyncCache) {
  EXPECT_EQ(action_name(accepted(R"({"action":"synccache"})")), "synccache");
}

// --- replayed messages: ', "replay":true' appended ------------------------------------------

TEST(BoardQuery, ReplayedStartUse) {
  EXPECT_TRUE(
      accepted_as<StartUse>(R"({"action":"startuse", "uid":"aabbccd1", "replay":true})").replay);
}

TEST(BoardQuery, ReplayedStopUse) {
  const auto stop = accepted_as<StopUse>(
      R"({"action":"stopuse", "uid":"aabbccd1","duration":123, "replay":true})");
  EXPECT_TRUE(stop.replay);
  EXPECT_EQ(stop.duration, 123);
}

TEST(BoardQuery, ReplayedMaintenance) {
  EXPECT_TRUE(
      accepted_as<Maintenance>(R"({"action":"maintenance", "uid":"aabbccd1", "replay":true})")
          .replay);
}

TEST(BoardQuery, ReplayFalseOrNullIsNoReplay) {
  EXPECT_FALSE(
      accepted_as<StartUse>(R"({"action":"startuse","uid":"aabbccd1","replay":false})").replay);
  EXPECT_FALSE(
      accepted_as<StartUse>(R"({"action":"startuse","uid":"aabbccd1","replay":null})").replay);
}

// --- lenient where the protocol says so ---------------------------------------------------

TEST(BoardQuery, ExtraKeysAndWhitespaceAreIgnored) {
  const auto user = accepted_as<CheckUser>(
      " \n{ \"action\" : \"checkuser\" , \"uid\" : \"aabbccd1\", \"rssi\": -70, \"extra\": "
      "{\"nested\": [1, 2, {\"deep\": null}]} }\r\n");
  EXPECT_EQ(user.uid, "aabbccd1");
  EXPECT_EQ(action_name(accepted(R"({"action":"checkmachine","uid":5})")), "checkmachine");
}

TEST(BoardQuery, KeyOrderDoesNotMatter) {
  EXPECT_EQ(accepted_as<InUse>(R"({"duration":7,"uid":"aabbccd1","action":"inuse"})").duration, 7);
}

TEST(BoardQuery, DuplicateKeysKeepTheLastValue) {
  EXPECT_EQ(
      accepted_as<CheckUser>(R"({"action":"checkuser","uid":"11111111","uid":"22222222"})").uid,
      "22222222");
}

TEST(BoardQuery, UidIsLowercasedForLookups) {
  EXPECT_EQ(accepted_as<CheckUser>(R"({"action":"checkuser","uid":"AABBCCD1"})").uid, "aabbccd1");
  EXPECT_EQ(accepted_as<StopUse>(R"({"action":"stopuse","uid":"AbCd","duration":1})").uid, "abcd");
}

TEST(BoardQuery, ShortAndNonHexUidsAreAccepted) {
  // The admin UI may hold shorter strings; the lookup decides.
  EXPECT_EQ(accepted_as<CheckUser>(R"({"action":"checkuser","uid":"1"})").uid, "1");
  EXPECT_EQ(accepted_as<CheckUser>(R"({"action":"checkuser","uid":"Cárd"})").uid, "cárd");
}

TEST(BoardQuery, AliveReportsLoseTheirControlCharacters) {
  const auto alive = accepted_as<Alive>(
      R"({"action":"alive","version":"0.7\u001b[31m","ip":"10.0.0.9\n","serial":"a\u0000b"})");
  EXPECT_EQ(alive.version, "0.7?[31m");
  EXPECT_EQ(alive.ip, "10.0.0.9?");
  EXPECT_EQ(alive.serial, "a?b");
}

TEST(BoardQuery, AliveFromOlderFirmware) {
  const auto no_serial_no_heap =
      accepted_as<Alive>(R"({"action":"alive","version":"0.6.1","ip":"10.0.0.9"})");
  EXPECT_EQ(no_serial_no_heap.serial, "");
  EXPECT_EQ(no_serial_no_heap.heap, 0);
  EXPECT_EQ(accepted_as<Alive>(R"({"action":"alive","version":"v","ip":"i","heap":183456})").heap,
            183456);
  EXPECT_EQ(accepted_as<Alive>(R"({"action":"alive","version":"v","ip":"i","serial":null,
                                   "heap":null})")
                .serial,
            "");
}

TEST(BoardQuery, HeapThatIsNotANumberCountsAsZero) {
  for (const char* heap : {R"("abc")", R"("12abc")", R"(" 12")", R"("")", R"("-5")", "-5", "true",
                           "[1]", "{}", R"("99999999999999999999999")"}) {
    const std::string payload =
        std::string(R"({"action":"alive","version":"v","ip":"i","heap":)") + heap + "}";
    EXPECT_EQ(accepted_as<Alive>(payload).heap, 0) << heap;
  }
  EXPECT_EQ(accepted_as<Alive>(R"({"action":"alive","version":"v","ip":"i","heap":1234.9})").heap,
            1234);
}

TEST(BoardQuery, LongBoardInfoIsCutOnACharacterBoundary) {
  std::string version(99, 'v');
  version += "\xC3\xA9";  // é across the 100-byte limit
  const auto alive =
      accepted_as<Alive>(R"({"action":"alive","version":")" + version + R"(","ip":"1.2.3.4"})");
  EXPECT_EQ(alive.version, std::string(99, 'v'));
}

// --- duration: fractions and huge numbers ------------------------------------------------

std::int64_t stop_duration(std::string_view number) {
  return accepted_as<StopUse>(std::string(R"({"action":"stopuse","uid":"aabbccd1","duration":)") +
                              std::string(number) + "}")
      .duration;
}

TEST(BoardQuery, DurationFractionsAreTruncatedTowardZero) {
  EXPECT_EQ(stop_duration("12.9"), 12);
  EXPECT_EQ(stop_duration("-0.5"), 0);
  EXPECT_EQ(stop_duration("-7.9"), -7);
  EXPECT_EQ(stop_duration("1e3"), 1000);
  EXPECT_EQ(stop_duration("0"), 0);
  EXPECT_EQ(stop_duration("-1"), -1);
}

TEST(BoardQuery, HugeDurationsSaturateInsteadOfWrapping) {
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
  EXPECT_EQ(stop_duration("9223372036854775807"), kMax);
  EXPECT_EQ(stop_duration("9223372036854775808"), kMax);   // uint64
  EXPECT_EQ(stop_duration("18446744073709551615"), kMax);  // uint64 max
  EXPECT_EQ(stop_duration("18446744073709551616"), kMax);  // beyond: a double
  EXPECT_EQ(stop_duration("1e30"), kMax);
  EXPECT_EQ(stop_duration("-9223372036854775808"), kMin);
  EXPECT_EQ(stop_duration("-1e30"), kMin);
  EXPECT_EQ(accepted_as<InUse>(R"({"action":"inuse","uid":"a","duration":4294967296})").duration,
            4294967296);
}

TEST(BoardQuery, NumbersBeyondDoubleRangeAreRejected) {
  EXPECT_NE(rejected(R"({"action":"stopuse","uid":"aabbccd1","duration":1e400})").find("JSON"),
            std::string::npos);
}

// --- rejections ---------------------------------------------------------------------------

TEST(BoardQuery, RejectsWhatIsNotJson) {
  EXPECT_EQ(rejected(""), "empty payload");
  for (const char* payload :
       {"{", "}", "{\"action\":\"checkmachine\"", "{\"action\":\"checkmachine\",}",
        "{'action':'checkmachine'}", "{action:checkmachine}", "checkmachine", "   ",
        "{\"action\":\"checkmachine\"} {}", "{\"action\":\"checkmachine\"}x",
        "{\"action\":\"check\nmachine\"}", "{\"action\":\"checkmachine\" /* c */}", "NaN",
        "{\"action\":\"inuse\",\"uid\":\"a\",\"duration\":NaN}",
        "{\"action\":\"inuse\",\"uid\":\"a\",\"duration\":0x10}",
        "{\"action\":\"checkuser\",\"uid\":\"\\ud800\"}"}) {
    EXPECT_EQ(rejected(payload).rfind("invalid JSON", 0), 0u) << payload;
  }
}

TEST(BoardQuery, RejectsJsonThatIsNotAnObject) {
  EXPECT_EQ(rejected("[]"), "payload is a JSON array, not an object");
  EXPECT_EQ(rejected(R"("checkmachine")"), "payload is a JSON string, not an object");
  EXPECT_EQ(rejected("42"), "payload is a JSON number, not an object");
  EXPECT_EQ(rejected("null"), "payload is a JSON null, not an object");
  EXPECT_EQ(rejected("true"), "payload is a JSON boolean, not an object");
  EXPECT_EQ(rejected(R"([{"action":"checkmachine"}])"), "payload is a JSON array, not an object");
}

TEST(BoardQuery, RejectsMissingOrBadAction) {
  EXPECT_EQ(rejected("{}"), "no action");
  EXPECT_EQ(rejected(R"({"uid":"aabbccd1"})"), "no action");
  EXPECT_EQ(rejected(R"({"action":1})"), "action must be a string, got number");
  EXPECT_EQ(rejected(R"({"action":null})"), "action must be a string, got null");
  EXPECT_EQ(rejected(R"({"action":["checkmachine"]})"), "action must be a string, got array");
  EXPECT_EQ(rejected(R"({"action":"reboot"})"), R"(unknown action "reboot")");
  EXPECT_EQ(rejected(R"({"action":"CheckMachine"})"), R"(unknown action "CheckMachine")");
  EXPECT_EQ(rejected(R"({"action":""})"), R"(unknown action "")");
  EXPECT_EQ(rejected(R"({"action":"checkmachine\u0000"})"), R"(unknown action "checkmachine\x00")");
}

TEST(BoardQuery, RejectsMissingFields) {
  EXPECT_EQ(rejected(R"({"action":"checkuser"})"), "checkuser: missing uid");
  EXPECT_EQ(rejected(R"({"action":"startuse"})"), "startuse: missing uid");
  EXPECT_EQ(rejected(R"({"action":"inuse","uid":"aabbccd1"})"), "inuse: missing duration");
  EXPECT_EQ(rejected(R"({"action":"inuse","duration":5})"), "inuse: missing uid");
  EXPECT_EQ(rejected(R"({"action":"stopuse","uid":"aabbccd1"})"), "stopuse: missing duration");
  EXPECT_EQ(rejected(R"({"action":"maintenance"})"), "maintenance: missing uid");
  EXPECT_EQ(rejected(R"({"action":"alive","ip":"1.2.3.4"})"), "alive: missing version");
  EXPECT_EQ(rejected(R"({"action":"alive","version":"1"})"), "alive: missing ip");
}

TEST(BoardQuery, RejectsWrongJsonTypes) {
  EXPECT_EQ(rejected(R"({"action":"checkuser","uid":12345678})"),
            "checkuser: uid must be a string, got number");
  EXPECT_EQ(rejected(R"({"action":"checkuser","uid":null})"),
            "checkuser: uid must be a string, got null");
  EXPECT_EQ(rejected(R"({"action":"checkuser","uid":["aabbccd1"]})"),
            "checkuser: uid must be a string, got array");
  EXPECT_EQ(rejected(R"({"action":"inuse","uid":"aabbccd1","duration":"123"})"),
            "inuse: duration must be a number, got string");
  EXPECT_EQ(rejected(R"({"action":"stopuse","uid":"aabbccd1","duration":true})"),
            "stopuse: duration must be a number, got boolean");
  EXPECT_EQ(rejected(R"({"action":"stopuse","uid":"aabbccd1","duration":null})"),
            "stopuse: duration must be a number, got null");
  EXPECT_EQ(rejected(R"({"action":"stopuse","uid":"aabbccd1","duration":1,"replay":"true"})"),
            "stopuse: replay must be true or false, got string");
  EXPECT_EQ(rejected(R"({"action":"startuse","uid":"aabbccd1","replay":1})"),
            "startuse: replay must be true or false, got number");
  EXPECT_EQ(rejected(R"({"action":"alive","version":7,"ip":"1.2.3.4"})"),
            "alive: version must be a string, got number");
  EXPECT_EQ(rejected(R"({"action":"alive","version":"7","ip":"1.2.3.4","serial":5})"),
            "alive: serial must be a string, got number");
}

TEST(BoardQuery, RejectsUnusableUids) {
  EXPECT_EQ(rejected(R"({"action":"checkuser","uid":""})"), "checkuser: uid is empty");
  EXPECT_EQ(rejected(R"({"action":"checkuser","uid":"aa\u0000bb"})"),
            "checkuser: uid contains a control character");
  EXPECT_EQ(rejected(R"({"action":"checkuser","uid":"aa\nbb"})"),
            "checkuser: uid contains a control character");
  EXPECT_EQ(rejected(R"({"action":"checkuser","uid":")" + std::string(65, 'a') + "\"}"),
            "checkuser: uid is longer than 64 bytes");
  EXPECT_EQ(
      accepted_as<CheckUser>(R"({"action":"checkuser","uid":")" + std::string(64, 'a') + "\"}")
          .uid.size(),
      64u);
}

TEST(BoardQuery, RejectsInvalidUtf8AnywhereInThePayload) {
  EXPECT_EQ(rejected("{\"action\":\"checkuser\",\"uid\":\"aa\xFF\xFE\"}"),
            "payload is not valid UTF-8");
  EXPECT_EQ(rejected("{\"action\":\"checkuser\",\"uid\":\"\xC0\xAF\"}"),
            "payload is not valid UTF-8");
  EXPECT_EQ(rejected("{\"action\":\"checkuser\",\"uid\":\"\xED\xA0\x80\"}"),  // surrogate
            "payload is not valid UTF-8");
  EXPECT_EQ(rejected("{\"action\":\"checkmachine\",\"x\":\"\xE2\x82\"}"),
            "payload is not valid UTF-8");
  // nlohmann skips a leading UTF-8 byte-order mark; harmless, so accepted.
  EXPECT_EQ(action_name(accepted("\xEF\xBB\xBF{\"action\":\"checkmachine\"}")), "checkmachine");
}

TEST(BoardQuery, RejectsRawControlBytesAndNul) {
  EXPECT_EQ(rejected(std::string("{\"action\":\"checkmachine\"}\0", 26)),
            "payload contains a NUL byte");
  EXPECT_EQ(rejected(std::string("{\"action\":\"checkmachine\"}\0garbage", 33)),
            "payload contains a NUL byte");
  EXPECT_EQ(rejected(std::string("{\"action\":\"check\0machine\"}", 26)),
            "payload contains a NUL byte");
  EXPECT_EQ(rejected("{\"action\":\"check\x01machine\"}").rfind("invalid JSON", 0), 0u);
}

TEST(BoardQuery, RejectsOversizedPayloadsWithoutParsingThem) {
  std::string big = R"({"action":"checkmachine","pad":")";
  big.append(256 * 1024 - big.size() - 2, 'x');
  big += "\"}";
  ASSERT_EQ(big.size(), 256u * 1024);
  EXPECT_EQ(rejected(big), "payload of 262144 bytes, more than the 4096 a query may have");

  std::string limit = R"({"action":"checkmachine","pad":")";
  limit.append(kMaxQueryPayload - limit.size() - 2, 'x');
  limit += "\"}";
  EXPECT_EQ(action_name(accepted(limit)), "checkmachine");
  limit.insert(limit.size() - 2, "x");
  EXPECT_EQ(rejected(limit), "payload of 4097 bytes, more than the 4096 a query may have");
}

TEST(BoardQuery, DeepNestingIsHarmless) {
  const std::size_t depth = (kMaxQueryPayload - 40) / 2;
  const std::string nested = std::string(depth, '[') + std::string(depth, ']');
  EXPECT_EQ(action_name(accepted(R"({"action":"checkmachine","x":)" + nested + "}")),
            "checkmachine");
  EXPECT_EQ(rejected(std::string(kMaxQueryPayload, '[')).rfind("invalid JSON", 0), 0u);
  std::string objects;
  for (std::size_t i = 0; i < 600; ++i)
    objects += R"({"a":)";
  objects += "1" + std::string(600, '}');
  EXPECT_EQ(rejected(objects), "no action");
}

TEST(BoardQuery, RejectionReasonsArePrintable) {
  const std::string reason =
      rejected("{\"action\":\"\\u0007\\u00ff" + std::string(100, 'z') + "\"}");
  for (const char c : reason) {
    EXPECT_TRUE(c >= 0x20 && c < 0x7F) << "byte " << static_cast<int>(c) << " in " << reason;
  }
  EXPECT_LT(reason.size(), 80u);
}

TEST(BoardQuery, MutatedFirmwarePayloadsNeverThrowAndKeepInvariants) {
  const std::vector<std::string> seeds = {
      R"({"action":"checkuser","uid":"aabbccd1"})",
      R"({"action":"stopuse", "uid":"aabbccd1","duration":123, "replay":true})",
      R"({"action":"alive","version":"hardware-rev0-it_IT,0.7.3-12-gabcdef","ip":"192.168.1.5","serial":"a1b2c3d4e5f6","heap":"183456"})",
  };
  std::mt19937 random(20240611);  // fixed seed: reproducible
  const std::string alphabet = "{}[]\":,. -+eE0123456789truefalsnl\\u\x01\xC3\xA9\xFF";
  std::size_t accepted_count = 0;
  for (int round = 0; round < 5000; ++round) {
    std::string payload = seeds[random() % seeds.size()];
    const int edits = 1 + static_cast<int>(random() % 4);
    for (int e = 0; e < edits && !payload.empty(); ++e) {
      const std::size_t at = random() % payload.size();
      const char c = alphabet[random() % alphabet.size()];
      switch (random() % 3) {
        case 0:
          payload[at] = c;
          break;
        case 1:
          payload.insert(payload.begin() + static_cast<std::ptrdiff_t>(at), c);
          break;
        default:
          payload.erase(at, 1);
      }
    }
    std::variant<BoardQuery, Rejection> result = Rejection{};
    ASSERT_NO_THROW(result = parse_query(payload)) << text::printable_excerpt(payload, 400);
    if (auto* rejection = std::get_if<Rejection>(&result)) {
      EXPECT_FALSE(rejection->reason.empty());
      continue;
    }
    ++accepted_count;
    const auto uid_ok = [](const std::string& uid) {
      return !uid.empty() && uid.size() <= kMaxUidBytes && text::ascii_lowercase(uid) == uid;
    };
    std::visit(
        [&](const auto& query) {
          if constexpr (requires { query.uid; }) {
            EXPECT_TRUE(uid_ok(query.uid)) << query.uid;
          }
          if constexpr (requires { query.heap; }) {
            EXPECT_GE(query.heap, 0);
          }
        },
        std::get<BoardQuery>(result));
  }
  EXPECT_GT(accepted_count, 25u) << "the mutations should leave some payloads valid";
}

// --- topics -------------------------------------------------------------------------------

const BoardTopics kTopics{};

std::int64_t machine_of(std::string_view topic) {
  auto result = parse_query_topic(kTopics, topic);
  if (auto* rejection = std::get_if<Rejection>(&result)) {
    ADD_FAILURE() << topic << ": " << rejection->reason;
    return -1;
  }
  return std::get<std::int64_t>(result);
}

std::string topic_rejected(std::string_view topic) {
  auto result = parse_query_topic(kTopics, topic);
  if (!std::holds_alternative<Rejection>(result)) {
    ADD_FAILURE() << "accepted " << topic;
    return {};
  }
  return std::get<Rejection>(result).reason;
}

TEST(BoardTopic, MachineIdIsDecimal) {
  EXPECT_EQ(machine_of("machine/1"), 1);
  EXPECT_EQ(machine_of("machine/007"), 7);
  EXPECT_EQ(machine_of("machine/0"), 0);
  EXPECT_EQ(machine_of("machine/123456"), 123456);
  EXPECT_EQ(machine_of("machine/9223372036854775807"), std::numeric_limits<std::int64_t>::max());
}

TEST(BoardTopic, RejectsOtherTopics) {
  EXPECT_EQ(topic_rejected("machine"), R"(topic "machine" is not machine/<machine id>)");
  EXPECT_EQ(topic_rejected("machine/"), R"(topic "machine/" is not machine/<machine id>)");
  EXPECT_EQ(topic_rejected("machine/1/reply"),
            R"(topic "machine/1/reply" is not machine/<machine id>)");
  EXPECT_EQ(topic_rejected("machines/1"), R"(topic "machines/1" is not machine/<machine id>)");
  EXPECT_EQ(topic_rejected("Machine/1"), R"(topic "Machine/1" is not machine/<machine id>)");
  EXPECT_EQ(topic_rejected("/machine/1"), R"(topic "/machine/1" is not machine/<machine id>)");
}

TEST(BoardTopic, RejectsNonNumericAndOutOfRangeIds) {
  EXPECT_EQ(topic_rejected("machine/abc"), R"(machine id "abc" is not a decimal number)");
  EXPECT_EQ(topic_rejected("machine/-1"), R"(machine id "-1" is not a decimal number)");
  EXPECT_EQ(topic_rejected("machine/+1"), R"(machine id "+1" is not a decimal number)");
  EXPECT_EQ(topic_rejected("machine/ 1"), R"(machine id " 1" is not a decimal number)");
  EXPECT_EQ(topic_rejected("machine/1 "), R"(machine id "1 " is not a decimal number)");
  EXPECT_EQ(topic_rejected("machine/1.0"), R"(machine id "1.0" is not a decimal number)");
  EXPECT_EQ(topic_rejected("machine/0x1"), R"(machine id "0x1" is not a decimal number)");
  EXPECT_EQ(topic_rejected("machine/\xEF\xBC\x97"),  // fullwidth 7
            R"(machine id "\xef\xbc\x97" is not a decimal number)");
  EXPECT_EQ(topic_rejected("machine/9223372036854775808"),
            R"(machine id "9223372036854775808" is out of range)");
  EXPECT_EQ(topic_rejected("machine/99999999999999999999999"),
            R"(machine id "99999999999999999999999" is out of range)");
}

TEST(BoardTopic, RejectsIdsTooLongForAReplyToFit) {
  // Leading zeros keep the value small but lengthen the reply topic.
  const std::string longest = "machine/" + std::string(80, '0') + "7";  // reply budget 200
  EXPECT_EQ(machine_of(longest), 7);
  EXPECT_EQ(board_payload_budget(kTopics.reply_topic(longest)), kMinReplyBudget);
  const std::string too_long = "machine/" + std::string(81, '0') + "7";
  EXPECT_NE(topic_rejected(too_long).find("too long for a reply to fit"), std::string::npos);
}

TEST(BoardMessage, CarriesIdReplyTopicAndBudget) {
  auto result = parse_board_message(kTopics, "machine/007", R"({"action":"checkmachine"})");
  ASSERT_TRUE(std::holds_alternative<BoardMessage>(result));
  const auto& message = std::get<BoardMessage>(result);
  EXPECT_EQ(message.machine_id, 7);
  EXPECT_EQ(message.reply_topic, "machine/007/reply");
  EXPECT_EQ(message.reply_budget, 278u);
  EXPECT_TRUE(std::holds_alternative<CheckMachine>(message.query));
}

TEST(BoardMessage, UsesTheConfiguredTopics) {
  const BoardTopics custom{"lab/boards", "answer", "command"};
  auto result = parse_board_message(custom, "lab/boards/12", R"({"action":"synccache"})");
  ASSERT_TRUE(std::holds_alternative<BoardMessage>(result));
  EXPECT_EQ(std::get<BoardMessage>(result).reply_topic, "lab/boards/12/answer");
  EXPECT_EQ(std::get<BoardMessage>(result).machine_id, 12);
  EXPECT_TRUE(std::holds_alternative<Rejection>(
      parse_board_message(custom, "machine/12", R"({"action":"synccache"})")));
}

TEST(BoardMessage, TopicIsCheckedBeforePayload) {
  auto result = parse_board_message(kTopics, "machine/x", "not json");
  ASSERT_TRUE(std::holds_alternative<Rejection>(result));
  EXPECT_EQ(std::get<Rejection>(result).reason, R"(machine id "x" is not a decimal number)");
  result = parse_board_message(kTopics, "machine/3", "not json");
  ASSERT_TRUE(std::holds_alternative<Rejection>(result));
  EXPECT_EQ(std::get<Rejection>(result).reason.rfind("invalid JSON", 0), 0u);
}

}  // namespace
}  // namespace fabomatic::backend
