#include "db/uses_repository.hpp"

#include <algorithm>

#include "db/maintenance_due.hpp"
#include "db/repository.hpp"

namespace fabomatic::db {

namespace {

constexpr std::string_view kColumns =
    "use_id, user_id, machine_id, start_timestamp, last_seen, end_timestamp, replay, "
    "end_estimated";

std::string select_from(std::string_view rest) {
  return "SELECT " + std::string(kColumns) + " FROM uses " + std::string(rest);
}

// Open uses of a machine. Without statistics the planner prefers idx_uses_machine_start (it
// spares the sort) and then walks every use of the machine; the partial index holds only the
// open ones, so it is named explicitly.
constexpr std::string_view kOpenOfMachine =
    "INDEXED BY idx_uses_open_by_machine WHERE machine_id = ? AND end_timestamp IS NULL ";

Use read_use(const Statement& row) {
  Use use;
  use.id = row.get<Id>(0);
  use.user_id = row.get<Id>(1);
  use.machine_id = row.get<Id>(2);
  use.start = row.get<double>(3);
  use.last_seen = row.get<double>(4);
  use.end = row.get<std::optional<double>>(5);
  use.replay = row.get<std::optional<bool>>(6).value_or(false);
  use.end_estimated = row.get<bool>(7);
  return use;
}

std::vector<Use> read_all(CachedStatement stmt) {
  std::vector<Use> uses;
  while (stmt->step())
    uses.push_back(read_use(*stmt));
  return uses;
}

std::string_view order_of(UseSort sort) {
  switch (sort) {
    case UseSort::Id:
      return "use_id %";
    case UseSort::End:
      return "end_timestamp %, use_id %";
    case UseSort::LastSeen:
      return "last_seen %, use_id %";
    case UseSort::Machine:
      return "machine_id %, start_timestamp %, use_id %";
    case UseSort::User:
      return "user_id %, start_timestamp %, use_id %";
    case UseSort::Start:
      break;
  }
  return "start_timestamp %, use_id %";
}

ListQuery filtered(std::string select, const UseFilter& filter) {
  ListQuery query(std::move(select));
  if (filter.user_id) query.where("user_id = ?", {*filter.user_id});
  if (filter.machine_id) query.where("machine_id = ?", {*filter.machine_id});
  if (filter.from) query.where("start_timestamp >= ?", {*filter.from});
  if (filter.before) query.where("start_timestamp < ?", {*filter.before});
  if (filter.open_only) query.where("end_timestamp IS NULL");
  return query;
}

double closed_seconds(const Use& use) {
  return use.end ? *use.end - use.start : 0.0;
}

}  // namespace

std::optional<Use> UsesRepository::open_use(Id machine_id) {
  auto stmt = conn_.prepare_cached(select_from(
      std::string(kOpenOfMachine) + "ORDER BY start_timestamp DESC, use_id DESC LIMIT 1"));
  stmt->bind(1, machine_id);
  if (!stmt->step()) return std::nullopt;
  return read_use(*stmt);
}

std::vector<Use> UsesRepository::open_uses(Id machine_id) {
  auto stmt = conn_.prepare_cached(
      select_from(std::string(kOpenOfMachine) + "ORDER BY start_timestamp, use_id"));
  stmt->bind(1, machine_id);
  return read_all(std::move(stmt));
}

std::vector<Use> UsesRepository::all_open_uses() {
  // Machine by machine through the partial index of open uses rather than a scan of the
  // history for end_timestamp IS NULL; CROSS JOIN fixes machines as the outer loop.
  auto stmt = conn_.prepare_cached(
      "SELECT u.use_id, u.user_id, u.machine_id, u.start_timestamp, u.last_seen, "
      "u.end_timestamp, u.replay FROM machines m CROSS JOIN uses u "
      "INDEXED BY idx_uses_open_by_machine "
      "ON u.machine_id = m.machine_id AND u.end_timestamp IS NULL "
      "ORDER BY m.machine_id, u.start_timestamp, u.use_id");
  return read_all(std::move(stmt));
}

std::optional<Use> UsesRepository::latest_closed(Id machine_id) {
  // The one closed last, not the one that started last: a use whose start was lost is recorded
  // as starting `duration` before its stop, before uses that closed earlier; and a use's end is
  // its start plus the board's duration, which need not match the clock. Closed when its stop
  // came, which is its last-seen time: the top of idx_uses_closed_by_machine_seen (machine,
  // last_seen, then the use id the index ends with), one step whatever the machine's history.
  auto stmt =
      conn_.prepare_cached(select_from("INDEXED BY idx_uses_closed_by_machine_seen "
                                       "WHERE machine_id = ? AND end_timestamp IS NOT NULL "
                                       "ORDER BY last_seen DESC, use_id DESC LIMIT 1"));
  stmt->bind(1, machine_id);
  if (!stmt->step()) return std::nullopt;
  return read_use(*stmt);
}

Id UsesRepository::start(Id user_id, Id machine_id, db::Timestamp start, db::Timestamp last_seen,
                         bool replay) {
  return create(Use{.user_id = user_id,
                    .machine_id = machine_id,
                    .start = start,
                    .last_seen = last_seen,
                    .replay = replay});
}

bool UsesRepository::refresh(Id use_id, db::Timestamp now) {
  return conn_.execute("UPDATE uses SET last_seen = ? WHERE use_id = ? AND end_timestamp IS NULL",
                       now, use_id) == 1;
}

void UsesRepository::add_hours(Id machine_id, double seconds, bool floor_at_zero) {
  if (seconds == 0) return;
  conn_.execute(floor_at_zero ? "UPDATE machines SET machine_hours = max(0, machine_hours + ?) "
                                "WHERE machine_id = ?"
                              : "UPDATE machines SET machine_hours = machine_hours + ? "
                                "WHERE machine_id = ?",
                seconds / 3600.0, machine_id);
}

bool UsesRepository::close(Id use_id, db::Timestamp end, db::Timestamp last_seen) {
  return close_use(use_id, end, last_seen, false);
}

bool UsesRepository::close_lasting(const Use& open, double duration, db::Timestamp now) {
  Transaction tx(conn_);
  if (open.start + duration > now) {
    conn_.execute("UPDATE uses SET start_timestamp = ? WHERE use_id = ?", now - duration, open.id);
  }
  // close_use checks, in this transaction, that the use is still open.
  if (!close_use(open.id, std::min(open.start + duration, now), now, false)) return false;
  tx.commit();  // not above: a use closed meanwhile keeps its start
  return true;
}

bool UsesRepository::close_use(Id use_id, db::Timestamp end, db::Timestamp last_seen,
                               bool end_estimated) {
  Transaction tx(conn_);
  const auto use = get(use_id);
  if (!use || !use->open()) return false;
  end = std::max(end, use->start);  // a clock set back must not make hours negative
  conn_.execute(
      "UPDATE uses SET end_timestamp = ?, last_seen = ?, end_estimated = ? WHERE use_id = ?", end,
      last_seen, end_estimated, use_id);
  add_hours(use->machine_id, end - use->start);
  count_closed_use(conn_, use->machine_id, use->start, end);
  tx.commit();
  return true;
}

bool UsesRepository::complete(const Use& estimated, db::Timestamp end, db::Timestamp now) {
  return take_estimate(estimated, std::max(end, estimated.start), now);
}

bool UsesRepository::reopen(const Use& estimated, db::Timestamp now) {
  return take_estimate(estimated, std::nullopt, now);
}

// The estimated end of a closed use replaced by `end` (null: open again), its hours and counters
// moved by the difference.
bool UsesRepository::take_estimate(const Use& estimated, std::optional<db::Timestamp> end,
                                   db::Timestamp now) {
  Transaction tx(conn_);
  const auto use = get(estimated.id);
  if (!use || use->open() || !use->end_estimated) return false;
  conn_.execute(
      "UPDATE uses SET end_timestamp = ?, last_seen = ?, end_estimated = 0 WHERE use_id = ?", end,
      now, use->id);
  const double seconds = end.value_or(use->start) - *use->end;
  add_hours(use->machine_id, seconds);
  count_use_seconds(conn_, use->machine_id, use->start, seconds);
  tx.commit();
  return true;
}

std::int64_t UsesRepository::close_open(Id machine_id) {
  Transaction tx(conn_);
  std::int64_t closed = 0;
  for (const auto& use : open_uses(machine_id))
    closed += close_use(use.id, use.last_seen, use.last_seen, true) ? 1 : 0;
  tx.commit();
  return closed;
}

std::int64_t UsesRepository::close_stale(db::Timestamp seen_before) {
  Transaction tx(conn_);
  std::int64_t closed = 0;
  for (const auto& use : all_open_uses()) {
    if (use.last_seen < seen_before)
      closed += close_use(use.id, use.last_seen, use.last_seen, true) ? 1 : 0;
  }
  tx.commit();
  return closed;
}

Id UsesRepository::record_closed(Id user_id, Id machine_id, db::Timestamp start, db::Timestamp end,
                                 bool replay) {
  return create(Use{.user_id = user_id,
                    .machine_id = machine_id,
                    .start = start,
                    .last_seen = end,
                    .end = end,
                    .replay = replay});
}

Id UsesRepository::create(const Use& use) {
  return translating_conflicts(std::span<const ConstraintField>(), [&] {
    Transaction tx(conn_);
    conn_.execute(
        "INSERT INTO uses (user_id, machine_id, start_timestamp, last_seen, end_timestamp, "
        "replay) VALUES (?, ?, ?, ?, ?, ?)",
        use.user_id, use.machine_id, use.start, use.last_seen, use.end, use.replay);
    const Id id = conn_.last_insert_rowid();
    if (use.end) {
      add_hours(use.machine_id, closed_seconds(use));
      count_closed_use(conn_, use.machine_id, use.start, *use.end);
    }
    tx.commit();
    return id;
  });
}

std::optional<Use> UsesRepository::get(Id id) {
  auto stmt = conn_.prepare_cached(select_from("WHERE use_id = ?"));
  stmt->bind(1, id);
  if (!stmt->step()) return std::nullopt;
  return read_use(*stmt);
}

std::vector<Use> UsesRepository::list(const UseFilter& filter, const Page& page) {
  auto query = filtered(select_from(""), filter);
  query.order_by(directed(order_of(filter.sort), filter.descending)).page(page);
  return read_all(query.prepare(conn_));
}

void UsesRepository::each(const UseFilter& filter, const std::function<void(const Use&)>& row) {
  auto query = filtered(select_from(""), filter);
  query.order_by(directed(order_of(filter.sort), filter.descending));
  auto stmt = query.prepare(conn_);
  while (stmt->step()) {
    row(read_use(*stmt));
  }
}

std::int64_t UsesRepository::count(const UseFilter& filter) {
  auto stmt = filtered("SELECT COUNT(*) FROM uses", filter).prepare(conn_);
  stmt->step();
  return stmt->get<std::int64_t>(0);
}

bool UsesRepository::update(const Use& use, bool adjust_machine_hours) {
  return translating_conflicts(std::span<const ConstraintField>(), [&] {
    Transaction tx(conn_);
    const auto before = get(use.id);
    if (!before) return false;
    conn_.execute(
        // Written by hand, the end is no longer an estimate a board may correct.
        "UPDATE uses SET user_id = ?, machine_id = ?, start_timestamp = ?, last_seen = ?, "
        "end_timestamp = ?, replay = ?, end_estimated = 0 WHERE use_id = ?",
        use.user_id, use.machine_id, use.start, use.last_seen, use.end, use.replay, use.id);
    if (adjust_machine_hours) {
      add_hours(before->machine_id, -closed_seconds(*before));
      add_hours(use.machine_id, closed_seconds(use));
    }
    recompute_machine(conn_, before->machine_id);
    if (use.machine_id != before->machine_id) recompute_machine(conn_, use.machine_id);
    tx.commit();
    return true;
  });
}

bool UsesRepository::remove(Id id, bool adjust_machine_hours) {
  Transaction tx(conn_);
  const auto before = get(id);
  if (!before) return false;
  conn_.execute("DELETE FROM uses WHERE use_id = ?", id);
  // Not below zero: the hours may have been set lower by hand since the use was counted, and
  // negative hours are a value the portal refuses to save again.
  if (adjust_machine_hours) add_hours(before->machine_id, -closed_seconds(*before), true);
  recompute_machine(conn_, before->machine_id);
  tx.commit();
  return true;
}

}  // namespace fabomatic::db
