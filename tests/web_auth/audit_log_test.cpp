// The audit log: the repository (filters, paging, order, purge), AuditLog::record inside a
// transaction, and GET /api/v1/audit.
#include "web/auth/audit_log.hpp"

#include <gtest/gtest.h>

#include "auth_fixture.hpp"
#include "db/audit_repository.hpp"
#include "db/sqlite.hpp"

namespace fabomatic::web::test {
namespace {

using namespace std::chrono_literals;

Principal alice() {
  return Principal{7, "alice@lab.test", "Alice A", "csrf", "192.0.2.7"};
}
Principal bob() {
  return Principal{8, "bob@lab.test", "Bob B", "csrf", "192.0.2.8"};
}

// Entries at known times: the harness clock moves one minute between them.
void fill(AuthHarness& h) {
  h.audit().record(alice(), "create", "machine", 1, std::nullopt, R"({"name":"Laser"})");
  h.clock().advance(1min);
  h.audit().record(alice(), "update", "machine", 1, R"({"name":"Laser"})", R"({"name":"Laser 2"})");
  h.clock().advance(1min);
  h.audit().record(bob(), "create", "user", 12, std::nullopt, R"({"name":"Carla"})");
  h.clock().advance(1min);
  h.audit().record(bob(), "delete", "machine", 1, R"({"name":"Laser 2"})", std::nullopt);
}

TEST(AuditLog, RecordsWhoWhatWhenBeforeAndAfter) {
  AuthHarness h;
  const double t0 = h.clock().unix_seconds();
  fill(h);
  db::AuditRepository repository(h.db());
  const auto all = repository.list();
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].action, "delete");  // newest first
  EXPECT_EQ(all[0].user_id, 8);
  EXPECT_EQ(all[0].user_email, "bob@lab.test");
  EXPECT_EQ(all[0].remote_address, "192.0.2.8");
  EXPECT_EQ(all[0].before_json, R"({"name":"Laser 2"})");
  EXPECT_FALSE(all[0].after_json);
  EXPECT_NEAR(all[0].timestamp, t0 + 180, 0.01);
  EXPECT_EQ(all[3].action, "create");
  EXPECT_EQ(all[3].entity, "machine");
  EXPECT_EQ(all[3].entity_id, 1);
  EXPECT_NEAR(all[3].timestamp, t0, 0.01);
}

TEST(AuditLog, FiltersAndPaging) {
  AuthHarness h;
  const double t0 = h.clock().unix_seconds();
  fill(h);
  db::AuditRepository repository(h.db());
  EXPECT_EQ(repository.count({.entity = "machine"}), 3);
  EXPECT_EQ(repository.count({.entity = "machine", .entity_id = 1, .user_id = 8}), 1);
  EXPECT_EQ(repository.count({.user_id = 7}), 2);
  EXPECT_EQ(repository.count({.action = "create"}), 2);
  EXPECT_EQ(repository.count({.from = t0 + 60, .to = t0 + 180}), 2);  // [from, to)
  const auto page = repository.list({.entity = "machine"}, db::Page{2, 1});
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].action, "update");
  EXPECT_EQ(page[1].action, "create");
  EXPECT_EQ(repository.purge_before(t0 + 90), 2);
  EXPECT_EQ(repository.count(), 2);
}

TEST(AuditLog, AnEntryRollsBackWithTheChangeItDescribes) {
  AuthHarness h;
  {
    db::Transaction tx(h.db());
    h.audit().record(alice(), "delete", "machine", 3, "{}", std::nullopt);
    // no commit: the change failed
  }
  EXPECT_EQ(db::AuditRepository(h.db()).count(), 0);
}

TEST(AuditLog, ListRoute) {
  AuthHarness h;
  const double t0 = h.clock().unix_seconds();
  fill(h);
  h.db().execute("UPDATE users SET password_change_required = 0 WHERE email = ?", kAdminEmail);
  Browser browser(h);
  ASSERT_EQ(browser.login(kAdminEmail, kAdminPassword).status, 200);  // one more entry: login

  const Response all = browser.get("/api/v1/audit");
  ASSERT_EQ(all.status, 200) << all.body;
  auto body = body_json(all);
  EXPECT_EQ(body["total"], 5);
  EXPECT_EQ(body["limit"], 50);
  EXPECT_EQ(body["offset"], 0);
  ASSERT_EQ(body["items"].size(), 5u);
  EXPECT_EQ(body["items"][0]["action"], "login");
  EXPECT_EQ(body["items"][0]["entity_id"], nullptr);
  // before/after are JSON, not strings holding JSON.
  const auto update = body["items"][3];
  EXPECT_EQ(update["action"], "update");
  EXPECT_EQ(update["before"]["name"], "Laser");
  EXPECT_EQ(update["after"]["name"], "Laser 2");
  EXPECT_EQ(update["user_email"], "alice@lab.test");

  body = body_json(browser.get("/api/v1/audit?entity=machine&limit=1&offset=1"));
  EXPECT_EQ(body["total"], 3);
  ASSERT_EQ(body["items"].size(), 1u);
  EXPECT_EQ(body["items"][0]["action"], "update");

  body = body_json(browser.get("/api/v1/audit?user_id=8&action=create"));
  ASSERT_EQ(body["items"].size(), 1u);
  EXPECT_EQ(body["items"][0]["entity"], "user");

  const auto from = std::to_string(static_cast<long long>(t0 + 59));
  const auto to = std::to_string(static_cast<long long>(t0 + 121));
  body = body_json(browser.get("/api/v1/audit?from=" + from + "&to=" + to));
  EXPECT_EQ(body["total"], 2);

  // Numbers that are no time filter nothing or everything without a word: refused.
  for (const char* query : {"from=nan", "from=inf", "to=-1e300", "from=1e30"}) {
    const Response odd = browser.get(std::string("/api/v1/audit?") + query);
    EXPECT_EQ(odd.status, 400) << query;
  }
  const Response bad = browser.get("/api/v1/audit?limit=0&offset=-1&user_id=x&from=yesterday");
  EXPECT_EQ(bad.status, 400);
  const auto fields = body_json(bad)["error"]["fields"];
  EXPECT_TRUE(fields.contains("limit"));
  EXPECT_TRUE(fields.contains("offset"));
  EXPECT_TRUE(fields.contains("user_id"));
  EXPECT_TRUE(fields.contains("from"));
  const auto codes = body_json(bad)["error"]["field_codes"];
  EXPECT_EQ(codes["limit"], (nlohmann::json{{"code", "range"}, {"min", 1}, {"max", 500}}));
  EXPECT_EQ(codes["offset"]["code"], "range");
  EXPECT_EQ(codes["user_id"], (nlohmann::json{{"code", "type"}, {"expected", "integer"}}));
  EXPECT_EQ(codes["from"], (nlohmann::json{{"code", "type"}, {"expected", "time"}}));
  EXPECT_EQ(browser.get("/api/v1/audit?limit=501").status, 400);
}

TEST(AuditLog, JsonKeepsTextThatIsNotJsonAsAString) {
  AuditPage page;
  db::AuditEntry entry;
  entry.action = "update";
  entry.entity = "note";
  entry.before_json = "not json {";
  entry.user_email = "bad\xff utf8";
  page.items.push_back(entry);
  page.total = 1;
  const auto body = nlohmann::json::parse(audit_page_json(page, db::Page{10, 0}));
  EXPECT_EQ(body["items"][0]["before"], "not json {");
  EXPECT_EQ(body["items"][0]["after"], nullptr);
  EXPECT_EQ(body["items"][0]["user_id"], nullptr);
}

}  // namespace
}  // namespace fabomatic::web::test
