#include "db/machine_types_repository.hpp"

#include "db/repository.hpp"
#include "repo_support.hpp"

namespace fabomatic::db::test {
namespace {

class MachineTypesRepositoryTest : public RepoTest {
 protected:
  MachineTypesRepository types{conn};
};

TEST_F(MachineTypesRepositoryTest, CreateGetListUpdateRemove) {
  const Id laser = types.create(MachineType{
      .name = "LASER", .timeout_min = 1440, .grace_period_min = 2, .access_management = 0});
  const Id drill = types.create(MachineType{
      .name = "DRILL", .timeout_min = 0, .grace_period_min = 0, .access_management = 1});
  const auto type = types.get(drill);
  ASSERT_TRUE(type);
  EXPECT_EQ(type->name, "DRILL");
  EXPECT_EQ(type->timeout_min, 0);
  EXPECT_EQ(type->grace_period_min, 0);
  EXPECT_EQ(type->access_management, 1);
  EXPECT_EQ(types.by_name("LASER")->id, laser);
  EXPECT_FALSE(types.by_name("CNC"));
  ASSERT_EQ(types.list().size(), 2u);
  EXPECT_EQ(types.list()[0].id, laser);

  EXPECT_TRUE(types.update(MachineType{.id = laser,
                                       .name = "LASER CO2",
                                       .timeout_min = 65535,
                                       .grace_period_min = 10,
                                       .access_management = 1}));
  const auto changed = types.get(laser);
  EXPECT_EQ(changed->name, "LASER CO2");
  EXPECT_EQ(changed->timeout_min, 65535);
  EXPECT_EQ(changed->grace_period_min, 10);
  EXPECT_EQ(changed->access_management, 1);
  EXPECT_FALSE(types.update(MachineType{.id = 999, .name = "X"}));

  EXPECT_TRUE(types.remove(drill));
  EXPECT_FALSE(types.get(drill));
  EXPECT_FALSE(types.remove(drill));
}

// NULL grace (a 0.0.18 database): the Python backend sent null and the board used its own
// default, 2 minutes; 0 would make the board cut the power at once.
TEST_F(MachineTypesRepositoryTest, LegacyNullGraceReadsAsTheBoardsDefaultAndNullAccessAsZero) {
  conn.execute(
      "INSERT INTO machine_types (type_id, type_name, type_timeout_min, grace_period_min, "
      "access_management) VALUES (7, 'OLD', 30, NULL, NULL)");
  const auto type = types.get(7);
  EXPECT_EQ(type->grace_period_min, 2);
  EXPECT_EQ(type->access_management, 0);
}

TEST_F(MachineTypesRepositoryTest, ConflictsOnDuplicateNameAndWhileMachinesUseTheType) {
  const Id laser = types.create(MachineType{.name = "LASER"});
  try {
    types.create(MachineType{.name = "LASER"});
    FAIL() << "expected Conflict";
  } catch (const Conflict& conflict) {
    EXPECT_EQ(conflict.field(), "name");
  }
  add_machine("LASER 1", laser);
  EXPECT_EQ(types.count_machines(laser), 1);
  try {
    types.remove(laser);
    FAIL() << "expected Conflict";
  } catch (const Conflict& conflict) {
    EXPECT_EQ(conflict.field(), "references");
  }
  EXPECT_TRUE(types.get(laser));
}

}  // namespace
}  // namespace fabomatic::db::test
