// Roles (reserved ones untouchable, PATCH keeps flags, in-use ones not deletable) and machine
// types (ranges, in-use ones not deletable).
#include "support_api.hpp"

namespace fabomatic::web::api::test {
namespace {

using RolesTest = ApiTest;
using MachineTypesTest = ApiTest;

TEST_F(RolesTest, ListsSeededRolesWithMemberCounts) {
  const Reply reply = get("/api/v1/roles");
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body["total"], 4);
  EXPECT_EQ(reply.body["items"][0]["name"], "admins");
  EXPECT_EQ(reply.body["items"][0]["reserved"], true);
  EXPECT_EQ(reply.body["items"][0]["member_count"], 1);
  const Reply by_name = get("/api/v1/roles?sort=name&order=desc&limit=2");
  ASSERT_EQ(by_name.body["items"].size(), 2u);
  EXPECT_EQ(by_name.body["items"][0]["name"], "Fab Users");
  EXPECT_EQ(by_name.body["total"], 4);
}

TEST_F(RolesTest, PatchDoesNotClearFlagsItIsNotGiven) {
  const db::Id id = create("roles", json{{"name", "Tutors"},
                                         {"backend_admin", true},
                                         {"maintenance", true},
                                         {"authorize_all", true}});
  const Reply reply = patch("/api/v1/roles/" + std::to_string(id), {{"name", "Tutor team"}});
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body["name"], "Tutor team");
  EXPECT_EQ(reply.body["backend_admin"], true);
  EXPECT_EQ(reply.body["maintenance"], true);
  EXPECT_EQ(reply.body["authorize_all"], true);
  const Reply one_flag = patch("/api/v1/roles/" + std::to_string(id), {{"maintenance", false}});
  EXPECT_EQ(one_flag.body["maintenance"], false);
  EXPECT_EQ(one_flag.body["backend_admin"], true);
  EXPECT_EQ(one_flag.body["authorize_all"], true);
}

TEST_F(RolesTest, ReservedRolesCannotBeEditedOrDeleted) {
  for (const char* url : {"/api/v1/roles/1", "/api/v1/roles/4"}) {
    const Reply edit = patch(url, {{"name", "Renamed"}});
    EXPECT_EQ(edit.status, 409) << url;
    EXPECT_NE(edit.field("reserved"), "");
    EXPECT_EQ(del(url).status, 409) << url;
  }
  EXPECT_EQ(get("/api/v1/roles/1").body["name"], "admins");
  EXPECT_TRUE(audit_entries().empty());
}

TEST_F(RolesTest, DuplicateNameIs409) {
  const Reply reply = post("/api/v1/roles", {{"name", "Fab Staff"}});
  EXPECT_EQ(reply.status, 409);
  EXPECT_NE(reply.field("name"), "");
  EXPECT_EQ(patch("/api/v1/roles/3", {{"name", "Fab Staff"}}).status, 409);
}

TEST_F(RolesTest, RoleInUseCannotBeDeletedUnusedOneCan) {
  create("members", json{{"name", "Anna"}, {"role_id", 3}});
  const Reply in_use = del("/api/v1/roles/3");
  EXPECT_EQ(in_use.status, 409);
  EXPECT_NE(in_use.field("references").find("1 member"), std::string::npos);
  EXPECT_EQ(del("/api/v1/roles/2").status, 204);
  EXPECT_EQ(get("/api/v1/roles/2").status, 404);
  const auto entry = audit_entries()[0];
  EXPECT_EQ(entry.action, "delete");
  EXPECT_EQ(entry.entity, "role");
  EXPECT_EQ(json::parse(*entry.before_json)["name"], "Fab Staff");
}

TEST_F(RolesTest, ValidationOfRoleBodies) {
  const Reply reply = post("/api/v1/roles", {{"backend_admin", 1}, {"reserved", nullptr}});
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.field("name"), "required");
  EXPECT_EQ(reply.field("backend_admin"), "must be true or false");
  EXPECT_EQ(reply.field("reserved"), "must be true or false");
}

TEST_F(MachineTypesTest, ValuesMustBeWithinRange) {
  const Reply reply = post("/api/v1/machine-types", {{"name", "Laser"},
                                                     {"timeout_min", 65536},
                                                     {"grace_period_min", -1},
                                                     {"access_management", 2}});
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.field("timeout_min"), "must be between 0 and 65535");
  EXPECT_EQ(reply.field("grace_period_min"), "must be between 0 and 65535");
  EXPECT_EQ(reply.field("access_management"), "must be between 0 and 1");
  EXPECT_EQ(
      post("/api/v1/machine-types", {{"name", "Laser"}, {"timeout_min", 1.5}}).field("timeout_min"),
      "must be an integer");

  const Reply ok = post("/api/v1/machine-types", {{"name", "Laser"},
                                                  {"timeout_min", 65535},
                                                  {"grace_period_min", 0},
                                                  {"access_management", 1}});
  ASSERT_EQ(ok.status, 201);
  EXPECT_EQ(ok.body["timeout_min"], 65535);
  EXPECT_EQ(ok.body["machine_count"], 0);
  const std::string url = "/api/v1/machine-types/" + std::to_string(ok.body["id"].get<int>());
  const Reply patched = patch(url, {{"grace_period_min", 5}});
  EXPECT_EQ(patched.body["timeout_min"], 65535);
  EXPECT_EQ(patched.body["access_management"], 1);
  EXPECT_EQ(patched.body["grace_period_min"], 5);
}

TEST_F(MachineTypesTest, TypeInUseCannotBeDeleted) {
  const Reply in_use = del("/api/v1/machine-types/1");  // MACHINE1 has it
  EXPECT_EQ(in_use.status, 409);
  EXPECT_NE(in_use.field("references"), "");
  EXPECT_EQ(post("/api/v1/machine-types", {{"name", "Default type"}}).status, 409);
  const db::Id id = create("machine-types", {{"name", "Spare"}});
  EXPECT_EQ(del("/api/v1/machine-types/" + std::to_string(id)).status, 204);
  EXPECT_EQ(del("/api/v1/machine-types/" + std::to_string(id)).status, 404);
}

}  // namespace
}  // namespace fabomatic::web::api::test
