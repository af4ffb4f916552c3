#include "db/discovered_boards_repository.hpp"

#include "repo_support.hpp"

namespace fabomatic::db::test {
namespace {

class DiscoveredBoardsRepositoryTest : public RepoTest {
 protected:
  DiscoveredBoardsRepository discovered{conn};
};

TEST_F(DiscoveredBoardsRepositoryTest, RecordKeepsFirstSeenAndRefreshesTheRest) {
  discovered.record(
      7, BoardReport{.ip_address = "10.0.0.7", .fw_version = "0.7", .serial = "s", .heap = 1}, 100);
  discovered.record(7, BoardReport{.ip_address = "10.0.0.8", .fw_version = "0.8"}, 250);
  const auto board = discovered.get(7);
  ASSERT_TRUE(board);
  EXPECT_EQ(board->machine_id, 7);
  EXPECT_EQ(board->ip_address, "10.0.0.8");
  EXPECT_EQ(board->fw_version, "0.8");
  EXPECT_FALSE(board->serial);
  EXPECT_FALSE(board->heap);
  EXPECT_EQ(board->first_seen, 100.0);
  EXPECT_EQ(board->last_seen, 250.0);
  EXPECT_EQ(count_rows("discovered_boards"), 1);
  EXPECT_FALSE(discovered.get(8));
}

// Beyond 2^31 - 1 no machine can take the id (kMaxChosenMachineId): nothing to adopt.
TEST_F(DiscoveredBoardsRepositoryTest, AnIdNoMachineCouldTakeIsNotRecorded) {
  EXPECT_TRUE(discovered.record(kMaxChosenMachineId, BoardReport{.ip_address = "a"}, 1));
  EXPECT_FALSE(discovered.record(kMaxChosenMachineId + 1, BoardReport{.ip_address = "b"}, 1));
  EXPECT_EQ(count_rows("discovered_boards"), 1);
}

TEST_F(DiscoveredBoardsRepositoryTest, ListOmitsMachinesThatNowExistAndRemoveForgets) {
  discovered.record(9, BoardReport{.ip_address = "a", .fw_version = "1"}, 1);
  discovered.record(3, BoardReport{.ip_address = "b", .fw_version = "1"}, 2);
  auto list = discovered.list();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].machine_id, 3);
  EXPECT_EQ(list[1].machine_id, 9);

  MachinesRepository(conn).create(Machine{.id = 3, .name = "ADOPTED"});
  list = discovered.list();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].machine_id, 9);

  EXPECT_TRUE(discovered.remove(9));
  EXPECT_FALSE(discovered.remove(9));
  EXPECT_TRUE(discovered.list().empty());
}

}  // namespace
}  // namespace fabomatic::db::test
