// Doubles of the operations pages' sources (web/api/operations.hpp) for the handler tests: what
// they answer is set by the test, what they were asked is recorded.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "web/api/operations.hpp"

namespace fabomatic::web::api::test {

class FakeSystem final : public SystemSource {
 public:
  std::string version() const override { return "9.9.9"; }
  double started_at() const override { return 1'699'999'000; }
  BrokerFigures broker() override { return figures; }
  std::vector<MqttLink> mqtt_clients() override { return links; }
  std::optional<PurgeFigures> last_purge() override { return purge; }
  BackupFigures nightly_backup() override { return backup; }
  void restore(std::string upload, std::function<void(RestoreOutcome)> done) override {
    uploads.push_back(std::move(upload));
    done(outcome);
  }
  void restart() override { ++restarts; }

  BrokerFigures figures{3, 4, 5, 1, 100, 90, 0, 2.5, 2.0};
  std::vector<MqttLink> links;
  std::optional<PurgeFigures> purge;
  BackupFigures backup;
  RestoreOutcome outcome{200, "restored", "done", "/data/db.sqldb.before-restore-x"};
  std::vector<std::string> uploads;
  int restarts = 0;
};

/// Three settings: email.server (text, at once), email.port (1..65535, at once),
/// email.password (secret, at once) and web.port (restart); "bad" is refused as the startup
/// code would refuse a value.
class FakeSettings final : public SettingsStore {
 public:
  SettingsView view() override {
    SettingsView v;
    v.file = "/etc/test/settings.toml";
    v.writable = writable;
    v.not_writable_reason = writable ? "" : "read-only for the service";
    v.fields = {
        {"email", "server", "string", Json(values["email.server"]), true, false},
        {"email", "port", "integer", Json(ports["email.port"]), true, false, 1, 65535},
        {"email", "password", "secret", Json(nullptr), !values["email.password"].empty(), false},
        {"web", "port", "integer", Json(ports["web.port"]), true, true, 1, 65535}};
    v.restart_pending = restart_pending;
    return v;
  }
  SettingsOutcome change(const std::map<std::string, Json>& changes) override {
    SettingsOutcome out;
    for (const auto& [name, value] : changes) {
      if (value.is_string() && value.get<std::string>() == "bad") {
        out.errors[name] = field_error::invalid("must be something else");
      }
    }
    if (!out.errors.empty()) return out;
    for (const auto& [name, value] : changes) {
      if (value.is_string()) values[name] = value.get<std::string>();
      if (value.is_number_integer()) ports[name] = value.get<std::int64_t>();
      (name == "web.port" ? out.after_restart : out.applied).push_back(name);
      if (name == "web.port") restart_pending = true;
    }
    out.saved = true;
    out.backup = "/etc/test/settings.toml.bak";
    return out;
  }

  std::map<std::string, std::string> values{{"email.server", "smtp.lab"},
                                            {"email.password", "hunter2"}};
  std::map<std::string, std::int64_t> ports{{"email.port", 587}, {"web.port", 23336}};
  bool writable = true;
  bool restart_pending = false;
};

class FakeMail final : public MailCenter {
 public:
  void test(std::string to, std::function<void(MailOutcome)> done) override {
    tested.push_back(to);
    done(test_outcome);
  }
  SummaryMail weekly_summary(const std::string& language) override {
    return {"Summary " + language, "text in " + language, {"a@lab", "b@lab"}};
  }
  std::size_t send_weekly_summary(const std::string& language) override {
    sent.push_back(language);
    return 2;
  }
  SummarySchedule schedule() override { return {true, "it", "monday", 8, 1'700'100'000, {}}; }

  MailOutcome test_outcome{true, "250 2.0.0 Ok: queued"};
  std::vector<std::string> tested;
  std::vector<std::string> sent;
};

}  // namespace fabomatic::web::api::test
