// Members: validation, cards, soft delete, PATCH semantics, e-mail and self-protection rules.
#include "db/unknown_cards_repository.hpp"
#include "db/users_repository.hpp"
#include "support_api.hpp"

namespace fabomatic::web::api::test {
namespace {

using MembersTest = ApiTest;

json member(const std::string& name, const std::string& card) {
  return json{{"name", name}, {"surname", "Rossi"}, {"role_id", 3}, {"card", card}};
}

TEST_F(MembersTest, ListsSeededMembersWithoutPasswordHashes) {
  const Reply reply = get("/api/v1/members");
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body["total"], 2);  // admin and Anonymous
  EXPECT_EQ(reply.body["limit"], 50);
  EXPECT_EQ(reply.body["offset"], 0);
  const auto& admin = reply.body["items"][0];
  EXPECT_EQ(admin["id"], 1);
  EXPECT_EQ(admin["card"], "12345678");  // given by the fixture: a new database has none
  EXPECT_EQ(admin["role_name"], "admins");
  EXPECT_EQ(admin["has_password"], false);  // the first start's setup code sets it
  EXPECT_FALSE(admin.contains("password_hash"));
  EXPECT_EQ(reply.body.dump().find("argon2"), std::string::npos);
}

TEST_F(MembersTest, CreateStoresTheCardLowercaseAndAudits) {
  const Reply reply = post("/api/v1/members", member("Anna", "AABBCCDD"));
  ASSERT_EQ(reply.status, 201) << reply.body.dump();
  EXPECT_EQ(reply.body["card"], "aabbccdd");
  EXPECT_EQ(reply.body["role_name"], "Fab Users");
  EXPECT_EQ(reply.body["disabled"], false);
  EXPECT_EQ(reply.body["has_password"], false);
  const db::Id id = reply.body["id"];
  EXPECT_EQ(get("/api/v1/members/" + std::to_string(id)).body, reply.body);

  const auto entries = audit_entries();
  ASSERT_FALSE(entries.empty());
  EXPECT_EQ(entries[0].action, "create");
  EXPECT_EQ(entries[0].entity, "user");
  EXPECT_EQ(entries[0].entity_id, id);
  EXPECT_EQ(entries[0].user_id, 1);
  EXPECT_FALSE(entries[0].before_json);
  ASSERT_TRUE(entries[0].after_json);
  EXPECT_EQ(json::parse(*entries[0].after_json)["card"], "aabbccdd");
}

TEST_F(MembersTest, ValidationNamesEveryBadField) {
  const Reply reply = post("/api/v1/members", json{{"surname", 5},
                                                   {"role_id", 99},
                                                   {"card", "xyz"},
                                                   {"email", "not-an-address"},
                                                   {"disabled", "yes"},
                                                   {"password", "short"},
                                                   {"colour", "red"}});
  ASSERT_EQ(reply.status, 400);
  EXPECT_EQ(reply.code(), "invalid");
  EXPECT_EQ(reply.field("name"), "required");
  EXPECT_EQ(reply.field("surname"), "must be a string");
  EXPECT_EQ(reply.field("role_id"), "no such role");
  EXPECT_EQ(reply.field("card"), "must be 8 hexadecimal characters");
  EXPECT_EQ(reply.field("email"), "not an e-mail address");
  EXPECT_EQ(reply.field("disabled"), "must be true or false");
  EXPECT_EQ(reply.field("password"), "at least 8 characters");
  EXPECT_EQ(reply.field("colour"), "unknown field");
  EXPECT_EQ(count_rows("users"), 2);  // nothing written
  EXPECT_TRUE(audit_entries().empty());
}

TEST_F(MembersTest, EmptyAndOverlongNamesAreRefused) {
  EXPECT_EQ(post("/api/v1/members", json{{"name", "   "}, {"role_id", 3}}).field("name"),
            "must not be empty");
  EXPECT_EQ(
      post("/api/v1/members", json{{"name", std::string(101, 'a')}, {"role_id", 3}}).field("name"),
      "at most 100 characters");
  // 100 characters of two bytes each are still 100 characters.
  std::string accented;
  for (int i = 0; i < 100; ++i)
    accented += "\xc3\xa8";
  EXPECT_EQ(post("/api/v1/members", json{{"name", accented}, {"role_id", 3}}).status, 201);
}

TEST_F(MembersTest, DuplicateCardIs409NamingTheCardInAnyCase) {
  create("members", member("Anna", "aabbccdd"));
  const Reply reply = post("/api/v1/members", member("Bruno", "AABBCCDD"));
  EXPECT_EQ(reply.status, 409);
  EXPECT_EQ(reply.code(), "conflict");
  EXPECT_NE(reply.field("card"), "");
  // The admin's card too, through PATCH.
  const db::Id bruno = create("members", member("Bruno", "11112222"));
  const Reply patched = patch("/api/v1/members/" + std::to_string(bruno), {{"card", "12345678"}});
  EXPECT_EQ(patched.status, 409);
  EXPECT_NE(patched.field("card"), "");
}

TEST_F(MembersTest, DuplicateEmailIs409) {
  const Reply reply =
      post("/api/v1/members", json{{"name", "X"}, {"role_id", 3}, {"email", "ADMIN@lab.example"}});
  EXPECT_EQ(reply.status, 409);
  EXPECT_NE(reply.field("email"), "");
}

TEST_F(MembersTest, PatchChangesOnlyTheGivenFields) {
  const db::Id id = create("members", json{{"name", "Anna"},
                                           {"surname", "Bianchi"},
                                           {"role_id", 2},
                                           {"card", "aabbccdd"},
                                           {"email", "anna@lab.example"},
                                           {"disabled", true},
                                           {"receive_weekly_summary", true}});
  const std::string url = "/api/v1/members/" + std::to_string(id);
  const Reply reply = patch(url, {{"surname", "Verdi"}});
  ASSERT_EQ(reply.status, 200) << reply.body.dump();
  EXPECT_EQ(reply.body["surname"], "Verdi");
  EXPECT_EQ(reply.body["name"], "Anna");
  EXPECT_EQ(reply.body["card"], "aabbccdd");
  EXPECT_EQ(reply.body["email"], "anna@lab.example");
  EXPECT_EQ(reply.body["disabled"], true);
  EXPECT_EQ(reply.body["receive_weekly_summary"], true);
  EXPECT_EQ(reply.body["role_id"], 2);

  // null clears a nullable field; the audit entry shows before and after.
  EXPECT_EQ(patch(url, {{"email", nullptr}, {"card", ""}}).body["email"], nullptr);
  const auto entry = audit_entries()[0];
  EXPECT_EQ(entry.action, "update");
  EXPECT_EQ(json::parse(*entry.before_json)["email"], "anna@lab.example");
  EXPECT_EQ(json::parse(*entry.after_json)["card"], nullptr);
}

TEST_F(MembersTest, AnUpdateThatChangesNothingLeavesNoAuditEntry) {
  const db::Id id = create("members", member("Anna", "aabbccdd"));
  const std::string url = "/api/v1/members/" + std::to_string(id);
  const auto audited = audit_entries().size();
  EXPECT_EQ(patch(url, json::object()).status, 200);
  EXPECT_EQ(patch(url, {{"name", "Anna"}, {"card", "aabbccdd"}}).status, 200);
  EXPECT_EQ(audit_entries().size(), audited);
  EXPECT_EQ(patch(url, {{"name", "Anne"}}).status, 200);
  EXPECT_EQ(audit_entries().size(), audited + 1);
}

TEST_F(MembersTest, ANewPasswordIsAuditedWithoutItsValue) {
  const db::Id id =
      create("members", json{{"name", "Anna"}, {"role_id", 1}, {"password", "a long secret"}});
  const auto audited = audit_entries().size();
  // The member's JSON shows only has_password, true before and after: the entry must still say.
  ASSERT_EQ(patch("/api/v1/members/" + std::to_string(id), {{"password", "another secret"}}).status,
            200);
  ASSERT_EQ(audit_entries().size(), audited + 1);
  const auto entry = audit_entries()[0];
  EXPECT_EQ(json::parse(*entry.after_json)["password"], "(changed)");
  EXPECT_EQ(entry.after_json->find("another secret"), std::string::npos);
}

TEST_F(MembersTest, PasswordIsStoredHashedAndNeverAnswered) {
  const db::Id id =
      create("members", json{{"name", "Anna"}, {"role_id", 1}, {"password", "a long secret"}});
  const auto user = db::UsersRepository(db_).get(id);
  ASSERT_TRUE(user && user->password_hash);
  EXPECT_NE(*user->password_hash, "a long secret");
  EXPECT_EQ(get("/api/v1/members/" + std::to_string(id)).body["has_password"], true);
  for (const auto& entry : audit_entries())
    EXPECT_EQ(entry.after_json.value_or("").find("secret"), std::string::npos);
}

TEST_F(MembersTest, SoftDeleteFreesTheCardAndKeepsTheRow) {
  const db::Id id = create("members", member("Anna", "aabbccdd"));
  const std::string url = "/api/v1/members/" + std::to_string(id);
  const Reply reply = del(url);
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body["deleted"], true);
  EXPECT_EQ(reply.body["card"], nullptr);
  EXPECT_EQ(get(url).body["deleted"], true);  // history can still show who it was
  EXPECT_EQ(get("/api/v1/members").body["total"], 2);
  EXPECT_EQ(get("/api/v1/members?include_deleted=true").body["total"], 3);
  // The card is free for someone else.
  EXPECT_EQ(post("/api/v1/members", member("Bruno", "AABBCCDD")).status, 201);
  EXPECT_EQ(del(url).status, 404);
  EXPECT_EQ(patch(url, {{"name", "Again"}}).status, 409);
  EXPECT_EQ(audit_entries()[1].action, "delete");
}

TEST_F(MembersTest, AdminCannotLockThemselvesOut) {
  EXPECT_EQ(del("/api/v1/members/1").status, 409);
  EXPECT_EQ(patch("/api/v1/members/1", {{"disabled", true}}).field("disabled"),
            "you cannot disable your own account");
  EXPECT_EQ(patch("/api/v1/members/1", {{"role_id", 3}}).status, 409);
  EXPECT_EQ(patch("/api/v1/members/1", {{"surname", "Root"}}).status, 200);
}

TEST_F(MembersTest, AnonymousMemberCannotBeChanged) {
  const Reply reply = patch("/api/v1/members/2", {{"name", "Someone"}});
  EXPECT_EQ(reply.status, 409);
  EXPECT_NE(reply.field("reserved"), "");
  EXPECT_EQ(del("/api/v1/members/2").status, 409);
}

TEST_F(MembersTest, UnknownIdsAre404) {
  EXPECT_EQ(get("/api/v1/members/999").status, 404);
  EXPECT_EQ(get("/api/v1/members/999").code(), "not_found");
  EXPECT_EQ(get("/api/v1/members/abc").status, 404);
  EXPECT_EQ(get("/api/v1/members/01").status, 404);  // one spelling per id
  EXPECT_EQ(get("/api/v1/members/-1").status, 404);
  EXPECT_EQ(patch("/api/v1/members/999", {{"name", "x"}}).status, 404);
  EXPECT_EQ(del("/api/v1/members/999").status, 404);
}

TEST_F(MembersTest, PagingFiltersAndSort) {
  for (int i = 0; i < 7; ++i) {
    char card[9];
    std::snprintf(card, sizeof card, "0000000%d", i);
    create("members", json{{"name", "M" + std::to_string(i)},
                           {"surname", std::string(1, char('z' - i))},
                           {"role_id", i % 2 == 0 ? 2 : 3},
                           {"card", card},
                           {"disabled", i == 3}});
  }
  Reply page = get("/api/v1/members?limit=3&offset=3&sort=id&order=asc");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.body["total"], 9);
  ASSERT_EQ(page.body["items"].size(), 3u);
  EXPECT_EQ(page.body["items"][0]["id"], 4);
  EXPECT_EQ(page.body["limit"], 3);
  EXPECT_EQ(page.body["offset"], 3);

  page = get("/api/v1/members?role_id=2");
  EXPECT_EQ(page.body["total"], 4);
  page = get("/api/v1/members?disabled=true");
  EXPECT_EQ(page.body["total"], 2);  // M3 and Anonymous
  page = get("/api/v1/members?q=m5");
  ASSERT_EQ(page.body["total"], 1);
  EXPECT_EQ(page.body["items"][0]["name"], "M5");
  page = get("/api/v1/members?q=00000006");
  EXPECT_EQ(page.body["total"], 1);

  page = get("/api/v1/members?sort=name&order=desc&role_id=3");
  ASSERT_EQ(page.body["items"].size(), 3u);
  // surname descending: M1 (y), M3 (w), M5 (u)
  EXPECT_EQ(page.body["items"][0]["name"], "M1");
  EXPECT_EQ(page.body["items"][2]["name"], "M5");

  const Reply bad = get("/api/v1/members?sort=password_hash&order=up&limit=0&offset=-1&role_id=x");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.field("sort"), "must be one of: id, name, card, email, role");
  EXPECT_EQ(bad.field("order"), "must be one of: asc, desc");
  EXPECT_EQ(bad.field("limit"), "must be between 1 and 500");
  EXPECT_NE(bad.field("offset"), "");
  EXPECT_EQ(bad.field("role_id"), "must be a positive integer id");
  // A parameter the route does not take is refused: a typo would otherwise list everyone.
  EXPECT_EQ(get("/api/v1/members?role=2").field_code("role")["code"], "unknown_field");
}

TEST_F(MembersTest, OnlyTheAnonymousMemberIsReserved) {
  const Reply page = get("/api/v1/members?sort=id");
  ASSERT_EQ(page.body["items"].size(), 2u);
  EXPECT_EQ(page.body["items"][0]["reserved"], false);  // admin
  EXPECT_EQ(page.body["items"][1]["reserved"], true);   // Anonymous
  EXPECT_EQ(get("/api/v1/members/2").body["reserved"], true);
  const Reply created = post("/api/v1/members", member("Anna", "aabbccdd"));
  EXPECT_EQ(created.body["reserved"], false);
  // What the flag promises.
  EXPECT_EQ(patch("/api/v1/members/2", {{"surname", "X"}}).status, 409);
  EXPECT_EQ(del("/api/v1/members/2").status, 409);
}

TEST_F(MembersTest, CascadeCountsWhatStaysAndTheCardThatIsFreed) {
  const db::Id anna = create("members", member("Anna", "AABBCCDD"));
  const std::string url = "/api/v1/members/" + std::to_string(anna) + "/cascade";
  EXPECT_EQ(get(url).body,
            (json{{"uses", 0}, {"authorizations", 0}, {"interventions", 0}, {"card", "aabbccdd"}}));
  create("uses", {{"member_id", anna}, {"machine_id", 1}, {"start", 100}, {"end", 200}});
  create("uses", {{"member_id", anna}, {"machine_id", 1}, {"start", 300}, {"end", 400}});
  create("uses", {{"member_id", 1}, {"machine_id", 1}, {"start", 500}, {"end", 600}});
  create("authorizations", {{"member_id", anna}, {"machine_id", 1}});
  const db::Id plan = create("maintenance-plans",
                             {{"machine_id", 1}, {"description", "Belt"}, {"hours_between", 10}});
  create("interventions", {{"plan_id", plan}, {"member_id", anna}});
  const Reply reply = get(url);
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body,
            (json{{"uses", 2}, {"authorizations", 1}, {"interventions", 1}, {"card", "aabbccdd"}}));
  // The counts are what a delete then leaves: the rows stay, the card goes.
  ASSERT_EQ(del("/api/v1/members/" + std::to_string(anna)).status, 200);
  EXPECT_EQ(get(url).body,
            (json{{"uses", 2}, {"authorizations", 1}, {"interventions", 1}, {"card", nullptr}}));
  EXPECT_EQ(get("/api/v1/members/999/cascade").status, 404);
}

// The admin-triggered reset mail (POST /api/v1/members/{id}/password-reset).
class MemberResetTest : public MembersTest {
 protected:
  Reply send_reset(db::Id id) {
    return call(Method::post, "/api/v1/members/" + std::to_string(id) + "/password-reset");
  }
};

TEST_F(MemberResetTest, MailsTheLinkToAMemberWhoMaySignInAndAudits) {
  const db::Id staff = create(
      "members",
      json{{"name", "Sara"}, {"role_id", 1}, {"email", "sara@lab.example"}, {"card", "aabbccdd"}});
  const Reply reply = send_reset(staff);
  ASSERT_EQ(reply.status, 202) << reply.body.dump();
  EXPECT_NE(reply.body["message"].get<std::string>().find("sara@lab.example"), std::string::npos);
  ASSERT_EQ(outbox_.mails.size(), 1u);
  EXPECT_EQ(outbox_.mails[0].to, "sara@lab.example");
  EXPECT_NE(outbox_.mails[0].text.find("https://lab.example:23336/#/reset?token="),
            std::string::npos);
  const auto entry = audit_entries()[0];
  EXPECT_EQ(entry.action, "password_reset_requested");
  EXPECT_EQ(entry.entity, "user");
  EXPECT_EQ(entry.entity_id, staff);
  EXPECT_EQ(entry.user_id, 1);
}

TEST_F(MemberResetTest, RefusalsSayWhy) {
  const db::Id no_mail = create("members", json{{"name", "Nomail"}, {"role_id", 1}});
  Reply reply = send_reset(no_mail);
  EXPECT_EQ(reply.status, 409);
  EXPECT_EQ(reply.code(), "no_email");

  const db::Id user =
      create("members", json{{"name", "User"}, {"role_id", 3}, {"email", "u@lab.example"}});
  reply = send_reset(user);
  EXPECT_EQ(reply.status, 409);
  EXPECT_EQ(reply.code(), "no_portal_access");

  const db::Id gone =
      create("members", json{{"name", "Gone"}, {"role_id", 1}, {"email", "g@lab.example"}});
  ASSERT_EQ(del("/api/v1/members/" + std::to_string(gone)).status, 200);
  EXPECT_EQ(send_reset(gone).status, 404);
  EXPECT_EQ(send_reset(999).status, 404);

  outbox_.refuse = true;  // the mail queue is full
  reply = send_reset(1);
  EXPECT_EQ(reply.status, 503);
  EXPECT_EQ(reply.code(), "mail_refused");
  EXPECT_TRUE(outbox_.mails.empty());
  for (const auto& entry : audit_entries())
    EXPECT_NE(entry.action, "password_reset_requested");

  context_.resets = nullptr;
  EXPECT_EQ(send_reset(1).status, 503);
}

TEST_F(MembersTest, CreatingAMemberWithAnUnknownCardRemovesItsTaps) {
  db::UnknownCardsRepository taps(db_);
  taps.record("aabbccdd", 1, now_);
  taps.record("aabbccdd", 1, now_ + 1);
  taps.record("99999999", 1, now_ + 2);
  create("members", member("Anna", "AABBCCDD"));
  EXPECT_EQ(taps.count(), 1);
}

}  // namespace
}  // namespace fabomatic::web::api::test
