// Every per-field error carries a stable code next to its English sentence, so that clients
// translate by code (web/auth/field_errors.hpp lists the set). The fixture already checks that
// every answer with "fields" has a documented code for each field; here each kind is provoked
// where it is made, with its parameters.
#include <set>

#include "support_api.hpp"
#include "web/api/openapi.hpp"
#include "web/auth/field_errors.hpp"

namespace fabomatic::web::api::test {
namespace {

class FieldCodesTest : public ApiTest {
 protected:
  // The field's code object; records the code as seen.
  json code_of(const Reply& reply, const std::string& field) {
    const json code = reply.field_code(field);
    EXPECT_TRUE(code.is_object()) << field << " in " << reply.body.dump();
    if (code.is_object()) seen_.insert(code["code"].get<std::string>());
    return code;
  }
  std::set<std::string> seen_;
};

TEST_F(FieldCodesTest, TheDocumentListsExactlyTheCodesTheServerKnows) {
  const Json schema = openapi_schemas()["FieldCode"];
  std::vector<std::string> listed = schema["properties"]["code"]["enum"];
  EXPECT_EQ(listed, std::vector<std::string>(kFieldCodes.begin(), kFieldCodes.end()));
  const Json error = openapi_schemas()["Error"]["properties"]["error"]["properties"];
  EXPECT_EQ(error["field_codes"]["additionalProperties"]["$ref"], "#/components/schemas/FieldCode");
}

TEST_F(FieldCodesTest, EachKindOfFieldErrorHasItsCodeAndParameters) {
  // Body readers (web/api/json.cpp).
  Reply bad = post("/api/v1/members", json{{"surname", 5},
                                           {"role_id", 99},
                                           {"card", "xyz"},
                                           {"email", "not-an-address"},
                                           {"password", "short"},
                                           {"colour", "red"}});
  ASSERT_EQ(bad.status, 400);
  EXPECT_EQ(code_of(bad, "name"), (json{{"code", "required"}}));
  EXPECT_EQ(code_of(bad, "surname"), (json{{"code", "type"}, {"expected", "string"}}));
  EXPECT_EQ(code_of(bad, "role_id"), (json{{"code", "unknown_reference"}, {"entity", "role"}}));
  EXPECT_EQ(code_of(bad, "card"), (json{{"code", "pattern"}, {"format", "card"}}));
  EXPECT_EQ(code_of(bad, "email"), (json{{"code", "pattern"}, {"format", "email"}}));
  EXPECT_EQ(code_of(bad, "password"), (json{{"code", "too_short"}, {"min", 8}}));
  EXPECT_EQ(code_of(bad, "colour"), (json{{"code", "unknown_field"}}));

  bad = post("/api/v1/members", json{{"name", std::string(101, 'a')}, {"role_id", "3"}});
  EXPECT_EQ(code_of(bad, "name"), (json{{"code", "too_long"}, {"max", 100}}));
  EXPECT_EQ(code_of(bad, "role_id"), (json{{"code", "type"}, {"expected", "integer"}}));
  EXPECT_EQ(bad.field("name"), "at most 100 characters");  // the sentence stays as it was

  bad = post("/api/v1/machine-types", json{{"name", "T"}, {"timeout_min", 70000}});
  EXPECT_EQ(code_of(bad, "timeout_min"), (json{{"code", "range"}, {"min", 0}, {"max", 65535}}));

  bad = post("/api/v1/maintenance-plans", json{{"machine_id", 1},
                                               {"description", "Belt"},
                                               {"hours_between", 10},
                                               {"instructions_url", "ftp://x"}});
  EXPECT_EQ(code_of(bad, "instructions_url"), (json{{"code", "pattern"}, {"format", "url"}}));

  bad = post("/api/v1/authorizations/bulk", json{{"machine_id", 1}, {"member_ids", {1, 777}}});
  EXPECT_EQ(code_of(bad, "member_ids"),
            (json{{"code", "unknown_reference"}, {"entity", "member"}, {"ids", {777}}}));

  bad =
      post("/api/v1/uses", json{{"member_id", 1}, {"machine_id", 1}, {"start", 100}, {"end", 50}});
  EXPECT_EQ(code_of(bad, "end"), (json{{"code", "order"}, {"after", "start"}}));

  // Query readers.
  bad = get("/api/v1/members?sort=colour&order=up&limit=0");
  EXPECT_EQ(code_of(bad, "sort"),
            (json{{"code", "choice"}, {"allowed", {"id", "name", "card", "email", "role"}}}));
  EXPECT_EQ(code_of(bad, "order"), (json{{"code", "choice"}, {"allowed", {"asc", "desc"}}}));
  EXPECT_EQ(code_of(bad, "limit"), (json{{"code", "range"}, {"min", 1}, {"max", 500}}));

  // The handlers' conflicts (409 naming the field).
  create("members", json{{"name", "Anna"}, {"role_id", 3}, {"card", "aabbccdd"}});
  Reply conflict =
      post("/api/v1/members", json{{"name", "Bruno"}, {"role_id", 3}, {"card", "AABBCCDD"}});
  EXPECT_EQ(conflict.status, 409);
  EXPECT_EQ(code_of(conflict, "card"), (json{{"code", "taken"}}));
  conflict = del("/api/v1/roles/3");  // Anna has this role
  EXPECT_EQ(conflict.status, 409);
  EXPECT_EQ(code_of(conflict, "references"),
            (json{{"code", "in_use"}, {"count", 1}, {"entity", "member"}}));
  conflict = patch("/api/v1/members/2", {{"name", "Someone"}});  // the Anonymous member
  EXPECT_EQ(code_of(conflict, "reserved"), (json{{"code", "reserved"}}));
  conflict = patch("/api/v1/members/1", {{"disabled", true}});
  EXPECT_EQ(code_of(conflict, "disabled"), (json{{"code", "self"}}));
  const db::Id gone = create("members", json{{"name", "Gone"}, {"role_id", 3}});
  ASSERT_EQ(del("/api/v1/members/" + std::to_string(gone)).status, 200);
  conflict = patch("/api/v1/members/" + std::to_string(gone), {{"name", "Back"}});
  EXPECT_EQ(code_of(conflict, "deleted"), (json{{"code", "deleted"}}));
  const db::Id open = create("uses", json{{"member_id", 1}, {"machine_id", 1}, {"start", 100}});
  conflict = post("/api/v1/uses", json{{"member_id", 1}, {"machine_id", 1}, {"start", 200}});
  EXPECT_EQ(conflict.status, 409);
  EXPECT_EQ(code_of(conflict, "end"), (json{{"code", "open_use"}, {"use_id", open}}));
  const Reply later =
      post("/api/v1/uses", json{{"member_id", 1}, {"machine_id", 1}, {"start", 4e9}});
  EXPECT_EQ(code_of(later, "start"), (json{{"code", "future"}, {"now", now_}}));
  const Reply pasted = post("/api/v1/members", json{{"name", "Anna\tNeri"}, {"role_id", 3}});
  EXPECT_EQ(code_of(pasted, "name"), (json{{"code", "control_characters"}, {"single_line", true}}));

  // Every code but the sign-in ones (tests/web_auth), the settings file's (unusable:
  // tests/app/settings_store_test) and the catch-all was met above.
  std::set<std::string> expected(kFieldCodes.begin(), kFieldCodes.end());
  for (const char* elsewhere : {"wrong_password", "same_password", "unusable", "invalid"})
    expected.erase(elsewhere);
  EXPECT_EQ(seen_, expected);
}

TEST_F(FieldCodesTest, ARepositoryConflictHasItsCodeToo) {
  // A duplicate name is found by the database's unique index, not by the handler.
  create("machine-types", json{{"name", "Laser"}});
  const Reply reply = post("/api/v1/machine-types", json{{"name", "Laser"}});
  EXPECT_EQ(reply.status, 409);
  EXPECT_EQ(code_of(reply, "name"), (json{{"code", "taken"}}));
}

}  // namespace
}  // namespace fabomatic::web::api::test
