// The FabLab's rules in the broker: board accounts (secrets, what a board may do), the legacy
// rule for anonymous clients, nobody but the backend on reply/request topics, and what the
// portal sees (MqttSecurity) — a real broker core, the generic AccessControl behind our hook,
// and a seeded database (machine 1 exists).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "backend/board_accounts.hpp"
#include "backend/mqtt_auth.hpp"
#include "backend/mqtt_security.hpp"
#include "broker/auth/access_control.hpp"
#include "broker_test_client.hpp"
#include "db/board_accounts_repository.hpp"
#include "db/boards_repository.hpp"
#include "db/database.hpp"
#include "db/machines_repository.hpp"

namespace fabomatic::backend {
namespace {

using broker::ConnectReturnCode;
using broker::kSubackFailure;
using broker::testing::TestClient;

std::filesystem::path make_dir() {
  char pattern[] = "/tmp/fabomatic-mqtt-auth-XXXXXX";
  return mkdtemp(pattern);
}

TEST(BoardSecrets, TypeableLongAndForgivingWhenTyped) {
  const std::string secret = BoardSecrets::generate();
  ASSERT_EQ(secret.size(), 29u);
  for (std::size_t i = 0; i < secret.size(); ++i) {
    if (i % 6 == 5) {
      EXPECT_EQ(secret[i], '-');
    } else {
      EXPECT_NE(std::string_view("0123456789ABCDEFGHJKMNPQRSTVWXYZ").find(secret[i]),
                std::string_view::npos)
          << secret;
    }
  }
  EXPECT_NE(BoardSecrets::generate(), secret);
  const BoardSecrets secrets(std::string(32, 'k'));
  const std::string stored = secrets.hash("0A1BZ-XXXXX-YYYYY-ZZZZZ-11111");
  EXPECT_EQ(stored.size(), 64u);
  EXPECT_TRUE(secrets.verify("0A1BZ-XXXXX-YYYYY-ZZZZZ-11111", stored));
  EXPECT_TRUE(secrets.verify("oa1bzxxxxxyyyyyzzzzz1il1i", stored)) << "case, dashes, O, I, L";
  EXPECT_TRUE(secrets.verify("0A1BZ XXXXX YYYYY ZZZZZ 11111", stored));
  EXPECT_FALSE(secrets.verify("0A1BZ-XXXXX-YYYYY-ZZZZZ-11112", stored));
  EXPECT_NE(BoardSecrets(std::string(32, 'j')).hash("0A1BZ-XXXXX-YYYYY-ZZZZZ-11111"), stored)
      << "the hash is keyed";
}

TEST(BoardSecrets, TheKeyFileIsCreatedOnceAndPrivate) {
  const auto dir = make_dir();
  const auto file = dir / "board-accounts.key";
  const auto first = BoardSecrets::load_or_create(file);
  struct stat info {};
  ASSERT_EQ(::stat(file.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_EQ(info.st_size, 32);
  const auto again = BoardSecrets::load_or_create(file);
  EXPECT_EQ(first.hash("X"), again.hash("X"));
  std::filesystem::remove_all(dir);
}

class MqttAuthTest : public ::testing::Test {
 protected:
  MqttAuthTest()
      : dir(make_dir()),
        database(db::open_database((dir / "db.sqldb").string(), {})),
        secrets(std::string(32, 's')),
        accounts(database.conn, secrets, [] { return 1000.0; }),
        auth(database.conn, secrets, BoardTopics{}) {
    broker::BrokerConfig config;
    config.sys_interval = std::chrono::seconds(0);
    broker_ = std::make_unique<broker::Broker>(config);
  }
  ~MqttAuthTest() override { std::filesystem::remove_all(dir); }

  // allow_anonymous as the settings say it.
  void start(AnonymousMode mode) {
    access = std::make_unique<broker::auth::AccessControl>(mode != AnonymousMode::refused);
    access->set_files(std::make_shared<broker::auth::PasswordFile>(), nullptr);
    if (mode == AnonymousMode::legacy) access->set_anonymous_access(auth.legacy_anonymous_access());
    broker_->add_hooks(auth);
    broker_->add_hooks(*access);
    security = std::make_unique<MqttSecurity>(*broker_, database.conn, accounts, auth, mode);
  }

  std::unique_ptr<TestClient> client(std::string address = "10.0.0.1:1000") {
    return std::make_unique<TestClient>(*broker_, std::move(address));
  }

  std::filesystem::path dir;
  db::Database database;
  BoardSecrets secrets;
  BoardAccounts accounts;
  MqttAuth auth;
  std::unique_ptr<broker::Broker> broker_;
  std::unique_ptr<broker::auth::AccessControl> access;
  std::unique_ptr<MqttSecurity> security;
};

TEST_F(MqttAuthTest, ABoardAccountSpeaksForItsOwnMachineOnly) {
  start(AnonymousMode::refused);
  const auto issued = accounts.create(1);
  EXPECT_EQ(issued.account.username, "board-1");

  auto wrong = client();
  wrong->login("BOARD1", "board-1", "AAAAA-AAAAA-AAAAA-AAAAA-AAAAA",
               ConnectReturnCode::not_authorized);
  auto nobody = client();
  nobody->connect("x", true, 60, ConnectReturnCode::not_authorized);
  auto firmware_default = client();
  firmware_default->login("BOARD2", "user", "password", ConnectReturnCode::not_authorized);

  auto board = client();
  board->login("BOARD1", "board-1", issued.secret);
  EXPECT_EQ(board->subscribe({{"machine/1/reply", 0},
                              {"machine/1/request", 0},
                              {"#", 0},
                              {"machine/+/reply", 0},
                              {"machine/2/reply", 0},
                              {"machine/001/reply", 0}}),
            (std::vector<std::uint8_t>{0, 0, kSubackFailure, kSubackFailure, kSubackFailure, 0}));

  // A monitor with every right (anonymous clients are refused, so: a board of its own would not
  // do; the backend's in-process bus sees everything).
  std::vector<std::string> seen;
  broker_->subscribe("#", [&](const broker::Message& m) { seen.push_back(m.topic); });
  board->publish("machine/1", R"({"action":"checkmachine"})");
  board->publish("machine/001", R"({"action":"checkmachine"})");
  board->publish("machine/2", R"({"action":"checkmachine"})");
  board->publish("machine/1", R"({"action":"checkmachine"})", 0, true);  // retained
  board->publish("machine/1/request", R"({"request_type":"start","uid":"x"})");
  board->publish("machine/1/reply", R"({"request_ok":true})");
  board->publish("elsewhere", "x");
  EXPECT_EQ(seen, (std::vector<std::string>{"machine/1", "machine/001"}));
  EXPECT_EQ(broker_->retained_count(), 0u);
  EXPECT_FALSE(board->closed());
}

TEST_F(MqttAuthTest, LegacyAnonymousBoardsSpeakOnlyForExistingMachines) {
  start(AnonymousMode::legacy);
  std::vector<std::string> seen;
  broker_->subscribe("#", [&](const broker::Message& m) { seen.push_back(m.topic); });
  auto board = client();
  board->login("BOARD7", "user", "password");  // the firmware's default: anonymous here
  auto laptop = client("10.0.0.66:5000");
  laptop->connect("laptop");
  EXPECT_EQ(laptop->subscribe({{"#", 0},
                               {"machine/#", 0},
                               {"machine/+/reply", 0},
                               {"machine/3/reply", 0},
                               {"machine/3/request", 0},
                               {"machine/3", 0},
                               {"$SYS/#", 0}}),
            (std::vector<std::uint8_t>{kSubackFailure, kSubackFailure, kSubackFailure, 0, 0,
                                       kSubackFailure, kSubackFailure}));
  board->publish("machine/1", R"({"action":"alive"})");
  board->publish("machine/999", R"({"action":"alive"})");  // no such machine
  // Leading zeros name the same machine, as the board service reads them: however many.
  board->publish("machine/" + std::string(30, '0') + "1", R"({"action":"alive"})");
  laptop->publish("machine/1", R"({"action":"checkmachine"})", 0, true);  // retained: refused
  laptop->publish("machine/1/request", R"({"request_type":"start","uid":"aabbccdd"})");
  laptop->publish("stats/x", "y");
  EXPECT_EQ(seen, (std::vector<std::string>{"machine/1", "machine/" + std::string(30, '0') + "1"}));
  EXPECT_EQ(broker_->retained_count(), 0u);

  const auto status = security->status();
  EXPECT_EQ(status.mode, AnonymousMode::legacy);
  EXPECT_EQ(status.anonymous_clients, 2u);
  EXPECT_EQ(status.anonymous_boards, (std::vector<db::Id>{1}));
  EXPECT_EQ(status.board_accounts, 0u);
}

// Boards move to accounts one by one: a machine whose board has logged in with its account once
// is closed to anonymous clients (those that spoke or listened for it are disconnected), while
// the machines still waiting for their board's account stay open. An account created but not
// used yet leaves its machine open: its board keeps working until the secret is typed in.
TEST_F(MqttAuthTest, ABoardsFirstLoginClosesItsMachineToAnonymousClients) {
  start(AnonymousMode::legacy);
  db::MachinesRepository(database.conn).create(db::Machine{.id = 2, .name = "TWO"});
  std::vector<db::Id> first_logins;
  auth.on_first_login([&](db::Id machine) { first_logins.push_back(machine); });
  std::vector<std::string> seen;
  broker_->subscribe("#", [&](const broker::Message& m) { seen.push_back(m.topic); });
  const auto issued = security->create(1);
  auto old_board = client("10.0.0.1:1000");
  old_board->connect("BOARD1");
  old_board->publish("machine/1", R"({"action":"alive"})");
  auto sniffer = client("10.0.0.66:5000");
  sniffer->connect("laptop");
  EXPECT_EQ(sniffer->subscribe({{"machine/1/reply", 0}}), (std::vector<std::uint8_t>{0}));
  auto other = client("10.0.0.2:1000");
  other->connect("BOARD2");
  EXPECT_EQ(other->subscribe({{"machine/2/reply", 0}}), (std::vector<std::uint8_t>{0}));
  EXPECT_EQ(seen, (std::vector<std::string>{"machine/1"}));  // created, not used: still open

  auto board = client("10.0.0.1:2000");
  board->login("BOARD1-NEW", "board-1", issued.secret);
  EXPECT_EQ(first_logins, (std::vector<db::Id>{1}));
  EXPECT_EQ(security->close_to_anonymous(1), 2u);
  EXPECT_TRUE(old_board->closed());
  EXPECT_TRUE(sniffer->closed());
  EXPECT_FALSE(other->closed());
  EXPECT_FALSE(board->closed());
  auto again = client("10.0.0.66:5001");
  again->connect("laptop");
  EXPECT_EQ(
      again->subscribe({{"machine/1/reply", 0}, {"machine/1/request", 0}, {"machine/2/reply", 0}}),
      (std::vector<std::uint8_t>{kSubackFailure, kSubackFailure, 0}));
  again->publish("machine/1", R"({"action":"synccache"})");
  again->publish("machine/2", R"({"action":"checkmachine"})");
  EXPECT_EQ(seen, (std::vector<std::string>{"machine/1", "machine/2"}));

  // Its next logins are no first login; a rotated secret keeps the machine closed; revoking the
  // account opens it again (its board can then only come back anonymously).
  board->drop();
  client("10.0.0.1:2001")->login("BOARD1-NEW", "board-1", issued.secret);
  EXPECT_EQ(first_logins, (std::vector<db::Id>{1}));
  ASSERT_TRUE(security->rotate(1));
  auto after_rotation = client("10.0.0.66:5002");
  after_rotation->connect("laptop");
  EXPECT_EQ(after_rotation->subscribe({{"machine/1/reply", 0}}),
            (std::vector<std::uint8_t>{kSubackFailure}));
  ASSERT_TRUE(security->revoke(1));
  auto after_revocation = client("10.0.0.66:5003");
  after_revocation->connect("laptop-2");
  EXPECT_EQ(after_revocation->subscribe({{"machine/1/reply", 0}}), (std::vector<std::uint8_t>{0}));
}

TEST_F(MqttAuthTest, AnOpenBrokerIsOpenAndBoardAccountsStayConfined) {
  // allow_anonymous = true chose the old open broker: anonymous clients may do anything. A
  // board account is still confined to its machine.
  start(AnonymousMode::allowed);
  const auto issued = accounts.create(1);
  std::vector<std::string> seen;
  broker_->subscribe("#", [&](const broker::Message& m) { seen.push_back(m.topic); });
  auto any = client();
  any->connect("any");
  EXPECT_EQ(any->subscribe({{"#", 0}}), (std::vector<std::uint8_t>{0}));
  any->publish("machine/1/request", "x");
  auto board = client("10.0.0.2:1");
  board->login("BOARD1", "board-1", issued.secret);
  board->publish("machine/1/request", "x");
  board->publish("shelly/plug/on", "1");
  EXPECT_EQ(seen, (std::vector<std::string>{"machine/1/request"}));
}

TEST_F(MqttAuthTest, RotatingOrRevokingDisconnectsTheBoardAndTheOldSecretStopsWorking) {
  start(AnonymousMode::refused);
  const auto issued = security->create(1);
  auto board = client();
  board->login("BOARD1", "board-1", issued.secret);
  const auto accounts_seen = security->accounts();
  ASSERT_EQ(accounts_seen.size(), 1u);
  EXPECT_TRUE(accounts_seen[0].connected);
  EXPECT_EQ(accounts_seen[0].remote_address, "10.0.0.1:1000");

  const auto rotated = security->rotate(1);
  ASSERT_TRUE(rotated);
  EXPECT_TRUE(board->closed());
  auto old_secret = client();
  old_secret->login("BOARD1", "board-1", issued.secret, ConnectReturnCode::not_authorized);
  auto new_secret = client();
  new_secret->login("BOARD1", "board-1", rotated->secret);

  EXPECT_TRUE(security->revoke(1));
  EXPECT_TRUE(new_secret->closed());
  EXPECT_FALSE(security->revoke(1));
  auto revoked = client();
  revoked->login("BOARD1", "board-1", rotated->secret, ConnectReturnCode::not_authorized);
}

TEST_F(MqttAuthTest, AChangeMadeElsewhereDisconnectsTheBoardAtTheNextReview) {
  start(AnonymousMode::refused);
  const auto issued = accounts.create(1);
  auto board = client();
  board->login("BOARD1", "board-1", issued.secret);
  EXPECT_EQ(broker_->review_clients(auth), 0u);
  // `fabomatic board-account rotate 1` in another process: the database changed under us.
  db::BoardAccountsRepository(database.conn).set_secret(1, secrets.hash("OTHER"), 2000);
  EXPECT_EQ(broker_->review_clients(auth), 1u);
  EXPECT_TRUE(board->closed());
}

TEST_F(MqttAuthTest, SharedClientIdsNameTheirMachines) {
  start(AnonymousMode::legacy);
  const db::Id seven = db::MachinesRepository(database.conn).create(db::Machine{.name = "SEVEN"});
  const auto account = accounts.create(seven);
  auto board1 = client("10.0.0.1:4000");
  board1->connect("BOARD417");
  board1->publish("machine/1", R"({"action":"alive"})");  // learned: 10.0.0.1 speaks for 1
  auto board7 = client("10.0.0.7:4000");
  board7->login("BOARD417", account.account.username, account.secret);
  auto unknown = client("10.0.0.9:4000");
  unknown->connect("BOARD417");
  // The third never published; its board's last alive said 10.0.0.9.
  const db::Id nine = db::MachinesRepository(database.conn).create(db::Machine{.name = "NINE"});
  db::BoardsRepository(database.conn)
      .upsert(nine, db::BoardReport{.ip_address = "10.0.0.9", .fw_version = "1"}, 1);
  const auto shared = security->shared_client_ids();
  ASSERT_EQ(shared.size(), 1u);
  EXPECT_EQ(shared[0].client_id, "BOARD417");
  EXPECT_EQ(shared[0].holders.size(), 3u);
  EXPECT_EQ(shared[0].machines, (std::vector<db::Id>{1, seven, nine}));
}

}  // namespace
}  // namespace fabomatic::backend
