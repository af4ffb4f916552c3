#include "db/reports.hpp"

namespace fabomatic::db {

std::vector<MachineUsage> usage_by_machine(Connection& conn, Timestamp from, Timestamp before) {
  auto stmt = conn.prepare_cached(
      "SELECT m.machine_id, m.machine_name, COUNT(u.use_id), "
      "COALESCE(SUM(MAX(COALESCE(u.end_timestamp, u.last_seen) - u.start_timestamp, 0)), 0) "
      "FROM machines m LEFT JOIN uses u ON u.machine_id = m.machine_id "
      "AND u.start_timestamp >= ? AND u.start_timestamp < ? "
      "GROUP BY m.machine_id ORDER BY m.machine_name COLLATE NOCASE, m.machine_id");
  stmt->bind_all(from, before);
  std::vector<MachineUsage> rows;
  while (stmt->step()) {
    rows.push_back({stmt->get<Id>(0), stmt->get<std::string>(1), stmt->get<std::int64_t>(2),
                    stmt->get<double>(3)});
  }
  return rows;
}

std::vector<UnknownCardTaps> unknown_cards_between(Connection& conn, Timestamp from,
                                                   Timestamp before) {
  // SQLite takes the bare columns of a MAX() aggregate from the row holding the maximum.
  auto stmt = conn.prepare_cached(
      "SELECT c.\"card_UUID\", COUNT(*), MAX(c.timestamp), COALESCE(m.machine_name, '') "
      "FROM unknown_cards c LEFT JOIN machines m ON m.machine_id = c.machine_id "
      "WHERE c.timestamp >= ? AND c.timestamp < ? "
      "GROUP BY c.\"card_UUID\" ORDER BY 3 DESC");
  stmt->bind_all(from, before);
  std::vector<UnknownCardTaps> rows;
  while (stmt->step()) {
    rows.push_back({stmt->get<std::string>(0), stmt->get<std::int64_t>(1), stmt->get<double>(2),
                    stmt->get<std::string>(3)});
  }
  return rows;
}

std::vector<SummaryRecipient> weekly_summary_recipients(Connection& conn) {
  auto stmt = conn.prepare_cached(
      "SELECT user_id, name, surname, email FROM users WHERE receive_weekly_summary = 1 "
      "AND deleted = 0 AND disabled = 0 AND email IS NOT NULL AND email <> '' ORDER BY user_id");
  std::vector<SummaryRecipient> rows;
  while (stmt->step()) {
    std::string name = stmt->get<std::string>(1);
    const std::string surname = stmt->get<std::string>(2);
    if (!surname.empty()) name += (name.empty() ? "" : " ") + surname;
    rows.push_back({stmt->get<Id>(0), std::move(name), stmt->get<std::string>(3)});
  }
  return rows;
}

}  // namespace fabomatic::db
