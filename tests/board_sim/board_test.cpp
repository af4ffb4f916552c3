// The firmware model, driven by hand: every publish is recorded, time is explicit.
#include "tools/board-sim/board.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace fabomatic::board_sim {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kValidUser =
    R"({"request_ok":true,"is_valid":true,"name":"Mario","missing_auth":false,"level":1})";
constexpr std::string_view kValidStaff =
    R"({"request_ok":true,"is_valid":true,"name":"Anna","missing_auth":false,"level":2})";
constexpr std::string_view kUnknownCard =
    R"({"request_ok":true,"is_valid":false,"name":"Unknown","missing_auth":false,"level":0})";
constexpr std::string_view kMachineOk =
    R"({"request_ok":true,"is_valid":true,"maintenance":false,"allowed":true,"name":"L","logoff":1440,"type":1,"grace":2,"description":""})";
constexpr std::string_view kMachineDue =
    R"({"request_ok":true,"is_valid":true,"maintenance":true,"allowed":true,"name":"L","logoff":1440,"type":1,"grace":2,"description":"oil"})";
constexpr std::string_view kOk = R"({"request_ok":true,"message":""})";

class RecordingOutput : public BoardOutput {
 public:
  bool publish(std::string_view topic, std::string_view payload) override {
    if (fail) return false;
    topics.emplace_back(topic);
    sent.emplace_back(payload);
    return true;
  }
  std::vector<std::string> take() {
    auto out = std::move(sent);
    sent.clear();
    return out;
  }
  bool fail = false;
  std::vector<std::string> topics, sent;
};

class BoardTest : public ::testing::Test {
 protected:
  BoardTest() : board_(config(), out_, counters_) {}

  static BoardConfig config() {
    BoardConfig c;
    c.machine_id = 7;
    c.refresh_phase = 30s;
    return c;
  }

  // Connects and answers the boot checkmachine: an idle, free board.
  void connect_and_settle() {
    board_.on_connected(now_);
    const auto sent = out_.take();
    ASSERT_EQ(sent.size(), 2u);
    EXPECT_EQ(sent[0].rfind(R"({"action":"alive",)", 0), 0u);
    EXPECT_EQ(sent[1], checkmachine_payload());
    reply(kMachineOk);
    EXPECT_TRUE(out_.take().empty());
  }

  void reply(std::string_view payload) { board_.on_message("machine/7/reply", payload, now_); }
  void advance(Clock::duration d) {
    now_ += d;
    board_.on_tick(now_);
  }
  // Logs `uid` in through a tap and the backend's replies; leaves the board idle and in use.
  void login(std::string_view uid) {
    board_.tap(uid, now_);
    EXPECT_EQ(out_.take(), std::vector<std::string>{checkuser_payload(uid)});
    reply(kValidUser);
    EXPECT_EQ(out_.take(), std::vector<std::string>{startuse_payload(uid)});
    reply(kOk);
    EXPECT_EQ(out_.take(), std::vector<std::string>{checkmachine_payload()});
    reply(kMachineOk);
    ASSERT_TRUE(board_.in_use());
    ASSERT_TRUE(board_.idle());
  }

  TimePoint now_ = TimePoint{} + 1000s;
  RecordingOutput out_;
  FleetCounters counters_;
  Board board_;
};

TEST_F(BoardTest, TopicsOfTheMachine) {
  EXPECT_EQ(board_.query_topic(), "machine/7");
  EXPECT_EQ(board_.reply_topic(), "machine/7/reply");
  EXPECT_EQ(board_.request_topic(), "machine/7/request");
}

TEST_F(BoardTest, AnnouncesItselfThenChecksTheMachine) {
  connect_and_settle();
  EXPECT_EQ(out_.topics.size(), 0u + 2u);
  EXPECT_EQ(out_.topics[0], "machine/7");
  EXPECT_EQ(counters_.sent[static_cast<std::size_t>(Action::alive)], 1u);
  EXPECT_EQ(counters_.replies[static_cast<std::size_t>(Action::checkmachine)], 1u);
  EXPECT_EQ(counters_.latencies_us.size(), 1u);
}

TEST_F(BoardTest, TapLogsInAndSecondTapLogsOutWithTheMeasuredDuration) {
  connect_and_settle();
  login("aabbccd1");
  EXPECT_EQ(board_.user(), "aabbccd1");
  now_ += 125s + 400ms;
  board_.tap("aabbccd1", now_);
  EXPECT_EQ(out_.take(), std::vector<std::string>{stopuse_payload("aabbccd1", 125)});
  reply(R"({"request_ok":true,"message":"Duration 125 seconds"})");
  EXPECT_FALSE(board_.in_use());
  EXPECT_EQ(counters_.logins, 1u);
  EXPECT_EQ(counters_.logouts, 1u);
}

TEST_F(BoardTest, AnotherCardOnABusyMachineSendsNothing) {
  connect_and_settle();
  login("aabbccd1");
  board_.tap("11111111", now_);
  EXPECT_TRUE(out_.take().empty());
  EXPECT_EQ(board_.user(), "aabbccd1");
}

TEST_F(BoardTest, UnknownCardIsDeniedAndTheMachineRefreshed) {
  connect_and_settle();
  board_.tap("deadbeef", now_);
  EXPECT_EQ(out_.take(), std::vector<std::string>{checkuser_payload("deadbeef")});
  reply(kUnknownCard);
  EXPECT_EQ(out_.take(), std::vector<std::string>{checkmachine_payload()});
  EXPECT_FALSE(board_.in_use());
  EXPECT_EQ(counters_.denied, 1u);
}

TEST_F(BoardTest, OneQueryInFlightAndTapsIgnoredMeanwhile) {
  connect_and_settle();
  board_.tap("aabbccd1", now_);
  out_.take();
  board_.tap("aabbccd2", now_);  // the firmware is blocked waiting for the reply
  EXPECT_TRUE(out_.take().empty());
  EXPECT_EQ(counters_.taps_ignored, 1u);
  reply(kValidUser);
  EXPECT_EQ(out_.take().size(), 1u);  // startuse only; checkmachine waits for its reply
}

TEST_F(BoardTest, PeriodicCheckmachineInuseAndAlive) {
  connect_and_settle();
  advance(29s);
  EXPECT_TRUE(out_.take().empty());
  advance(1s);  // the first refresh comes after refresh_phase (30 s here)
  EXPECT_EQ(out_.take(), std::vector<std::string>{checkmachine_payload()});
  reply(kMachineOk);
  login("aabbccd1");
  advance(30s);
  EXPECT_EQ(out_.take(), std::vector<std::string>{checkmachine_payload()});
  reply(kMachineOk);
  EXPECT_EQ(out_.take(), std::vector<std::string>{inuse_payload("aabbccd1", 30)});
  reply(R"({"request_ok":true,"message":"inUse"})");
  advance(30s);
  EXPECT_EQ(out_.take(), std::vector<std::string>{checkmachine_payload()});
  reply(kMachineOk);
  EXPECT_EQ(out_.take(), std::vector<std::string>{inuse_payload("aabbccd1", 60)});
  reply(R"({"request_ok":true,"message":"inUse"})");
  advance(30s);  // 120 s since connecting: alive is due as well, after the other two
  EXPECT_EQ(out_.take(), std::vector<std::string>{checkmachine_payload()});
  reply(kMachineOk);
  EXPECT_EQ(out_.take(), std::vector<std::string>{inuse_payload("aabbccd1", 90)});
  reply(R"({"request_ok":true,"message":"inUse"})");
  const auto sent = out_.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0], alive_payload(BoardIdentity{}));
  EXPECT_TRUE(board_.idle());  // alive expects no reply
}

TEST_F(BoardTest, TimeScaleShortensThePeriods) {
  BoardConfig c = config();
  c.time_scale = 10;
  c.refresh_phase = 0s;
  Board fast(c, out_, counters_);
  fast.on_connected(now_);
  out_.take();
  fast.on_message("machine/7/reply", kMachineOk, now_);
  fast.on_tick(now_);
  EXPECT_EQ(out_.take(), std::vector<std::string>{checkmachine_payload()});
  fast.on_message("machine/7/reply", kMachineOk, now_);
  fast.on_tick(now_ + 2900ms);
  EXPECT_TRUE(out_.take().empty());
  fast.on_tick(now_ + 3s);  // 30 s / 10
  EXPECT_EQ(out_.take(), std::vector<std::string>{checkmachine_payload()});
}

TEST_F(BoardTest, UnansweredStopIsBufferedAndReplayedAfterTheWindow) {
  connect_and_settle();
  login("aabbccd1");
  now_ += 10s;
  board_.tap("aabbccd1", now_);
  EXPECT_EQ(out_.take(), std::vector<std::string>{stopuse_payload("aabbccd1", 10)});
  advance(1999ms);
  EXPECT_EQ(counters_.timeouts[static_cast<std::size_t>(Action::stopuse)], 0u);
  advance(1ms);  // 2 s: timeout, backend unresponsive
  EXPECT_EQ(counters_.timeouts[static_cast<std::size_t>(Action::stopuse)], 1u);
  EXPECT_EQ(board_.buffered(), 1u);
  EXPECT_TRUE(board_.unresponsive(now_));
  advance(30s);  // the periodic checkmachine is not sent while unresponsive
  EXPECT_TRUE(out_.take().empty());
  EXPECT_EQ(counters_.not_sent[static_cast<std::size_t>(Action::checkmachine)], 1u);
  advance(15s);  // 45 s after the timeout: the buffer goes first, marked as a replay
  const auto sent = out_.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0], R"({"action":"stopuse", "uid":"aabbccd1","duration":10, "replay":true})");
  reply(kOk);
  EXPECT_EQ(board_.buffered(), 0u);
  EXPECT_EQ(counters_.replays[static_cast<std::size_t>(Action::stopuse)], 1u);
}

TEST_F(BoardTest, AReplayThatTimesOutIsReplayedAgain) {
  connect_and_settle();
  login("aabbccd1");
  board_.tap("aabbccd1", now_);
  out_.take();
  advance(2s);   // original stop unanswered
  advance(45s);  // first replay
  EXPECT_EQ(out_.take().size(), 1u);
  advance(2s);  // unanswered too: back to the front of the buffer
  EXPECT_EQ(board_.buffered(), 1u);
  advance(45s);  // second replay, same payload
  const auto sent = out_.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0], as_replay(stopuse_payload("aabbccd1", 0)));
  reply(kOk);
  EXPECT_EQ(counters_.sent[static_cast<std::size_t>(Action::stopuse)], 3u);
  EXPECT_EQ(counters_.replays[static_cast<std::size_t>(Action::stopuse)], 2u);
}

TEST_F(BoardTest, WhileUnresponsiveALoginUsesTheCardCacheAndBuffersTheStart) {
  connect_and_settle();
  login("aabbccd1");
  board_.tap("aabbccd1", now_);
  reply(kOk);  // stop answered
  board_.tap("aabbccd1", now_);
  EXPECT_EQ(out_.take().back(), checkuser_payload("aabbccd1"));
  advance(2s);  // checkuser unanswered: the card is in the cache, login offline
  EXPECT_TRUE(board_.in_use());
  EXPECT_EQ(counters_.offline_logins, 1u);
  EXPECT_EQ(board_.buffered(), 1u);  // startuse, replayed later
  board_.tap("12345678", now_);      // busy with another card: nothing
  board_.tap("aabbccd1", now_);      // logout while unresponsive: buffered too
  EXPECT_EQ(board_.buffered(), 2u);
  EXPECT_TRUE(out_.take().empty());
  advance(45s);
  EXPECT_EQ(out_.take(), std::vector<std::string>{as_replay(startuse_payload("aabbccd1"))});
  reply(kOk);
  EXPECT_EQ(out_.take(), std::vector<std::string>{as_replay(stopuse_payload("aabbccd1", 0))});
  reply(kOk);
  EXPECT_EQ(out_.take(), std::vector<std::string>{checkmachine_payload()});
}

TEST_F(BoardTest, UnknownCardIsDeniedOfflineToo) {
  connect_and_settle();
  board_.tap("deadbeef", now_);
  advance(2s);
  EXPECT_FALSE(board_.in_use());
  EXPECT_EQ(counters_.denied, 1u);
}

TEST_F(BoardTest, FailedPublishOfABufferedQueryIsBufferedTwice) {
  connect_and_settle();
  login("aabbccd1");
  out_.fail = true;
  board_.tap("aabbccd1", now_);
  EXPECT_EQ(board_.buffered(), 2u);
  EXPECT_FALSE(board_.connected());
  out_.fail = false;
  now_ += 5s;
  board_.on_connected(now_);
  auto sent = out_.take();
  ASSERT_EQ(sent.size(), 2u);  // alive, then the first replay before the boot checkmachine
  EXPECT_EQ(sent[1], as_replay(stopuse_payload("aabbccd1", 0)));
  reply(kOk);
  EXPECT_EQ(out_.take(), std::vector<std::string>{as_replay(stopuse_payload("aabbccd1", 0))});
  reply(kOk);
  EXPECT_EQ(out_.take(), std::vector<std::string>{checkmachine_payload()});
}

TEST_F(BoardTest, LateReplyIsCounted) {
  connect_and_settle();
  advance(30s);
  advance(2s);  // checkmachine timed out
  reply(kMachineOk);
  EXPECT_EQ(counters_.late_replies, 1u);
}

TEST_F(BoardTest, RemoteStartLogsOutTheCurrentUserThenLogsInTheCard) {
  connect_and_settle();
  login("aabbccd1");
  now_ += 42s;
  board_.on_message("machine/7/request", R"({"request_type":"start","uid":"0badcafe"})", now_);
  EXPECT_EQ(out_.take(), std::vector<std::string>{stopuse_payload("aabbccd1", 42)});
  reply(kOk);
  EXPECT_EQ(out_.take(), std::vector<std::string>{checkuser_payload("0badcafe")});
  reply(kValidUser);
  EXPECT_EQ(out_.take(), std::vector<std::string>{startuse_payload("0badcafe")});
  EXPECT_EQ(board_.user(), "0badcafe");
  EXPECT_EQ(counters_.requests, 1u);
}

TEST_F(BoardTest, RemoteStopLogsOutOrSendsAZeroStopWhenFree) {
  connect_and_settle();
  login("aabbccd1");
  now_ += 3s;
  board_.on_message("machine/7/request", R"({"request_type":"stop","uid":"whatever"})", now_);
  EXPECT_EQ(out_.take(), std::vector<std::string>{stopuse_payload("aabbccd1", 3)});
  reply(kOk);
  board_.on_message("machine/7/request", R"({"request_type":"stop","uid":"whatever"})", now_);
  EXPECT_EQ(out_.take(), std::vector<std::string>{stopuse_payload(kNoCard, 0)});
  board_.on_message("machine/7/request", R"({"request_type":"explode"})", now_);
  EXPECT_EQ(counters_.requests, 2u);
}

TEST_F(BoardTest, MaintenanceDueBlocksUsersAndLetsStaffRegisterIt) {
  board_.on_connected(now_);
  out_.take();
  reply(kMachineDue);
  board_.tap("aabbccd1", now_);
  out_.take();
  reply(kValidUser);  // level 1: blocked by the maintenance
  EXPECT_FALSE(board_.in_use());
  EXPECT_EQ(out_.take(), std::vector<std::string>{checkmachine_payload()});
  reply(kMachineDue);
  board_.tap("5aff0001", now_);
  out_.take();
  reply(kValidStaff);
  EXPECT_EQ(out_.take(), std::vector<std::string>{maintenance_payload("5aff0001")});
  reply(kOk);
  EXPECT_EQ(out_.take(), std::vector<std::string>{startuse_payload("5aff0001")});
  EXPECT_TRUE(board_.in_use());
}

TEST_F(BoardTest, BlockedMachineDeniesEvenAValidCard) {
  board_.on_connected(now_);
  out_.take();
  reply(R"({"request_ok":true,"is_valid":true,"maintenance":false,"allowed":false,"name":"L"})");
  board_.tap("aabbccd1", now_);
  reply(kValidStaff);
  EXPECT_FALSE(board_.in_use());
  EXPECT_EQ(counters_.denied, 1u);
}

}  // namespace
}  // namespace fabomatic::board_sim
