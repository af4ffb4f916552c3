#include "db/purge.hpp"

#include "db/discovered_boards_repository.hpp"
#include "db/seed.hpp"

namespace fabomatic::db {

namespace {
constexpr double kSecondsPerDay = 86400.0;
}

PurgeResult purge(Connection& conn, Timestamp now, const PurgePolicy& policy) {
  Transaction tx(conn);
  ensure_anonymous(conn);
  const auto anonymous = anonymous_user_id(conn);
  if (!anonymous) throw Error(0, 0, "purge: no Anonymous user to move history to", "");
  const Timestamp history_cutoff = now - policy.history_days * kSecondsPerDay;
  const Timestamp interventions_cutoff = now - policy.interventions_days * kSecondsPerDay;
  const Timestamp taps_cutoff = now - policy.unknown_cards_days * kSecondsPerDay;

  PurgeResult result;
  // Ranges of idx_uses_start / idx_interventions_* / idx_unknown_cards_time. Who used a machine
  // changes; what the machine did (durations, maintenance counters, hours) does not.
  result.uses =
      conn.execute("UPDATE uses SET user_id = ?1 WHERE start_timestamp < ?2 AND user_id <> ?1",
                   *anonymous, history_cutoff);
  result.interventions =
      conn.execute("UPDATE interventions SET user_id = ?1 WHERE timestamp < ?2 AND user_id <> ?1",
                   *anonymous, interventions_cutoff);
  result.unknown_cards = conn.execute("DELETE FROM unknown_cards WHERE timestamp < ?", taps_cutoff);
  if (policy.audit_days > 0) {
    result.audit_entries = conn.execute("DELETE FROM audit_log WHERE timestamp < ?",
                                        now - policy.audit_days * kSecondsPerDay);
  }
  result.discovered_boards = DiscoveredBoardsRepository(conn).purge_older_than(
      now - policy.discovered_boards_days * kSecondsPerDay);
  tx.commit();
  return result;
}

namespace {
constexpr std::string_view kPurgeFrom = "automatic_purge_from";
}

void postpone_automatic_purge(Connection& conn, Timestamp until) {
  conn.execute("INSERT OR REPLACE INTO fabomatic_state (name, value) VALUES (?, ?)",
               std::string(kPurgeFrom), until);
}

std::optional<Timestamp> automatic_purge_waits_until(Connection& conn) {
  return conn.query_optional<double>("SELECT value FROM fabomatic_state WHERE name = ?",
                                     std::string(kPurgeFrom));
}

}  // namespace fabomatic::db
