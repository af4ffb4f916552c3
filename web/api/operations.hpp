// What the portal's operations pages need from the rest of the appliance, as interfaces that
// the composition root (app/) implements: the system page's figures from the broker and the
// housekeeping, the database restore and the restart (SystemSource); the settings file
// (SettingsStore); mail: the SMTP test and the weekly summary (MailCenter). web/ never reaches
// into the backend for these; tests give doubles.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "web/api/json.hpp"

namespace fabomatic::web::api {

// ---- the system page -------------------------------------------------------------------------

struct BrokerFigures {
  std::uint64_t clients_connected = 0;
  std::uint64_t sessions = 0;
  std::uint64_t subscriptions = 0;
  std::uint64_t retained = 0;
  std::uint64_t messages_received = 0;  // since start
  std::uint64_t messages_sent = 0;
  std::uint64_t messages_dropped = 0;
  double received_per_s = 0;  // over the last few seconds
  double sent_per_s = 0;
};

/// A client connected to the broker now.
struct MqttLink {
  std::string client_id;
  std::string username;  // its MQTT account; empty when it gave none
  std::string address;   // IP address, without the port
  double connected_at = 0;
  // The machine it speaks for when the broker knows it (its board account's machine, or the
  // machine an anonymous board published for): what matches it to its board first, as several
  // boards may share one address (a NAT, or tests on one host).
  std::optional<std::int64_t> machine_id;
};

struct PurgeFigures {
  double time = 0;  // when it ran
  std::int64_t uses = 0;
  std::int64_t interventions = 0;
  std::int64_t unknown_cards = 0;
  std::int64_t audit_entries = 0;
};

struct BackupFigures {
  std::string folder;  // empty: no nightly backup
  std::uint32_t keep = 0;
  std::uint32_t hour = 0;
  std::optional<double> last_time;
  std::string last_file;
  std::string last_error;  // of the last run; empty when it worked
};

struct RestoreOutcome {
  int status = 200;  // 200 restored; 400 the file was refused; 409 busy; 500 failed
  std::string code;  // "restored", "not_a_database", "unknown_revision", "busy", ...
  std::string message;
  std::string kept_as;  // where the replaced database file was kept
};

class SystemSource {
 public:
  virtual ~SystemSource() = default;
  virtual std::string version() const = 0;
  virtual double started_at() const = 0;
  virtual BrokerFigures broker() = 0;
  virtual std::vector<MqttLink> mqtt_clients() = 0;
  virtual std::optional<PurgeFigures> last_purge() = 0;
  virtual BackupFigures nightly_backup() = 0;
  /// Checks the uploaded file off the reactor and, when it is a FabOMatic database of a known
  /// revision (upgraded as at start when older), puts it in place of the live one, keeping
  /// that one; every session ends. `done` is called once, on the reactor.
  virtual void restore(std::string upload, std::function<void(RestoreOutcome)> done) = 0;
  /// Stops the service cleanly and starts it again (same process id).
  virtual void restart() = 0;
};

// ---- the settings file -----------------------------------------------------------------------

struct SettingField {
  std::string section;  // as in the file: "email", "MQTT", ...
  std::string key;
  std::string kind;     // "string", "integer", "boolean", "choice", "secret"
  Json value;           // null for a secret (never sent back)
  bool is_set = false;  // a secret: whether one is stored; others: whether the file sets it
  bool restart = true;  // the change takes effect after a restart
  std::optional<std::int64_t> min, max;
  std::vector<std::string> choices;
};

struct SettingsView {
  std::string file;  // the file's path
  bool writable = false;
  std::string not_writable_reason;
  std::vector<SettingField> fields;
  bool restart_pending = false;  // a saved change waits for a restart
};

struct SettingsOutcome {
  bool saved = false;
  FieldErrors errors;  // "<section>.<key>" -> message; "file" for problems of the whole file
  std::vector<std::string> applied;        // "<section>.<key>" in effect now
  std::vector<std::string> after_restart;  // saved, in effect after a restart
  std::string backup;                      // the previous file, kept
};

class SettingsStore {
 public:
  virtual ~SettingsStore() = default;
  virtual SettingsView view() = 0;
  /// `values`: "<section>.<key>" -> new value (a secret: its new text; "" clears it). Checked
  /// with the code that reads the file at start; nothing is written when anything is wrong.
  virtual SettingsOutcome change(const std::map<std::string, Json>& values) = 0;
};

// ---- mail ------------------------------------------------------------------------------------

struct MailOutcome {
  bool ok = false;
  std::string server_answer;  // the SMTP server's last reply, or what failed
};

struct SummaryMail {
  std::string subject;
  std::string text;
  std::vector<std::string> recipients;  // members who asked for it, with an e-mail
};

struct SummarySchedule {
  bool enabled = false;
  std::string language;
  std::string day;
  std::uint32_t hour = 0;
  std::optional<double> next;       // when it is next sent
  std::optional<double> last_sent;  // since start
};

class MailCenter {
 public:
  virtual ~MailCenter() = default;
  /// Sends a test mail to `to` with the current [email] settings; `done` (on the reactor)
  /// gets the server's answer.
  virtual void test(std::string to, std::function<void(MailOutcome)> done) = 0;
  /// Last week's summary as it would be mailed now ("en" or "it").
  virtual SummaryMail weekly_summary(const std::string& language) = 0;
  /// Sends it to its recipients now; returns how many mails were queued.
  virtual std::size_t send_weekly_summary(const std::string& language) = 0;
  virtual SummarySchedule schedule() = 0;
};

}  // namespace fabomatic::web::api
