// Mosquitto's password and ACL files (broker/auth), and the AccessControl hook over a broker.
#include <gtest/gtest.h>

#include "broker/auth/access_control.hpp"
#include "broker/auth/acl_file.hpp"
#include "broker/auth/password_file.hpp"
#include "broker_test_client.hpp"

namespace fabomatic::broker::auth {
namespace {

using testing::TestClient;

// Written by Debian's mosquitto_passwd 2.0.11: alice with the default $7$ (PBKDF2-SHA512, 101
// iterations), bob with -H sha512 ($6$).
constexpr std::string_view kMosquittoPasswd =
    "alice:$7$101$dRWOnaKsIwftIsvs$8JQltpSXx74n2IfFIt4YObTKTaB0kpGeY+yj/YZ/FNtKHBdJP6cpWIerhRpX08k"
    "15cbBCcxAvPb5uAJAh5CZSg==\n"
    "bob:$6$pYKMP7b7IR45nIZc$cnrsa7r96oIHvzpoW993KMVqfOpvsx1nFXzPr8AbZrIf9b7KUA6oSr7gmJ+QoJPUokSSSw"
    "khAP0K5DsJPGLFJw==\n";

TEST(PasswordFile, ChecksWhatMosquittoPasswdWrote) {
  std::vector<std::string> problems;
  const auto file = PasswordFile::parse(kMosquittoPasswd, &problems);
  EXPECT_TRUE(problems.empty());
  ASSERT_EQ(file.size(), 2u);
  EXPECT_TRUE(file.find("alice")->verify("s3cret pass"));
  EXPECT_FALSE(file.find("alice")->verify("s3cret"));
  EXPECT_FALSE(file.find("alice")->verify(""));
  EXPECT_TRUE(file.find("bob")->verify("hunter2"));
  EXPECT_FALSE(file.find("bob")->verify("hunter3"));
  EXPECT_EQ(file.find("carol"), nullptr);
}

TEST(PasswordFile, SkipsWhatMosquittoSkips) {
  std::vector<std::string> problems;
  const std::string text =
      "# a comment\n"
      "\n"
      "no colon here\n"
      "plain:password\n"  // not hashed: Mosquitto drops it too
      "short:$7$101$AAAA$AAAA\n"
      "zero:$7$0$dRWOnaKsIwftIsvs$AAAA\n" +
      PasswordFile::pbkdf2_entry("pw", "123456789012", 5).insert(0, "  carol  :") + "\n";
  const auto file = PasswordFile::parse(text, &problems);
  EXPECT_EQ(file.size(), 1u);
  ASSERT_NE(file.find("carol"), nullptr);  // the user name is trimmed
  EXPECT_TRUE(file.find("carol")->verify("pw"));
  EXPECT_EQ(problems.size(), 3u);
  EXPECT_NE(problems[0].find("line 4"), std::string::npos);
}

AclFile acl(std::string_view text) {
  std::vector<std::string> errors;
  auto file = AclFile::parse(text, errors);
  EXPECT_TRUE(errors.empty()) << (errors.empty() ? "" : errors[0]);
  return file;
}

TEST(AclFile, RulesPerUserAnonymousAndPatterns) {
  const auto file = acl(R"(# general: anonymous clients
topic read public/#

user alice
topic readwrite alice/#
topic write machine/+
topic deny alice/secret

user bob
topic sensors/#

pattern readwrite devices/%u/#
pattern read clients/%c
)");
  // Alice: her rules, deny first, then the patterns.
  EXPECT_TRUE(file.may_publish("alice", "c1", "alice/x"));
  EXPECT_TRUE(file.may_publish("alice", "c1", "machine/3"));
  EXPECT_FALSE(file.may_publish("alice", "c1", "alice/secret"));
  EXPECT_FALSE(file.may_publish("alice", "c1", "public/x"));
  EXPECT_TRUE(file.may_publish("alice", "c1", "devices/alice/t"));
  EXPECT_FALSE(file.may_publish("alice", "c1", "devices/bob/t"));
  EXPECT_FALSE(file.may_publish("alice", "c1", "clients/c1")) << "read only";
  // Bob: "topic <filter>" without an access word is readwrite.
  EXPECT_TRUE(file.may_publish("bob", "c2", "sensors/a/b"));
  // Anonymous: the general rules, and patterns without %u.
  EXPECT_FALSE(file.may_publish(std::nullopt, "c3", "public/x"));
  EXPECT_TRUE(file.may_subscribe(std::nullopt, "c3", "public/#"));
  EXPECT_TRUE(file.may_subscribe(std::nullopt, "c3", "clients/c3"));
  EXPECT_FALSE(file.may_subscribe(std::nullopt, "c3", "devices/+/t"));
  // A user with no rules of its own gets the patterns only.
  EXPECT_TRUE(file.may_publish("carol", "c4", "devices/carol/x"));
  EXPECT_FALSE(file.may_publish("carol", "c4", "sensors/x"));
}

TEST(AclFile, ASubscriptionMustBeReadableAsAWhole) {
  const auto file = acl(R"(user alice
topic read machine/+/reply
topic readwrite home/#
topic deny home/alarm/#
topic write cmd/#
user root
topic readwrite #
)");
  EXPECT_TRUE(file.may_subscribe("alice", "a", "machine/3/reply"));
  EXPECT_TRUE(file.may_subscribe("alice", "a", "machine/+/reply"));
  EXPECT_FALSE(file.may_subscribe("alice", "a", "machine/#"));
  EXPECT_FALSE(file.may_subscribe("alice", "a", "#"));
  EXPECT_FALSE(file.may_subscribe("alice", "a", "+/3/reply"));
  EXPECT_TRUE(file.may_subscribe("alice", "a", "home/kitchen/#"));
  EXPECT_FALSE(file.may_subscribe("alice", "a", "home/#")) << "overlaps the denied alarm topics";
  EXPECT_FALSE(file.may_subscribe("alice", "a", "home/+/door")) << "home/alarm/door is denied";
  EXPECT_FALSE(file.may_subscribe("alice", "a", "cmd/x")) << "write only";
  // '#' covers everything but $SYS, like Mosquitto's "$ topics need a $ rule".
  EXPECT_TRUE(file.may_subscribe("root", "r", "#"));
  EXPECT_FALSE(file.may_subscribe("root", "r", "$SYS/#"));
  EXPECT_FALSE(file.may_publish("root", "r", "$SYS/x"));
}

TEST(AclFile, WildcardsInUserNamesOrClientIdsGetNothingFromPatterns) {
  const auto file = acl("pattern readwrite devices/%c/#\n");
  EXPECT_TRUE(file.may_publish(std::nullopt, "dev1", "devices/dev1/x"));
  EXPECT_FALSE(file.may_publish(std::nullopt, "+", "devices/dev1/x"));
  EXPECT_FALSE(file.may_subscribe(std::nullopt, "#", "devices/#"));
}

TEST(AclFile, ParseErrorsNameTheLine) {
  std::vector<std::string> errors;
  AclFile::parse("user alice\ntopic writ a/b\ntopic read a/#/b\nfoo bar\nuser\ntopic\n", errors);
  ASSERT_EQ(errors.size(), 5u);
  EXPECT_NE(errors[0].find("line 2"), std::string::npos);
  EXPECT_NE(errors[0].find("'writ'"), std::string::npos);
  EXPECT_NE(errors[1].find("line 3"), std::string::npos);
  EXPECT_NE(errors[2].find("line 4"), std::string::npos);
}

TEST(AclFile, CoverAndOverlap) {
  EXPECT_TRUE(filter_covers("#", "a/b"));
  EXPECT_TRUE(filter_covers("a/#", "a"));
  EXPECT_TRUE(filter_covers("a/#", "a/#"));
  EXPECT_FALSE(filter_covers("a/+", "a/#"));
  EXPECT_TRUE(filter_covers("a/+", "a/+"));
  EXPECT_FALSE(filter_covers("a/b", "a/+"));
  EXPECT_FALSE(filter_covers("#", "$SYS/x"));
  EXPECT_TRUE(filter_covers("$SYS/#", "$SYS/broker/+"));
  EXPECT_TRUE(filters_overlap("a/#", "a"));
  EXPECT_TRUE(filters_overlap("+/b", "a/+"));
  EXPECT_FALSE(filters_overlap("a/b", "a/c"));
  EXPECT_FALSE(filters_overlap("#", "$SYS/#"));
  EXPECT_FALSE(filters_overlap("a/b/c", "a/b"));
}

BrokerConfig quiet_config() {
  BrokerConfig config;
  config.sys_interval = std::chrono::seconds(0);
  return config;
}

std::shared_ptr<const PasswordFile> passwords(std::string_view text) {
  return std::make_shared<const PasswordFile>(PasswordFile::parse(text));
}

std::shared_ptr<const AclFile> rules(std::string_view text) {
  return std::make_shared<const AclFile>(acl(text));
}

TEST(AccessControl, AccountsAnonymousAndUnknownUsers) {
  Broker broker(quiet_config());
  AccessControl control(false);
  control.set_files(passwords(kMosquittoPasswd), nullptr);
  broker.add_hooks(control);
  TestClient alice(broker), wrong(broker), anonymous(broker), stranger(broker);
  alice.login("a", "alice", "s3cret pass");
  wrong.login("w", "alice", "nope", ConnectReturnCode::not_authorized);
  anonymous.connect("n", true, 60, ConnectReturnCode::not_authorized);
  stranger.login("s", "user", "password", ConnectReturnCode::not_authorized);
  // No ACL file: an account may do anything.
  EXPECT_EQ(alice.subscribe({{"#", 0}}), (std::vector<std::uint8_t>{0}));

  AccessControl open(true);
  Broker open_broker(quiet_config());
  open.set_files(passwords(kMosquittoPasswd), rules("topic read public/#\n"));
  open_broker.add_hooks(open);
  TestClient board(open_broker);
  board.login("BOARD1", "user", "password");  // the firmware's default: anonymous
  EXPECT_EQ(board.subscribe({{"public/x", 0}, {"private/x", 0}}),
            (std::vector<std::uint8_t>{0, kSubackFailure}));
}

TEST(AccessControl, AProvenPasswordIsRememberedUntilTheFilesChange) {
  Broker broker(quiet_config());
  AccessControl control(false);
  // 200 000 iterations: about 100 ms a check, so a remembered one shows in the time.
  auto file = PasswordFile::parse(
      "slow:" + PasswordFile::pbkdf2_entry("pw", "abcdefghijkl", 200000) + "\n");
  control.set_files(std::make_shared<const PasswordFile>(file), nullptr);
  broker.add_hooks(control);
  {
    TestClient first(broker);
    first.login("c1", "slow", "pw");
  }
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) {
    TestClient again(broker);
    again.login("c" + std::to_string(i), "slow", "pw");
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(500));
  TestClient wrong(broker);
  wrong.login("w", "slow", "other", ConnectReturnCode::not_authorized);
}

TEST(AccessControl, ReloadingDisconnectsChangedAccountsAndAppliesTheNewRules) {
  Broker broker(quiet_config());
  AccessControl control(false);
  const std::string carol = "carol:" + PasswordFile::pbkdf2_entry("c", "123456789012", 3) + "\n";
  control.set_files(passwords(std::string(kMosquittoPasswd) + carol),
                    rules("user alice\ntopic readwrite a/#\nuser carol\ntopic readwrite c/#\n"));
  broker.add_hooks(control);
  TestClient alice(broker), bob(broker), carol_client(broker);
  alice.login("a", "alice", "s3cret pass");
  bob.login("b", "bob", "hunter2");
  carol_client.login("c", "carol", "c");
  EXPECT_EQ(alice.subscribe({{"b/x", 0}}), (std::vector<std::uint8_t>{kSubackFailure}));

  // bob removed, carol's password changed, alice now also allowed b/#.
  const std::string carol2 = "carol:" + PasswordFile::pbkdf2_entry("c2", "123456789012", 3) + "\n";
  const auto changed = control.set_files(
      passwords(std::string(kMosquittoPasswd.substr(0, kMosquittoPasswd.find("bob:"))) + carol2),
      rules("user alice\ntopic readwrite a/#\ntopic read b/#\n"));
  EXPECT_EQ(changed, (std::vector<std::string>{"bob", "carol"}));
  EXPECT_EQ(broker.review_clients(control), 2u);
  EXPECT_FALSE(alice.closed());
  EXPECT_TRUE(bob.closed());
  EXPECT_TRUE(carol_client.closed());
  EXPECT_EQ(alice.subscribe({{"b/x", 0}}, 2), (std::vector<std::uint8_t>{0}));
}

}  // namespace
}  // namespace fabomatic::broker::auth
