#include "db/unknown_cards_repository.hpp"

#include "db/repository.hpp"

namespace fabomatic::db {

namespace {

constexpr std::string_view kSelect =
    "SELECT id, \"card_UUID\", timestamp, machine_id FROM unknown_cards";

UnknownCard read_tap(const Statement& row) {
  return UnknownCard{.id = row.get<Id>(0),
                     .card = row.get<std::string>(1),
                     .timestamp = row.get<double>(2),
                     .machine_id = row.get<Id>(3)};
}

ListQuery filtered(std::string select, const UnknownCardFilter& filter) {
  ListQuery query(std::move(select));
  if (filter.machine_id) query.where("machine_id = ?", {*filter.machine_id});
  if (filter.card) query.where("\"card_UUID\" = ?", {normalize_card(*filter.card)});
  return query;
}

constexpr ConstraintField kTapConstraints[] = {{"FOREIGN KEY", "machine"}};

}  // namespace

Id UnknownCardsRepository::record(std::string_view card, Id machine_id, Timestamp when) {
  return translating_conflicts(kTapConstraints, [&] {
    conn_.execute(
        "INSERT INTO unknown_cards (\"card_UUID\", timestamp, machine_id) VALUES (?, ?, ?)",
        normalize_card(card), when, machine_id);
    return conn_.last_insert_rowid();
  });
}

std::optional<UnknownCard> UnknownCardsRepository::get(Id id) {
  auto stmt = conn_.prepare_cached(std::string(kSelect) + " WHERE id = ?");
  stmt->bind(1, id);
  if (!stmt->step()) return std::nullopt;
  return read_tap(*stmt);
}

std::vector<UnknownCard> UnknownCardsRepository::list(const UnknownCardFilter& filter,
                                                      const Page& page) {
  auto query = filtered(std::string(kSelect), filter);
  query.order_by("timestamp DESC, id DESC").page(page);
  auto stmt = query.prepare(conn_);
  std::vector<UnknownCard> taps;
  while (stmt->step())
    taps.push_back(read_tap(*stmt));
  return taps;
}

void UnknownCardsRepository::each(const UnknownCardFilter& filter,
                                  const std::function<void(const UnknownCard&)>& row) {
  auto query = filtered(std::string(kSelect), filter);
  query.order_by("timestamp DESC, id DESC");
  auto stmt = query.prepare(conn_);
  while (stmt->step()) {
    row(read_tap(*stmt));
  }
}

std::int64_t UnknownCardsRepository::count(const UnknownCardFilter& filter) {
  auto stmt = filtered("SELECT COUNT(*) FROM unknown_cards", filter).prepare(conn_);
  stmt->step();
  return stmt->get<std::int64_t>(0);
}

bool UnknownCardsRepository::remove(Id id) {
  return conn_.execute("DELETE FROM unknown_cards WHERE id = ?", id) == 1;
}

std::int64_t UnknownCardsRepository::remove_card(std::string_view card) {
  // Legacy taps may hold upper case: compare case-insensitively (the admin's action, not the
  // board path, so a scan of this short-lived table is fine).
  return conn_.execute("DELETE FROM unknown_cards WHERE lower(\"card_UUID\") = ?",
                       normalize_card(card));
}

std::int64_t UnknownCardsRepository::keep_newest(std::int64_t max_rows) {
  const auto newest =
      conn_.query_one<std::int64_t>("SELECT COALESCE(MAX(id), 0) FROM unknown_cards");
  if (newest <= max_rows) return 0;
  return conn_.execute("DELETE FROM unknown_cards WHERE id <= ?", newest - max_rows);
}

bool UnknownTapRecorder::due(std::string_view card, Id machine_id, Timestamp now) const {
  const auto it = recent_.find(std::make_pair(normalize_card(card), machine_id));
  return it == recent_.end() || now - it->second >= options_.window_s || now < it->second;
}

void UnknownTapRecorder::record(Connection& conn, std::string_view card, Id machine_id,
                                Timestamp now) {
  auto key = std::make_pair(normalize_card(card), machine_id);
  UnknownCardsRepository taps(conn);
  const Id id = taps.record(card, machine_id, now);
  if (id > options_.max_rows) taps.keep_newest(options_.max_rows);
  if (recent_.size() >= options_.max_remembered) {
    // Forget what the window has passed; if still full, start again (a flood of invented cards
    // then records one row per tap, which the row limit bounds).
    std::erase_if(recent_,
                  [&](const auto& entry) { return now - entry.second >= options_.window_s; });
    if (recent_.size() >= options_.max_remembered) recent_.clear();
  }
  recent_[std::move(key)] = now;
}

}  // namespace fabomatic::db
