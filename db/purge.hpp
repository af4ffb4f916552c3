// Data protection (GDPR): history older than the retention period stops naming people.
#pragma once

#include <cstdint>
#include <optional>

#include "db/models.hpp"
#include "db/sqlite.hpp"

namespace fabomatic::db {

struct PurgePolicy {
  double history_days = 365;           // uses older than this go to Anonymous
  double interventions_days = 365;     // interventions older than this go to Anonymous
  double unknown_cards_days = 30;      // unknown-card taps older than this are deleted
  double audit_days = 730;             // audit-log entries older than this are deleted; 0: kept
  double discovered_boards_days = 30;  // boards of unknown machines not heard since are forgotten
};

// Rows this run changed, table by table (rows already anonymous are not counted again).
struct PurgeResult {
  std::int64_t uses = 0;
  std::int64_t interventions = 0;
  std::int64_t unknown_cards = 0;
  std::int64_t audit_entries = 0;
  std::int64_t discovered_boards = 0;

  std::int64_t total() const {
    return uses + interventions + unknown_cards + audit_entries + discovered_boards;
  }
  bool operator==(const PurgeResult&) const = default;
};

// In one transaction: moves uses (by start) older than now - history_days and interventions
// (by timestamp) older than now - interventions_days to the Anonymous user (created first if the
// file has none), deletes unknown-card taps older than now - unknown_cards_days and audit-log
// entries older than now - audit_days (their before/after name people too), and forgets
// discovered boards not heard since now - discovered_boards_days.
PurgeResult purge(Connection& conn, Timestamp now, const PurgePolicy& policy = {});

// The old tool purged only when its cron job said so, and the history of an old file is often
// older than any retention period: after an upgrade from it, the automatic purge waits this many
// days, so that the first start does not anonymise years of uses before the admin can say
// whether to keep them (a longer purge_retention_days, a backup). `fabomatic --purge` does not
// wait.
inline constexpr int kAutomaticPurgeGraceDays = 14;
// Records that the automatic purge waits until `until` (in fabomatic_state).
void postpone_automatic_purge(Connection& conn, Timestamp until);
// Until when the automatic purge waits; nullopt when it need not.
std::optional<Timestamp> automatic_purge_waits_until(Connection& conn);

}  // namespace fabomatic::db
