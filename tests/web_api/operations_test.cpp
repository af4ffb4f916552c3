// The operations routes (system page, restore, log, restart, settings editor, mail) against
// doubles of their sources: the answers' shapes and what reaches the sources, the refusals, and
// the audit entries.
#include <gtest/gtest.h>

#include <future>
#include <map>

#include "common/log_memory.hpp"
#include "db/boards_repository.hpp"
#include "db/machines_repository.hpp"
#include "support_api.hpp"
#include "web/http/body_stream.hpp"

namespace fabomatic::web::api::test {
namespace {

class OperationsTest : public ApiTest {};

TEST_F(OperationsTest, SystemOverviewWithTheFleetMatchedToBrokerClientsByAddress) {
  db::BoardsRepository(db_).upsert(1, {"10.0.0.7", "1.2.3", "SN7", 41000}, now_);
  system_.links = {{"BOARD7", "board-account", "10.0.0.7", now_ - 60},
                   {"tool", "", "10.0.0.99", now_}};
  system_.purge = PurgeFigures{now_ - 100, 3, 1, 2, 5};
  const Reply r = get("/api/v1/system");
  ASSERT_EQ(r.status, 200) << r.text;
  EXPECT_EQ(r.body["version"], "9.9.9");
  EXPECT_DOUBLE_EQ(r.body["uptime_s"].get<double>(), now_ - 1'699'999'000);
  EXPECT_EQ(r.body["database"]["machines"], 1);
  EXPECT_EQ(r.body["database"]["path"], db_.path());
  EXPECT_GT(r.body["database"]["size"].get<std::int64_t>(), 0);
  EXPECT_GT(r.body["host"]["memory_total"].get<std::int64_t>(), 0);
  EXPECT_GT(r.body["host"]["cpus"].get<int>(), 0);
  EXPECT_EQ(r.body["broker"]["clients_connected"], 3);
  EXPECT_DOUBLE_EQ(r.body["broker"]["received_per_s"].get<double>(), 2.5);
  EXPECT_EQ(r.body["purge"]["audit_entries"], 5);
  ASSERT_EQ(r.body["boards"].size(), 1u);
  const auto& board = r.body["boards"][0];
  EXPECT_EQ(board["machine_name"], "MACHINE1");
  EXPECT_EQ(board["serial"], "SN7");
  EXPECT_EQ(board["fw_version"], "1.2.3");
  EXPECT_EQ(board["heap"], 41000);
  EXPECT_EQ(board["mqtt_connected"], true);
  EXPECT_EQ(board["mqtt_account"], "board-account");
  EXPECT_EQ(board["mqtt_client_id"], "BOARD7");
  system_.links.clear();
  const Reply gone = get("/api/v1/system");
  EXPECT_EQ(gone.body["boards"][0]["mqtt_connected"], false);
  EXPECT_TRUE(gone.body["boards"][0]["mqtt_account"].is_null());
}

TEST_F(OperationsTest, BoardsSharingAnAddressAreMatchedByTheMachineTheirConnectionSpeaksFor) {
  // Two boards behind one address (a NAT): a board account's machine, or the machine an
  // anonymous board published for, decides; the address only for a connection of no known
  // machine.
  for (db::Id id = 2; id <= 3; ++id)
    db::MachinesRepository(db_).create(db::Machine{.id = id, .name = "M" + std::to_string(id)});
  db::BoardsRepository(db_).upsert(1, {"10.0.0.7", "1.2.3", "SN1", 41000}, now_);
  db::BoardsRepository(db_).upsert(2, {"10.0.0.7", "1.2.3", "SN2", 41000}, now_);
  db::BoardsRepository(db_).upsert(3, {"10.0.0.7", "1.2.3", "SN3", 41000}, now_);
  system_.links = {{"BOARD417", "board-2", "10.0.0.7", now_ - 60, 2},
                   {"BOARD417", "", "10.0.0.7", now_ - 30, 1},
                   {"BOARD9", "", "10.0.0.7", now_ - 10, std::nullopt}};
  const Reply r = get("/api/v1/system");
  ASSERT_EQ(r.status, 200) << r.text;
  std::map<std::int64_t, json> fleet;
  for (const auto& board : r.body["boards"])
    fleet[board["machine_id"].get<std::int64_t>()] = board;
  ASSERT_EQ(fleet.size(), 3u);
  EXPECT_EQ(fleet[1]["mqtt_account"], "");
  EXPECT_EQ(fleet[1]["mqtt_client_id"], "BOARD417");
  EXPECT_EQ(fleet[2]["mqtt_account"], "board-2");
  EXPECT_EQ(fleet[3]["mqtt_client_id"], "BOARD9");  // by address: no other machine is its
  system_.links.pop_back();
  EXPECT_EQ(get("/api/v1/system").body["boards"][2]["mqtt_connected"], false);
}

TEST_F(OperationsTest, RestorePassesTheUploadAndSaysWhyARefusedFileWasRefused) {
  constexpr auto kFile = "application/octet-stream";
  Reply r = call(Method::post, "/api/v1/system/restore", "SQLite format 3...", kFile);
  ASSERT_EQ(r.status, 200) << r.text;
  EXPECT_EQ(r.body["kept_as"], "/data/db.sqldb.before-restore-x");
  ASSERT_EQ(system_.uploads.size(), 1u);
  EXPECT_EQ(system_.uploads[0], "SQLite format 3...");
  EXPECT_EQ(audit_entries().front().action, "restore");

  system_.outcome = {400, "not_a_database", "The file is not a database", ""};
  r = call(Method::post, "/api/v1/system/restore", "hello", kFile);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.code(), "not_a_database");
  EXPECT_EQ(r.field("file"), "The file is not a database");

  r = call(Method::post, "/api/v1/system/restore", "");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.field("file"), "empty upload");
  EXPECT_EQ(system_.uploads.size(), 2u);  // the empty one never reached the source

  // A browser form's multipart upload is refused by its type, not judged "not a database".
  r = call(Method::post, "/api/v1/system/restore", "--x\r\nContent-Disposition: form-data",
           "multipart/form-data; boundary=x");
  EXPECT_EQ(r.status, 415);
  EXPECT_EQ(r.code(), "unsupported_media_type");
  EXPECT_EQ(system_.uploads.size(), 2u);
}

TEST_F(OperationsTest, LogLinesAfterASeqAndByLevel) {
  log::write(log::Level::info, "optest", "an info line");
  log::write(log::Level::error, "optest", "an error line");
  Reply r = get("/api/v1/system/log?limit=2000");
  ASSERT_EQ(r.status, 200) << r.text;
  ASSERT_GE(r.body["items"].size(), 2u);
  const auto last = r.body["last_seq"].get<std::int64_t>();
  EXPECT_EQ(r.body["items"].back()["message"], "an error line");
  EXPECT_EQ(r.body["items"].back()["level"], "error");
  r = get("/api/v1/system/log?after=" + std::to_string(last));
  EXPECT_TRUE(r.body["items"].empty());
  EXPECT_EQ(r.body["last_seq"], last);
  log::write(log::Level::info, "optest", "later info");
  log::write(log::Level::warning, "optest", "later warning");
  r = get("/api/v1/system/log?level=warning&after=" + std::to_string(last));
  ASSERT_EQ(r.body["items"].size(), 1u);
  EXPECT_EQ(r.body["items"][0]["message"], "later warning");
  EXPECT_EQ(r.body["last_seq"], last + 2);  // the info line was seen, though not shown
  EXPECT_EQ(get("/api/v1/system/log?level=loud").field("level"),
            "must be one of: debug, info, warning, error");
  const Response download = respond(Method::get, "/api/v1/system/log/download");
  EXPECT_EQ(download.status, 200);
  EXPECT_NE(download.body.find("WARN  optest: later warning\n"), std::string::npos);
  EXPECT_NE(download.headers.get("Content-Disposition")->find("attachment"), std::string::npos);
}

TEST_F(OperationsTest, RestartIsAskedForAndAudited) {
  const Reply r = call(Method::post, "/api/v1/system/restart");
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(system_.restarts, 1);
  EXPECT_EQ(audit_entries().front().action, "restart");
}

TEST_F(OperationsTest, SettingsAreListedWithoutSecrets) {
  const Reply r = get("/api/v1/settings");
  ASSERT_EQ(r.status, 200) << r.text;
  EXPECT_EQ(r.text.find("hunter2"), std::string::npos);
  ASSERT_EQ(r.body["fields"].size(), 4u);
  EXPECT_EQ(r.body["fields"][2]["name"], "email.password");
  EXPECT_TRUE(r.body["fields"][2]["value"].is_null());
  EXPECT_EQ(r.body["fields"][2]["is_set"], true);
  EXPECT_EQ(r.body["fields"][3]["restart"], true);
  EXPECT_EQ(r.body["fields"][1]["max"], 65535);
}

TEST_F(OperationsTest, SettingsChangeIsCheckedFieldByFieldAndAuditedWithoutSecrets) {
  // Wrong types, out of range, unknown keys: 400 naming each, nothing changed.
  Reply r =
      patch("/api/v1/settings", {{"email.port", "25"}, {"web.port", 70000}, {"email.nope", 1}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.field("email.port"), "must be an integer");
  EXPECT_NE(r.field("web.port"), "");
  EXPECT_EQ(r.field("email.nope"), "unknown field");
  EXPECT_EQ(settings_.ports["email.port"], 587);
  // What the startup code refuses comes back per field.
  r = patch("/api/v1/settings", {{"email.server", "bad"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.field("email.server"), "must be something else");
  EXPECT_EQ(settings_.values["email.server"], "smtp.lab");
  // Text settings are one line: a line break would reach SMTP commands or headers.
  for (const std::string& text : {std::string("smtp.lab\r\nRCPT TO:<x@evil.test>"),
                                  std::string("smtp.lab\tx"), std::string("smtp\0lab", 8)}) {
    r = patch("/api/v1/settings", {{"email.server", text}});
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.field("email.server"), "must be one line, without control characters");
    EXPECT_EQ(settings_.values["email.server"], "smtp.lab");
  }

  const auto audited = audit_entries().size();
  r = patch("/api/v1/settings",
            {{"email.port", 25}, {"web.port", 8443}, {"email.password", "s3cret-new"}});
  ASSERT_EQ(r.status, 200) << r.text;
  EXPECT_EQ(r.body["after_restart"], json::array({"web.port"}));
  EXPECT_EQ(r.body["applied"].size(), 2u);
  EXPECT_EQ(r.body["restart_pending"], true);
  EXPECT_EQ(settings_.values["email.password"], "s3cret-new");
  const auto entries = audit_entries();
  ASSERT_EQ(entries.size(), audited + 1);
  EXPECT_EQ(entries.front().entity, "settings");
  EXPECT_EQ(entries.front().after_json->find("s3cret-new"), std::string::npos);
  EXPECT_EQ(entries.front().before_json->find("hunter2"), std::string::npos);
  EXPECT_NE(entries.front().after_json->find("\"email.port\":25"), std::string::npos);

  settings_.writable = false;
  r = patch("/api/v1/settings", {{"email.port", 26}});
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.code(), "read_only");
  EXPECT_EQ(patch("/api/v1/settings", json::object()).status, 400);
}

TEST_F(OperationsTest, MailTestWeeklySummaryPreviewAndSend) {
  Reply r = post("/api/v1/mail/test", {{"to", "admin@lab.example"}});
  ASSERT_EQ(r.status, 200) << r.text;
  EXPECT_EQ(r.body["ok"], true);
  EXPECT_EQ(r.body["server_answer"], "250 2.0.0 Ok: queued");
  EXPECT_EQ(mail_.tested, std::vector<std::string>{"admin@lab.example"});
  EXPECT_EQ(post("/api/v1/mail/test", {{"to", "not an address"}}).field("to"),
            "not an e-mail address");
  EXPECT_EQ(post("/api/v1/mail/test", json::object()).field("to"), "required");

  r = get("/api/v1/mail/weekly-summary?lang=en");
  ASSERT_EQ(r.status, 200) << r.text;
  EXPECT_EQ(r.body["subject"], "Summary en");
  EXPECT_EQ(r.body["recipients"].size(), 2u);
  EXPECT_EQ(r.body["schedule"]["day"], "monday");
  EXPECT_EQ(get("/api/v1/mail/weekly-summary").body["subject"], "Summary it");  // the setting
  EXPECT_EQ(get("/api/v1/mail/weekly-summary?lang=fr").field("lang"), "must be one of: en, it");

  r = post("/api/v1/mail/weekly-summary", {{"lang", "it"}});
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(r.body["mails"], 2);
  EXPECT_EQ(mail_.sent, std::vector<std::string>{"it"});
  EXPECT_EQ(audit_entries().front().entity, "weekly_summary");
}

/// The whole body of a streamed answer (waiting at most 10 s for each piece).
std::string drain(const Response& response) {
  EXPECT_TRUE(response.stream) << response.status << " " << response.body;
  if (!response.stream) return "";
  std::string all;
  for (;;) {
    std::promise<std::optional<std::string>> piece;
    auto next = piece.get_future();
    response.stream->next(
        [&piece](std::optional<std::string> p) { piece.set_value(std::move(p)); });
    if (next.wait_for(std::chrono::seconds(10)) != std::future_status::ready)
      return all + "<timeout>";
    auto got = next.get();
    if (!got) return all + "<failed>";
    if (got->empty()) return all;
    all += *got;
  }
}

TEST_F(OperationsTest, DownloadsAreStreamedFromTheirOwnConnection) {
  create("uses",
         {{"member_id", 1}, {"machine_id", 1}, {"start", now_ - 7200}, {"end", now_ - 3600}});
  Response r = respond(Method::get, "/api/v1/uses/export?format=csv&lang=it");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(*r.headers.get("Content-Type"), "text/csv; charset=utf-8");
  EXPECT_NE(r.headers.get("Content-Disposition")->find("fabomatic-uses-"), std::string::npos);
  const std::string csv = drain(r);
  EXPECT_TRUE(
      csv.starts_with("\xEF\xBB\xBF"
                      "ID;ID socio;Socio;ID macchina;Macchina;Inizio;Fine;Durata (ore)"))
      << csv;
  // As a spreadsheet set to Italian reads it: ';' between cells, ',' before decimals.
  EXPECT_NE(csv.find(";1,00;"), std::string::npos) << csv;  // one hour
  EXPECT_NE(csv.find(";Aperto;Reinviato;Fine stimata\r\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find(";FALSO;"), std::string::npos) << csv;  // not open

  r = respond(Method::get, "/api/v1/system/backup");
  ASSERT_EQ(r.status, 200);
  EXPECT_TRUE(drain(r).starts_with(std::string("SQLite format 3\0", 16)));
  EXPECT_EQ(audit_entries().front().entity, "backup");

  r = respond(Method::get, "/api/v1/members/1/data");
  ASSERT_EQ(r.status, 200);
  const json data = json::parse(drain(r));
  EXPECT_EQ(data["member"]["id"], 1);
  EXPECT_EQ(data["uses"].size(), 1u);
  EXPECT_FALSE(data["member"].contains("password_hash"));
  EXPECT_EQ(audit_entries().front().action, "export");

  // Parameters are checked before anything starts.
  EXPECT_EQ(get("/api/v1/uses/export?format=pdf").field("format"), "must be one of: csv, xlsx");
  EXPECT_EQ(get("/api/v1/members/99/data").status, 404);
  EXPECT_EQ(get("/api/v1/members/1/data?format=csv").field("format"), "must be one of: json, xlsx");
}

}  // namespace
}  // namespace fabomatic::web::api::test
