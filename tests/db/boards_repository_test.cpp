#include "db/boards_repository.hpp"

#include "db/repository.hpp"
#include "repo_support.hpp"

namespace fabomatic::db::test {
namespace {

class BoardsRepositoryTest : public RepoTest {
 protected:
  BoardsRepository boards{conn};
  Id machine = add_machine("LASER 1");
};

TEST_F(BoardsRepositoryTest, UpsertCreatesThenUpdatesTheMachinesBoard) {
  const Id id = boards.upsert(
      machine,
      BoardReport{
          .ip_address = "192.168.1.5", .fw_version = "0.7.3", .serial = "a1b2", .heap = 183456},
      100);
  auto board = boards.by_machine(machine);
  ASSERT_TRUE(board);
  EXPECT_EQ(board->id, id);
  EXPECT_EQ(board->machine_id, machine);
  EXPECT_EQ(board->ip_address, "192.168.1.5");
  EXPECT_EQ(board->fw_version, "0.7.3");
  EXPECT_EQ(board->last_seen, 100.0);
  EXPECT_EQ(board->serial, "a1b2");
  EXPECT_EQ(board->heap, 183456);

  EXPECT_EQ(
      boards.upsert(machine, BoardReport{.ip_address = "192.168.1.6", .fw_version = "0.8"}, 200),
      id);
  board = boards.get(id);
  EXPECT_EQ(board->ip_address, "192.168.1.6");
  EXPECT_EQ(board->fw_version, "0.8");
  EXPECT_EQ(board->last_seen, 200.0);
  EXPECT_FALSE(board->serial);
  EXPECT_FALSE(board->heap);
  EXPECT_EQ(count_rows("boards"), 1);
}

TEST_F(BoardsRepositoryTest, UpsertUpdatesTheLowestIdOfSeveralLegacyBoards) {
  const Id first =
      boards.create(Board{.machine_id = machine, .ip_address = "a", .fw_version = "1"});
  const Id second =
      boards.create(Board{.machine_id = machine, .ip_address = "b", .fw_version = "1"});
  EXPECT_EQ(boards.upsert(machine, BoardReport{.ip_address = "c", .fw_version = "2"}, 9), first);
  EXPECT_EQ(boards.get(first)->ip_address, "c");
  EXPECT_EQ(boards.get(second)->ip_address, "b");
}

TEST_F(BoardsRepositoryTest, CrudAndList) {
  const Id other = add_machine("PRINTER");
  const Id b2 = boards.create(Board{.machine_id = other, .ip_address = "2", .fw_version = "f"});
  const Id b1 = boards.create(Board{.machine_id = machine, .ip_address = "1", .fw_version = "f"});
  const auto all = boards.list();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, b1);
  EXPECT_EQ(all[1].id, b2);
  auto board = *boards.get(b2);
  board.machine_id = machine;
  board.heap = 5;
  EXPECT_TRUE(boards.update(board));
  EXPECT_EQ(boards.get(b2)->machine_id, machine);
  EXPECT_EQ(boards.get(b2)->heap, 5);
  EXPECT_TRUE(boards.remove(b1));
  EXPECT_FALSE(boards.get(b1));
  EXPECT_FALSE(boards.remove(b1));
  EXPECT_FALSE(boards.by_machine(other));
  board.id = 999;
  EXPECT_FALSE(boards.update(board));
}

TEST_F(BoardsRepositoryTest, ABoardOfAMissingMachineConflicts) {
  try {
    boards.create(Board{.machine_id = 999, .ip_address = "1", .fw_version = "f"});
    FAIL() << "expected Conflict";
  } catch (const Conflict& conflict) {
    EXPECT_EQ(conflict.field(), "machine");
  }
}

}  // namespace
}  // namespace fabomatic::db::test
