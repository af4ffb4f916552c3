// Authorizations: pairs, duplicates, filters, bulk add skipping existing pairs.
#include "support_api.hpp"

namespace fabomatic::web::api::test {
namespace {

using AuthorizationsTest = ApiTest;

class AuthorizationsWithMembers : public ApiTest {
 protected:
  AuthorizationsWithMembers() {
    for (int i = 0; i < 4; ++i)
      members.push_back(create("members", {{"name", "M" + std::to_string(i)}, {"role_id", 3}}));
    machine2 = create("machines", {{"name", "Laser"}});
  }
  std::vector<db::Id> members;
  db::Id machine2 = 0;
};

TEST_F(AuthorizationsWithMembers, CreateGetPatchDelete) {
  const Reply created =
      post("/api/v1/authorizations", {{"member_id", members[0]}, {"machine_id", 1}});
  ASSERT_EQ(created.status, 201);
  EXPECT_EQ(created.body["member_name"], "M0");
  EXPECT_EQ(created.body["machine_name"], "MACHINE1");
  const std::string url = "/api/v1/authorizations/" + std::to_string(created.body["id"].get<int>());
  EXPECT_EQ(get(url).body, created.body);

  const Reply dup = post("/api/v1/authorizations", {{"member_id", members[0]}, {"machine_id", 1}});
  EXPECT_EQ(dup.status, 409);
  EXPECT_NE(dup.field("member_id"), "");

  const Reply moved = patch(url, {{"machine_id", machine2}});
  ASSERT_EQ(moved.status, 200);
  EXPECT_EQ(moved.body["machine_id"], machine2);
  EXPECT_EQ(moved.body["member_id"], members[0]);
  EXPECT_EQ(del(url).status, 204);
  EXPECT_EQ(get(url).status, 404);
  const auto entries = audit_entries();
  EXPECT_EQ(entries[0].action, "delete");
  EXPECT_EQ(entries[1].action, "update");
  EXPECT_EQ(entries[2].action, "create");
  EXPECT_EQ(entries[2].entity, "authorization");
}

TEST_F(AuthorizationsWithMembers, ValidationOfPairs) {
  const Reply reply = post("/api/v1/authorizations", {{"member_id", 999}, {"machine_id", 0}});
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.field("member_id"), "no such member");
  EXPECT_NE(reply.field("machine_id"), "");
  EXPECT_EQ(post("/api/v1/authorizations", json::object()).field("machine_id"), "required");
  del("/api/v1/members/" + std::to_string(members[3]));
  EXPECT_EQ(post("/api/v1/authorizations", {{"member_id", members[3]}, {"machine_id", 1}})
                .field("member_id"),
            "the member is deleted");
}

TEST_F(AuthorizationsWithMembers, BulkAddSkipsExistingPairsAndRepeats) {
  create("authorizations", {{"member_id", members[1]}, {"machine_id", 1}});
  const Reply reply =
      post("/api/v1/authorizations/bulk",
           {{"machine_id", 1}, {"member_ids", {members[0], members[1], members[2], members[2]}}});
  ASSERT_EQ(reply.status, 200) << reply.body.dump();
  EXPECT_EQ(reply.body["added"], 2);
  EXPECT_EQ(reply.body["skipped"], 1);
  EXPECT_EQ(reply.body["skipped_member_ids"], json::array({members[1]}));
  EXPECT_EQ(get("/api/v1/authorizations?machine_id=1").body["total"], 3);
  const auto entry = audit_entries()[0];
  EXPECT_EQ(entry.action, "bulk_add");
  EXPECT_EQ(json::parse(*entry.after_json)["member_ids"], json::array({members[0], members[2]}));

  // Everything existing: nothing added, nothing audited.
  const auto audited = audit_entries().size();
  const Reply again =
      post("/api/v1/authorizations/bulk", {{"machine_id", 1}, {"member_ids", {members[0]}}});
  EXPECT_EQ(again.body["added"], 0);
  EXPECT_EQ(audit_entries().size(), audited);
}

TEST_F(AuthorizationsWithMembers, BulkAddRefusesUnknownMembersWholesale) {
  const Reply reply = post("/api/v1/authorizations/bulk",
                           {{"machine_id", 1}, {"member_ids", {members[0], 998, 999}}});
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.field("member_ids"), "no such member (or deleted): 998, 999");
  EXPECT_EQ(count_rows("authorizations"), 0);
  EXPECT_EQ(post("/api/v1/authorizations/bulk", {{"machine_id", 77}, {"member_ids", "all"}})
                .field("member_ids"),
            "must be an array of ids");
  EXPECT_EQ(post("/api/v1/authorizations/bulk", {{"machine_id", 77}, {"member_ids", {1, -2}}})
                .field("member_ids"),
            "must be an array of positive integer ids");
  EXPECT_EQ(post("/api/v1/authorizations/bulk", {{"machine_id", 77}, {"member_ids", {1}}})
                .field("machine_id"),
            "no such machine");
}

TEST_F(AuthorizationsWithMembers, FiltersAndSort) {
  post("/api/v1/authorizations/bulk", {{"machine_id", 1}, {"member_ids", members}});
  post("/api/v1/authorizations/bulk", {{"machine_id", machine2}, {"member_ids", {members[0]}}});
  EXPECT_EQ(get("/api/v1/authorizations").body["total"], 5);
  EXPECT_EQ(get("/api/v1/authorizations?member_id=" + std::to_string(members[0])).body["total"], 2);
  EXPECT_EQ(get("/api/v1/authorizations?member_id=" + std::to_string(members[0]) +
                "&machine_id=" + std::to_string(machine2))
                .body["total"],
            1);
  const Reply sorted = get("/api/v1/authorizations?sort=machine&order=desc&limit=1");
  EXPECT_EQ(sorted.body["items"][0]["machine_id"], machine2);
  EXPECT_EQ(get("/api/v1/authorizations?sort=user").field("sort"),
            "must be one of: id, member, machine");
}

}  // namespace
}  // namespace fabomatic::web::api::test
