// Plain structs, one per table, that the repositories take and return. Field names follow the
// FabOMatic columns; timestamps are the legacy FLOAT unix seconds. Nullable columns whose NULL
// means something (no card, never seen, still open) are std::optional; columns that later
// revisions added as nullable with an obvious default (replay, grace, access management) read
// NULL as that default so callers never have to care about the revision a row came from.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace fabomatic::db {

using Id = std::int64_t;

// The largest machine id a member of staff or a board may choose (2^31 - 1). The portal's
// browser holds ids as doubles, exact only up to 2^53; and after a row with the largest id
// SQLite gives new rows random ones, so the ids that follow a chosen one must stay small too.
constexpr Id kMaxChosenMachineId = 2147483647;
using Timestamp = double;  // unix seconds, as FabOMatic stores them (FLOAT)

struct Role {
  Id id = 0;
  std::string name;
  bool authorize_all = false;  // "super user": authorized on every machine, even a blocked one
  bool reserved = false;       // cannot be edited or deleted (e.g. "Anonymous")
  bool maintenance = false;    // may register maintenance interventions at a board
  bool backend_admin = false;  // may log in to the admin portal
};

struct User {
  Id id = 0;
  std::string name;
  std::string surname;
  Id role_id = 0;
  std::optional<std::string> card;  // card_UUID, stored lowercase; NULL once deleted
  bool disabled = false;
  bool deleted = false;  // soft delete: the row stays for history, the card is freed
  std::optional<std::string> password_hash;
  std::optional<std::string> email;
  bool receive_weekly_summary = false;
  bool password_change_required = false;  // must choose a new password at the next login
};

struct MachineType {
  Id id = 0;
  std::string name;
  std::int64_t timeout_min = 0;        // auto-logoff minutes, 0 = disabled
  std::int64_t grace_period_min = 0;   // power-off grace minutes (NULL in old rows reads 0)
  std::int64_t access_management = 0;  // 0 = authorization needed, 1 = not needed (NULL reads 0)
};

struct Machine {
  Id id = 0;
  std::string name;
  std::optional<Id> type_id;
  double hours = 0;  // machine_hours: cumulated hours of closed uses
  bool blocked = false;
  std::optional<Timestamp> last_seen;
};

struct Board {
  Id id = 0;
  Id machine_id = 0;
  std::string ip_address;
  std::string fw_version;
  Timestamp last_seen = 0;
  std::optional<std::string> serial;
  std::optional<std::int64_t> heap;
};

// A board that said `alive` for a machine id that has no machine row (table of our own), so the
// admin can see it and create the machine.
struct DiscoveredBoard {
  Id machine_id = 0;
  std::string ip_address;  // NULL reads ""
  std::string fw_version;  // NULL reads ""
  std::optional<std::string> serial;
  std::optional<std::int64_t> heap;
  Timestamp first_seen = 0;
  Timestamp last_seen = 0;
};

struct Authorization {
  Id id = 0;
  Id user_id = 0;
  Id machine_id = 0;
};

// A row of `maintenances`: a maintenance plan of one machine.
struct MaintenancePlan {
  Id id = 0;
  double hours_between = 0;  // due when the machine ran more than this since the last intervention
  std::string description;
  Id machine_id = 0;
  std::optional<std::string> attachment;   // legacy column of the first schema, kept
  std::optional<std::string> lcd_message;  // what the board shows (<= 16 characters)
  std::optional<std::string> instructions_url;
};

struct Intervention {
  Id id = 0;
  Id maintenance_id = 0;
  Id machine_id = 0;
  Id user_id = 0;
  Timestamp timestamp = 0;
  bool replay = false;  // sent by the board from its offline buffer (NULL reads false)
};

struct Use {
  Id id = 0;
  Id user_id = 0;
  Id machine_id = 0;
  Timestamp start = 0;
  Timestamp last_seen = 0;
  std::optional<Timestamp> end;  // NULL while the use is open
  bool replay = false;           // NULL reads false
  // Closed at its last-seen time, its real end unknown (the stale-use check, or a startuse
  // while it was open): its board's own stop or inuse may still come and complete it.
  bool end_estimated = false;

  bool open() const { return !end.has_value(); }
};

struct UnknownCard {
  Id id = 0;
  std::string card;
  Timestamp timestamp = 0;
  Id machine_id = 0;
};

// Paging of list queries: `limit` rows from `offset` (a limit <= 0 means no limit).
struct Page {
  std::int64_t limit = 50;
  std::int64_t offset = 0;
};

}  // namespace fabomatic::db
