#include "tools/board-sim/options.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <vector>

namespace fabomatic::board_sim {
namespace {

Options parse(std::initializer_list<const char*> args) {
  std::vector<const char*> argv = {"board-sim"};
  argv.insert(argv.end(), args.begin(), args.end());
  return parse_options(static_cast<int>(argv.size()), argv.data());
}

TEST(Options, Defaults) {
  const auto o = parse({"fleet"});
  EXPECT_EQ(o.mode, Options::Mode::fleet);
  EXPECT_EQ(o.host, "127.0.0.1");
  EXPECT_EQ(o.port, 1883);
  EXPECT_EQ(o.username, "user");
  EXPECT_EQ(o.password, "password");
  EXPECT_EQ(o.timeout_ms, 2000);
  EXPECT_EQ(fleet_machine_ids(o), std::vector<int>{1});
  EXPECT_EQ(o.mix[static_cast<std::size_t>(Action::checkuser)], 1.0);
  EXPECT_EQ(o.mix[static_cast<std::size_t>(Action::stopuse)], 0.0);
}

TEST(Options, FleetOfConsecutiveMachines) {
  const auto o = parse({"bench", "--boards", "3", "--first-machine-id", "10", "--port", "1999"});
  EXPECT_EQ(o.mode, Options::Mode::bench);
  EXPECT_EQ(o.port, 1999);
  EXPECT_EQ(fleet_machine_ids(o), (std::vector<int>{10, 11, 12}));
}

TEST(Options, MachineIdListOverridesBoards) {
  const auto o = parse({"fleet", "--boards", "50", "--machine-ids", "1,5,10-12"});
  EXPECT_EQ(o.boards, 5);
  EXPECT_EQ(fleet_machine_ids(o), (std::vector<int>{1, 5, 10, 11, 12}));
}

TEST(Options, ListsAndMix) {
  EXPECT_EQ(split_list("a,,b,"), (std::vector<std::string>{"a", "b"}));
  const auto mix = parse_mix("checkuser=3,inuse");
  EXPECT_EQ(mix[static_cast<std::size_t>(Action::checkuser)], 3.0);
  EXPECT_EQ(mix[static_cast<std::size_t>(Action::inuse)], 1.0);
  EXPECT_EQ(mix[static_cast<std::size_t>(Action::checkmachine)], 0.0);
  EXPECT_THROW(parse_mix("alive=1"), UsageError);  // never answered: would only time out
  EXPECT_THROW(parse_mix("bogus=1"), UsageError);
  EXPECT_THROW(parse_mix("checkuser=0"), UsageError);
  EXPECT_THROW(parse_mix("checkuser=-1"), UsageError);
}

TEST(Options, QueryNeedsAPayloadOrAnAction) {
  EXPECT_THROW(parse({"query"}), UsageError);
  const auto o = parse({"query", "--action", "stopuse", "--uid", "0badcafe", "--query-duration",
                        "-5", "--replay", "--machine-id", "7"});
  EXPECT_EQ(o.action, Action::stopuse);
  EXPECT_EQ(o.uid, "0badcafe");
  EXPECT_EQ(o.duration, -5);
  EXPECT_TRUE(o.replay);
  EXPECT_EQ(fleet_machine_ids(o), std::vector<int>{7});
  EXPECT_THROW(parse({"query", "--action", "stopuse", "--boards", "2"}), UsageError);
  EXPECT_EQ(parse({"query", "--payload", "{}", "--topic", "machine/007"}).topic, "machine/007");
}

TEST(Options, RejectsBadInput) {
  EXPECT_THROW(parse({}), UsageError);
  EXPECT_THROW(parse({"swarm"}), UsageError);
  EXPECT_THROW(parse({"fleet", "--port", "0"}), UsageError);
  EXPECT_THROW(parse({"fleet", "--port", "70000"}), UsageError);
  EXPECT_THROW(parse({"fleet", "--port"}), UsageError);
  EXPECT_THROW(parse({"fleet", "--boards", "3x"}), UsageError);
  EXPECT_THROW(parse({"fleet", "--time-scale", "0"}), UsageError);
  EXPECT_THROW(parse({"fleet", "--machine-ids", "5-3"}), UsageError);
  EXPECT_THROW(parse({"fleet", "--cards", ","}), UsageError);
  EXPECT_THROW(parse({"fleet", "--frobnicate"}), UsageError);
  EXPECT_THROW(parse({"query", "--action", "dance"}), UsageError);
}

}  // namespace
}  // namespace fabomatic::board_sim
