// The board service, live status and remote control together on a real (temporary) seeded
// database and an in-memory bus: what the portal's live view and remote buttons rely on.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <map>

#include "backend/board_service.hpp"
#include "backend/live_status.hpp"
#include "backend/machine_status_loader.hpp"
#include "backend/remote_control.hpp"
#include "broker/codec/topic.hpp"
#include "db/database.hpp"
#include "db/uses_repository.hpp"

namespace fabomatic::backend {
namespace {

// A bus that records publishes and delivers to its own subscribers, like the broker does.
class FakeBus final : public broker::MessageBus {
 public:
  void publish(std::string_view topic, std::string_view payload, std::uint8_t, bool) override {
    published.emplace_back(std::string(topic), std::string(payload));
    for (auto& [id, sub] : subs) {
      if (broker::topic_matches(sub.first, topic)) {
        sub.second(broker::Message{std::string(topic), std::string(payload), 0, false});
      }
    }
  }
  HandlerId subscribe(std::string_view filter, Handler handler) override {
    subs[next] = {std::string(filter), std::move(handler)};
    return next++;
  }
  void unsubscribe(HandlerId id) override { subs.erase(id); }

  std::vector<std::pair<std::string, std::string>> published;
  std::map<HandlerId, std::pair<std::string, Handler>> subs;
  HandlerId next = 1;
};

class BoardServiceTest : public ::testing::Test {
 protected:
  BoardServiceTest()
      : dir(make_dir()),
        database(db::open_database((dir / "db.sqldb").string(), {})),
        service(bus, database.conn, status, BoardTopics{}, [this] { return now; }),
        remote(
            bus, database.conn, status, BoardTopics{}, [this] { return now; }, 10) {
    // A new database's admin has no card; the lab gives it one (the tests tap it).
    database.conn.execute("UPDATE users SET \"card_UUID\" = '12345678' WHERE user_id = 1");
    status.reset(load_all_machine_statuses(database.conn));
    service.set_observer([this](const BoardEvent& e) { remote.on_board_event(e); });
    service.start();
  }
  ~BoardServiceTest() override { std::filesystem::remove_all(dir); }

  static std::filesystem::path make_dir() {
    char pattern[] = "/tmp/fabomatic-board-service-XXXXXX";
    return mkdtemp(pattern);
  }

  std::string query(const std::string& payload, const std::string& topic = "machine/1") {
    bus.published.clear();
    bus.publish(topic, payload, 0, false);
    return bus.published.size() > 1 ? bus.published[1].second : "";
  }

  double machine_hours() {
    return database.conn.query_one<double>(
        "SELECT machine_hours FROM machines WHERE machine_id = 1");
  }

  std::filesystem::path dir;
  db::Database database;
  FakeBus bus;
  LiveStatus status{90};
  double now = 1'800'000'000;
  BoardService service;
  RemoteControl remote;
};

TEST_F(BoardServiceTest, RepliesOnTheQueryTopicPlusReplyThroughTheBus) {
  EXPECT_EQ(query(R"({"action":"checkmachine"})", "machine/001"),
            R"({"request_ok":true,"is_valid":true,"maintenance":false,"allowed":true,)"
            R"("name":"MACHINE1","logoff":480,"type":1,"grace":2,"description":""})");
  EXPECT_EQ(bus.published[1].first, "machine/001/reply");
  EXPECT_EQ(service.stats().replies, 1u);
  EXPECT_EQ(service.stats().reply_latency.count(), 1u);
}

// The answers come from memory between writes (db::LookupCache); an admin's edit through the
// same connection, as the portal makes it, must change the very next answer.
TEST_F(BoardServiceTest, AnEditBetweenTwoQueriesChangesTheNextAnswer) {
  const std::string checkuser = R"({"action":"checkuser", "uid":"12345678"})";
  EXPECT_NE(query(R"({"action":"checkmachine"})").find(R"("allowed":true)"), std::string::npos);
  EXPECT_NE(query(checkuser).find(R"("is_valid":true)"), std::string::npos);

  database.conn.execute("UPDATE machines SET blocked = 1 WHERE machine_id = 1");
  database.conn.execute("UPDATE users SET disabled = 1 WHERE card_UUID = '12345678'");
  EXPECT_NE(query(R"({"action":"checkmachine"})").find(R"("allowed":false)"), std::string::npos);
  EXPECT_EQ(query(checkuser), R"({"request_ok":true,"is_valid":false,"name":"User not authorized",)"
                              R"("missing_auth":true,"level":0})");
}

TEST_F(BoardServiceTest, MalformedQueriesGetNoReplyAndAreCounted) {
  EXPECT_EQ(query("not json"), "");
  EXPECT_EQ(query(R"({"action":"checkuser","uid":5})"), "");
  EXPECT_EQ(service.stats().rejected, 2u);
  EXPECT_EQ(service.stats().replies, 0u);
}

TEST_F(BoardServiceTest, LiveStatusFollowsUseStartAndStop) {
  std::vector<LiveEvent> events;
  status.add_listener([&](const LiveEvent& e) { events.push_back(e); });
  query(R"({"action":"startuse", "uid":"12345678"})");
  auto m = status.machine(1);
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->online);
  ASSERT_TRUE(m->user_id.has_value());
  EXPECT_EQ(m->user_name, "admin admin");
  EXPECT_DOUBLE_EQ(m->in_use_since, now);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().kind, LiveEventKind::machine_changed);

  now += 60;
  query(R"({"action":"stopuse", "uid":"12345678","duration":60})");
  m = status.machine(1);
  EXPECT_FALSE(m->user_id.has_value());
}

// A board back on the Wi-Fi replays a whole use it held, start and stop together: the start is
// recorded at its arrival, so start + duration is half an hour ahead. The use ends when its stop
// came, not in the future, and counts its whole duration; the same for a stop that took longer
// to arrive than the board counted.
TEST_F(BoardServiceTest, AUseNeverEndsInTheFuture) {
  // {start, end} of the latest use.
  const auto last_use = [&] {
    const auto at = [&](const char* column) {
      return database.conn.query_one<double>(std::string("SELECT ") + column +
                                             " FROM uses ORDER BY use_id DESC LIMIT 1");
    };
    return std::pair{at("start_timestamp"), at("end_timestamp")};
  };
  const double replayed_at = now;
  query(R"({"action":"startuse", "uid":"12345678","replay":true})");
  EXPECT_EQ(query(R"({"action":"stopuse", "uid":"12345678","duration":1800,"replay":true})"),
            R"({"request_ok":true,"message":"Duration 1800 seconds"})");
  EXPECT_EQ(last_use(), std::pair(replayed_at - 1800, replayed_at));
  EXPECT_NEAR(machine_hours(), 0.5, 1e-6);

  now += 100;
  const double started = now;
  query(R"({"action":"startuse", "uid":"12345678"})");
  now += 12;  // the board counted 13 s: its start reached us a second late
  query(R"({"action":"stopuse", "uid":"12345678","duration":13})");
  EXPECT_EQ(last_use(), std::pair(started - 1, now));
  // A stop within what was seen keeps the start as recorded.
  now += 100;
  const double third = now;
  query(R"({"action":"startuse", "uid":"12345678"})");
  now += 60;
  query(R"({"action":"stopuse", "uid":"12345678","duration":50})");
  EXPECT_EQ(last_use(), std::pair(third, third + 50));
  EXPECT_NEAR(machine_hours(), (1800 + 13 + 50) / 3600.0, 1e-6);
}

// A start whose reply was lost is held by the board and replayed once it is back: the use it
// opened is still open here, and stays the one use (not closed empty and opened again later).
// Another member's replayed start, or the same member's live one, starts a use of its own.
TEST_F(BoardServiceTest, AReplayedStartOfTheOpenUseIsThatUse) {
  const double started = now;
  query(R"({"action":"startuse", "uid":"12345678"})");
  now += 40;
  EXPECT_EQ(query(R"({"action":"startuse", "uid":"12345678","replay":true})"),
            R"({"request_ok":true,"message":""})");
  now += 20;
  query(R"({"action":"stopuse", "uid":"12345678","duration":60,"replay":true})");
  EXPECT_EQ(database.conn.query_one<int>("SELECT COUNT(*) FROM uses"), 1);
  EXPECT_DOUBLE_EQ(database.conn.query_one<double>("SELECT start_timestamp FROM uses"), started);
  EXPECT_DOUBLE_EQ(database.conn.query_one<double>("SELECT end_timestamp FROM uses"), started + 60);

  query(R"({"action":"startuse", "uid":"12345678"})");
  now += 10;
  query(R"({"action":"startuse", "uid":"12345678"})");  // live: the board began anew
  EXPECT_EQ(database.conn.query_one<int>("SELECT COUNT(*) FROM uses"), 3);
}

// The Wi-Fi is lost for more than an hour during a 90-minute use: the stale-use check closes
// the use at its last-seen time. The board's stop, replayed once it is back, gives the use its
// real end instead of counting a second use (90 minutes, not 30 + 90); a second replay of it
// records nothing.
TEST_F(BoardServiceTest, AStopReplayedAfterTheStaleCheckCompletesTheUseItClosed) {
  const double start = now;
  query(R"({"action":"startuse", "uid":"12345678"})");
  now = start + 1800;
  query(R"({"action":"inuse", "uid":"12345678","duration":1800})");
  now = start + 1800 + 3700;   // 30 min seen, then an hour of silence
  service.write_heartbeats();  // as the stale-use check does first
  ASSERT_EQ(db::UsesRepository(database.conn).close_stale(now - 3600), 1);
  EXPECT_NEAR(machine_hours(), 0.5, 1e-6);
  now = start + 5400 + 900;  // used 90 min; back on the Wi-Fi 15 min later
  const std::string stop =
      R"({"action":"stopuse", "uid":"12345678","duration":5400,"replay":true})";
  EXPECT_EQ(query(stop), R"({"request_ok":true,"message":"Duration 5400 seconds"})");
  EXPECT_NEAR(machine_hours(), 1.5, 1e-6);
  now += 5;
  EXPECT_EQ(query(stop), R"({"request_ok":true,"message":"Duration 5400 seconds"})");
  EXPECT_NEAR(machine_hours(), 1.5, 1e-6);
  EXPECT_EQ(database.conn.query_one<int>("SELECT COUNT(*) FROM uses"), 1);
  EXPECT_DOUBLE_EQ(database.conn.query_one<double>("SELECT end_timestamp FROM uses"), start + 5400);
}

// Back on the Wi-Fi while the use still goes on, the board sends inuse: the use closed by the
// stale check is opened again, and the board's stop then closes it once.
TEST_F(BoardServiceTest, AnInuseAfterTheStaleCheckReopensTheUseItClosed) {
  const double start = now;
  query(R"({"action":"startuse", "uid":"12345678"})");
  now = start + 600 + 3700;
  ASSERT_EQ(db::UsesRepository(database.conn).close_stale(now - 3600), 1);
  now = start + 5000;
  EXPECT_EQ(query(R"({"action":"inuse", "uid":"12345678","duration":5000})"),
            R"({"request_ok":true,"message":"inUse"})");
  EXPECT_NEAR(machine_hours(), 0.0, 1e-6);
  EXPECT_TRUE(status.machine(1)->user_id.has_value());
  now = start + 6000;
  query(R"({"action":"stopuse", "uid":"12345678","duration":6000})");
  EXPECT_NEAR(machine_hours(), 6000 / 3600.0, 1e-6);
  EXPECT_EQ(database.conn.query_one<int>("SELECT COUNT(*) FROM uses"), 1);
}

// Not the same use: a live stop (no replay flag) of a use whose start was lost, by the same
// member, after an older use was closed at its last-seen time, is a use of its own.
TEST_F(BoardServiceTest, ALiveStopAfterTheStaleCheckIsAUseOfItsOwn) {
  const double start = now;
  query(R"({"action":"startuse", "uid":"12345678"})");
  now = start + 600;
  query(R"({"action":"inuse", "uid":"12345678","duration":600})");
  now = start + 600 + 3700;
  service.write_heartbeats();
  ASSERT_EQ(db::UsesRepository(database.conn).close_stale(now - 3600), 1);
  now = start + 20000;
  query(R"({"action":"stopuse", "uid":"12345678","duration":1200})");
  EXPECT_EQ(database.conn.query_one<int>("SELECT COUNT(*) FROM uses"), 2);
  EXPECT_NEAR(machine_hours(), (600 + 1200) / 3600.0, 1e-6);
}

TEST_F(BoardServiceTest, MachineGoesOfflineAfterTheOnlineWindow) {
  query(R"({"action":"checkmachine"})");
  EXPECT_TRUE(status.machine(1)->online);
  status.expire(now + 89);
  EXPECT_TRUE(status.machine(1)->online);
  status.expire(now + 91);
  EXPECT_FALSE(status.machine(1)->online);
}

TEST_F(BoardServiceTest, UnknownCardTapIsAnnounced) {
  std::vector<LiveEvent> events;
  status.add_listener([&](const LiveEvent& e) { events.push_back(e); });
  query(R"({"action":"checkuser","uid":"DEADBEEF"})");
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().kind, LiveEventKind::unknown_card);
  EXPECT_EQ(events.back().card, "deadbeef");
}

TEST_F(BoardServiceTest, RemoteStartIsRefusedForAnOfflineMachine) {
  const auto refusal = remote.request(1, RemoteRequest::start, 1, nullptr);
  ASSERT_TRUE(refusal);
  EXPECT_EQ(refusal->code, "offline");
  EXPECT_EQ(refusal->message, "the machine's board is offline");
  const auto unknown = remote.request(99, RemoteRequest::start, 2, nullptr);
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->code, "unknown_machine");
}

TEST_F(BoardServiceTest, RemoteStartSendsTheAdminsCardAndReportsTheBoardsLogin) {
  query(R"({"action":"alive","version":"v","ip":"10.0.0.9","serial":"s","heap":"1"})");
  const db::Id admin = 1;  // the seeded "admin admin"
  std::optional<RemoteOutcome> outcome;
  bus.published.clear();
  ASSERT_EQ(
      remote.request(1, RemoteRequest::start, admin, [&](const RemoteOutcome& o) { outcome = o; }),
      std::nullopt);
  ASSERT_EQ(bus.published.size(), 1u);
  EXPECT_EQ(bus.published[0].first, "machine/1/request");
  EXPECT_EQ(bus.published[0].second, R"({"request_type":"start","uid":"12345678"})");
  const auto busy = remote.request(1, RemoteRequest::stop, admin, nullptr);
  ASSERT_TRUE(busy);
  EXPECT_EQ(busy->code, "pending");

  // The board follows the request with its normal login flow.
  query(R"({"action":"checkuser","uid":"12345678"})");
  EXPECT_FALSE(outcome);
  query(R"({"action":"startuse", "uid":"12345678"})");
  ASSERT_TRUE(outcome);
  EXPECT_TRUE(outcome->ok);
  EXPECT_EQ(outcome->code, "started");
  EXPECT_EQ(outcome->message, "started");
  EXPECT_EQ(remote.pending(), 0u);
}

// A legacy database may keep a card in upper case (two cards that differ only by case are left
// as they are at the upgrade). The board reads the card and sends it lowercase: the request must
// name it so, and the board's login must end the request as started.
TEST_F(BoardServiceTest, RemoteStartWithACardStoredInUpperCaseIsRecognisedWhenTheBoardLogsIn) {
  database.conn.execute("UPDATE users SET \"card_UUID\" = 'ABCDEF12' WHERE user_id = 1");
  query(R"({"action":"alive","version":"v","ip":"10.0.0.9","serial":"s","heap":"1"})");
  std::optional<RemoteOutcome> outcome;
  bus.published.clear();
  ASSERT_EQ(
      remote.request(1, RemoteRequest::start, 1, [&](const RemoteOutcome& o) { outcome = o; }),
      std::nullopt);
  ASSERT_EQ(bus.published.size(), 1u);
  EXPECT_EQ(bus.published[0].second, R"({"request_type":"start","uid":"abcdef12"})");
  query(R"({"action":"checkuser","uid":"abcdef12"})");
  query(R"({"action":"startuse", "uid":"abcdef12"})");
  ASSERT_TRUE(outcome);
  EXPECT_EQ(outcome->code, "started");
  EXPECT_EQ(remote.pending(), 0u);
}

TEST_F(BoardServiceTest, RemoteStopNeedsNoCardOfTheAdminAndNamesTheMemberInUse) {
  query(R"({"action":"alive","version":"v","ip":"10.0.0.9","serial":"s","heap":"1"})");
  const db::Id admin = 1;
  database.conn.execute("UPDATE users SET \"card_UUID\" = NULL WHERE user_id = ?", admin);
  const auto start = remote.request(1, RemoteRequest::start, admin, nullptr);
  ASSERT_TRUE(start);
  EXPECT_EQ(start->code, "no_card");  // a start logs the admin's own card in

  // A member is using the machine: the stop names their card (the board ignores it).
  const db::Id member = database.conn.query_one<db::Id>(
      "INSERT INTO users (name, surname, role_id, \"card_UUID\", disabled, deleted) "
      "VALUES ('Ada', 'Member', 1, 'a1b2c3d4', 0, 0) RETURNING user_id");
  database.conn.execute("INSERT INTO authorizations (user_id, machine_id) VALUES (?, 1)", member);
  query(R"({"action":"startuse","uid":"A1B2C3D4"})");
  bus.published.clear();
  std::optional<RemoteOutcome> outcome;
  ASSERT_EQ(
      remote.request(1, RemoteRequest::stop, admin, [&](const RemoteOutcome& o) { outcome = o; }),
      std::nullopt);
  ASSERT_EQ(bus.published.size(), 1u);
  EXPECT_EQ(bus.published[0].second, R"({"request_type":"stop","uid":"a1b2c3d4"})");
  query(R"({"action":"stopuse","uid":"A1B2C3D4","duration":5})");
  ASSERT_TRUE(outcome);
  EXPECT_EQ(outcome->code, "stopped");

  // Nobody in: still sent, with no card.
  bus.published.clear();
  ASSERT_EQ(remote.request(1, RemoteRequest::stop, admin, nullptr), std::nullopt);
  ASSERT_EQ(bus.published.size(), 1u);
  EXPECT_EQ(bus.published[0].second, R"({"request_type":"stop","uid":""})");
}

TEST_F(BoardServiceTest, RemoteStopWithoutAnswerEndsAsNoResponse) {
  query(R"({"action":"checkmachine"})");
  std::optional<RemoteOutcome> outcome;
  ASSERT_EQ(remote.request(1, RemoteRequest::stop, 1, [&](const RemoteOutcome& o) { outcome = o; }),
            std::nullopt);
  remote.expire(now + 5);
  EXPECT_FALSE(outcome);
  remote.expire(now + 11);
  ASSERT_TRUE(outcome);
  EXPECT_FALSE(outcome->ok);
  EXPECT_EQ(outcome->code, "no_response");
  EXPECT_EQ(outcome->message, "no response");
}

}  // namespace
}  // namespace fabomatic::backend

namespace fabomatic::backend {
namespace {

// Last-seen times are written behind (heartbeats.hpp): a refresh alone writes no page, and
// anything that reads or rewrites them writes the pending ones first.
class BoardHeartbeatsTest : public BoardServiceTest {
 protected:
  std::optional<double> machine_last_seen() {
    return database.conn.query_one<std::optional<double>>(
        "SELECT last_seen FROM machines WHERE machine_id = 1");
  }
  double use_last_seen() {
    return database.conn.query_one<double>(
        "SELECT last_seen FROM uses WHERE machine_id = 1 ORDER BY use_id DESC LIMIT 1");
  }
  std::int64_t wal_frames() {
    int log = 0, checkpointed = 0;
    sqlite3_wal_checkpoint_v2(database.conn.handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log,
                              &checkpointed);
    return log;
  }
};

TEST_F(BoardHeartbeatsTest, CheckmachineRefreshIsWrittenLaterWithoutAPageWrite) {
  query(R"({"action":"checkmachine"})");  // settles the first write of a new database
  service.write_heartbeats();
  const auto frames = wal_frames();
  now += 10;
  EXPECT_NE(query(R"({"action":"checkmachine"})"), "");
  EXPECT_EQ(wal_frames(), frames) << "a checkmachine wrote to the database";
  EXPECT_EQ(machine_last_seen(), now - 10);
  service.write_heartbeats();
  EXPECT_EQ(machine_last_seen(), now);
}

TEST_F(BoardHeartbeatsTest, StopuseSeesTheLatestInuseRefresh) {
  query(R"({"action":"startuse","uid":"12345678"})");
  now += 30;
  query(R"({"action":"inuse","uid":"12345678","duration":30})");
  EXPECT_EQ(use_last_seen(), now - 30);  // pending
  now += 5;
  query(R"({"action":"stopuse","uid":"12345678","duration":35})");
  // The stop closed the use with its own last-seen time; the pending refresh did not land
  // after it with an older one.
  EXPECT_EQ(use_last_seen(), now);
  service.write_heartbeats();
  EXPECT_EQ(use_last_seen(), now);
}

TEST_F(BoardHeartbeatsTest, StopWritesWhatIsPending) {
  query(R"({"action":"checkmachine"})");
  service.write_heartbeats();
  now += 7;
  query(R"({"action":"checkmachine"})");
  service.stop();
  EXPECT_EQ(machine_last_seen(), now);
}

// Acknowledged writes are durable: a reply whose transaction wrote waits for the end of the
// reactor's turn, when one sync of the log covers every commit of the turn.
class BoardDurabilityTest : public BoardServiceTest {
 protected:
  BoardDurabilityTest()
      : turn_service(
            bus, database.conn, status, BoardTopics{}, [this] { return now; },
            [this](std::function<void()> then) { end_of_turn.push_back(std::move(then)); }) {
    service.stop();  // the fixture's own service answers at once; this one holds
    turn_service.start();
  }

  // Publishes like a board and returns what was published on reply topics so far.
  std::vector<std::string> replies() const {
    std::vector<std::string> out;
    for (const auto& [topic, payload] : bus.published) {
      if (topic.ends_with("/reply")) out.push_back(payload);
    }
    return out;
  }
  void end_the_turn() {
    auto pending = std::move(end_of_turn);
    end_of_turn.clear();
    for (auto& f : pending)
      f();
  }

  std::vector<std::function<void()>> end_of_turn;
  BoardService turn_service;
};

TEST_F(BoardDurabilityTest, AWriteIsAnsweredOnlyAfterTheTurnsSync) {
  const auto syncs = database.conn.syncs();
  bus.publish("machine/1", R"({"action":"startuse", "uid":"12345678"})", 0, false);
  EXPECT_TRUE(replies().empty());  // committed, not yet durable: not told
  EXPECT_EQ(end_of_turn.size(), 1u);
  end_the_turn();
  EXPECT_EQ(database.conn.syncs(), syncs + 1);
  EXPECT_EQ(replies(), std::vector<std::string>{R"({"request_ok":true,"message":""})"});
  EXPECT_EQ(turn_service.stats().held, 1u);
  EXPECT_EQ(turn_service.stats().syncs, 1u);
  // The sync's time is in its histogram, once.
  EXPECT_EQ(turn_service.stats().sync_latency.count(), 1u);
  EXPECT_GT(turn_service.stats().sync_latency.sum(), 0.0);
}

TEST_F(BoardDurabilityTest, ABurstOfWritesPaysOneSyncAndKeepsQueryOrder) {
  const auto syncs = database.conn.syncs();
  bus.publish("machine/1", R"({"action":"startuse", "uid":"12345678"})", 0, false);
  bus.publish("machine/1", R"({"action":"checkmachine"})", 0, false);  // behind a held reply
  bus.publish("machine/1", R"({"action":"stopuse", "uid":"12345678","duration":60})", 0, false);
  EXPECT_TRUE(replies().empty());
  end_the_turn();
  EXPECT_EQ(database.conn.syncs(), syncs + 1);
  const auto answers = replies();
  ASSERT_EQ(answers.size(), 3u);
  EXPECT_EQ(answers[0], R"({"request_ok":true,"message":""})");
  EXPECT_TRUE(answers[1].starts_with(R"({"request_ok":true,"is_valid":true)")) << answers[1];
  EXPECT_EQ(answers[2], R"({"request_ok":true,"message":"Duration 60 seconds"})");
}

TEST_F(BoardDurabilityTest, QueriesThatWriteNothingWaitForNoSync) {
  const auto syncs = database.conn.syncs();
  bus.publish("machine/1", R"({"action":"checkmachine"})", 0, false);
  bus.publish("machine/1", R"({"action":"checkuser","uid":"12345678"})", 0, false);
  EXPECT_EQ(replies().size(), 2u);  // at once
  EXPECT_TRUE(end_of_turn.empty());
  EXPECT_EQ(database.conn.syncs(), syncs);
  // Their last-seen times are written later, unsynced: nobody was told about them.
  turn_service.write_heartbeats();
  EXPECT_EQ(database.conn.syncs(), syncs);
}

TEST_F(BoardDurabilityTest, StopSendsWhatIsHeld) {
  bus.publish("machine/1", R"({"action":"startuse", "uid":"12345678"})", 0, false);
  turn_service.stop();
  EXPECT_EQ(replies().size(), 1u);
}

}  // namespace
}  // namespace fabomatic::backend
