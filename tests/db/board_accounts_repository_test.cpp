#include "db/board_accounts_repository.hpp"

#include "db/discovered_boards_repository.hpp"
#include "db/unknown_cards_repository.hpp"

#include "db/repository.hpp"
#include "repo_support.hpp"

namespace fabomatic::db::test {
namespace {

class BoardAccountsRepositoryTest : public RepoTest {
 protected:
  BoardAccountsRepository accounts{conn};
  BoardAccount account(Id machine_id, std::string hash = "h1") {
    return BoardAccount{.machine_id = machine_id,
                        .username = "board-" + std::to_string(machine_id),
                        .secret_hash = std::move(hash),
                        .created = 10,
                        .rotated = 10};
  }
};

TEST_F(BoardAccountsRepositoryTest, CreateFindRotateRemove) {
  const Id laser = add_machine("LASER");
  accounts.create(account(laser));
  const auto by_name = accounts.by_username("board-" + std::to_string(laser));
  ASSERT_TRUE(by_name);
  EXPECT_EQ(by_name->machine_id, laser);
  EXPECT_EQ(by_name->secret_hash, "h1");
  EXPECT_TRUE(accounts.set_secret(laser, "h2", 20));
  EXPECT_EQ(accounts.by_machine(laser)->secret_hash, "h2");
  EXPECT_EQ(accounts.by_machine(laser)->rotated, 20);
  EXPECT_EQ(accounts.by_machine(laser)->created, 10);
  EXPECT_EQ(accounts.list().size(), 1u);
  EXPECT_TRUE(accounts.remove(laser));
  EXPECT_FALSE(accounts.remove(laser));
  EXPECT_FALSE(accounts.set_secret(laser, "h3", 30));
  EXPECT_FALSE(accounts.by_username("board-1"));
}

TEST_F(BoardAccountsRepositoryTest, OnePerMachineAndOnlyForMachinesThatExist) {
  const Id laser = add_machine("LASER");
  accounts.create(account(laser));
  try {
    accounts.create(account(laser, "other"));
    ADD_FAILURE() << "a second account for one machine";
  } catch (const Conflict& e) {
    EXPECT_EQ(e.field(), "board_account");
  }
  try {
    accounts.create(account(999));
    ADD_FAILURE() << "an account for no machine";
  } catch (const Conflict& e) {
    EXPECT_EQ(e.field(), "machine");
  }
}

TEST_F(BoardAccountsRepositoryTest, GoesWithItsMachine) {
  const Id laser = add_machine("LASER");
  accounts.create(account(laser));
  MachinesRepository(conn).remove(laser);
  EXPECT_FALSE(accounts.by_machine(laser));
}

TEST_F(BoardAccountsRepositoryTest, DiscoveredBoardsAreCappedAndPurged) {
  DiscoveredBoardsRepository discovered(conn);
  for (Id id = 100; id < 110; ++id)
    discovered.record(id, BoardReport{.ip_address = "x", .fw_version = "1"}, double(id));
  EXPECT_EQ(discovered.keep_newest(4), 6);
  const auto left = discovered.list();
  ASSERT_EQ(left.size(), 4u);
  EXPECT_EQ(left.front().machine_id, 106);  // the most recently seen stay
  EXPECT_EQ(discovered.keep_newest(4), 0);
  EXPECT_EQ(discovered.purge_older_than(108), 2);
  EXPECT_EQ(discovered.list().size(), 2u);
}

TEST_F(BoardAccountsRepositoryTest, UnknownTapsOncePerCardAndMachineWithinTheWindowAndCapped) {
  const Id laser = add_machine("LASER");
  const Id drill = add_machine("DRILL");
  UnknownTapRecorder recorder({.window_s = 60, .max_rows = 5, .max_remembered = 100});
  int recorded = 0;
  const auto tap = [&](std::string_view card, Id machine, double when) {
    if (!recorder.due(card, machine, when)) return;
    recorder.record(conn, card, machine, when);
    ++recorded;
  };
  tap("aabbccdd", laser, 0);
  tap("AABBCCDD", laser, 10);  // the same card, any case
  tap("aabbccdd", drill, 20);  // another machine
  tap("aabbccdd", laser, 59);
  tap("aabbccdd", laser, 61);  // the window has passed
  EXPECT_EQ(recorded, 3);
  EXPECT_EQ(count_rows("unknown_cards"), 3);
  for (int i = 0; i < 20; ++i)
    tap("0000000" + std::to_string(i % 10), laser, 100 + i);
  EXPECT_EQ(count_rows("unknown_cards"), 5) << "the oldest taps go";
  const auto newest = UnknownCardsRepository(conn).list();
  ASSERT_FALSE(newest.empty());
  EXPECT_EQ(newest.front().timestamp, 109.0) << "cards 0..9 once each in the window";
}

}  // namespace
}  // namespace fabomatic::db::test
