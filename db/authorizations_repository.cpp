#include "db/authorizations_repository.hpp"

#include "db/repository.hpp"

namespace fabomatic::db {

namespace {

constexpr std::string_view kSelect =
    "SELECT authorization_id, user_id, machine_id FROM authorizations";

Authorization read_authorization(const Statement& row) {
  return Authorization{
      .id = row.get<Id>(0), .user_id = row.get<Id>(1), .machine_id = row.get<Id>(2)};
}

// SQLite names a failed multi-column UNIQUE by all its columns.
constexpr ConstraintField kPairConstraints[] = {
    {"authorizations.user_id, authorizations.machine_id", "user_machine"}};

std::string_view order_of(AuthorizationSort sort) {
  switch (sort) {
    case AuthorizationSort::User:
      return "user_id %, machine_id %";
    case AuthorizationSort::Machine:
      return "machine_id %, user_id %";
    case AuthorizationSort::Id:
      break;
  }
  return "authorization_id %";
}

ListQuery filtered(std::string select, const AuthorizationFilter& filter) {
  ListQuery query(std::move(select));
  if (filter.user_id) query.where("user_id = ?", {*filter.user_id});
  if (filter.machine_id) query.where("machine_id = ?", {*filter.machine_id});
  return query;
}

}  // namespace

Id AuthorizationsRepository::create(Id user_id, Id machine_id) {
  return translating_conflicts(kPairConstraints, [&] {
    conn_.execute("INSERT INTO authorizations (user_id, machine_id) VALUES (?, ?)", user_id,
                  machine_id);
    return conn_.last_insert_rowid();
  });
}

std::optional<Authorization> AuthorizationsRepository::get(Id id) {
  auto stmt = conn_.prepare_cached(std::string(kSelect) + " WHERE authorization_id = ?");
  stmt->bind(1, id);
  if (!stmt->step()) return std::nullopt;
  return read_authorization(*stmt);
}

bool AuthorizationsRepository::exists(Id user_id, Id machine_id) {
  return conn_
      .query_optional<std::int64_t>(
          "SELECT 1 FROM authorizations WHERE user_id = ? AND machine_id = ?", user_id, machine_id)
      .has_value();
}

std::vector<Authorization> AuthorizationsRepository::list(const AuthorizationFilter& filter,
                                                          const Page& page) {
  auto query = filtered(std::string(kSelect), filter);
  query.order_by(directed(order_of(filter.sort), filter.descending)).page(page);
  auto stmt = query.prepare(conn_);
  std::vector<Authorization> rows;
  while (stmt->step())
    rows.push_back(read_authorization(*stmt));
  return rows;
}

void AuthorizationsRepository::each(const AuthorizationFilter& filter,
                                    const std::function<void(const Authorization&)>& row) {
  auto query = filtered(std::string(kSelect), filter);
  query.order_by(directed(order_of(filter.sort), filter.descending));
  auto stmt = query.prepare(conn_);
  while (stmt->step()) {
    row(read_authorization(*stmt));
  }
}

std::int64_t AuthorizationsRepository::count(const AuthorizationFilter& filter) {
  auto stmt = filtered("SELECT COUNT(*) FROM authorizations", filter).prepare(conn_);
  stmt->step();
  return stmt->get<std::int64_t>(0);
}

bool AuthorizationsRepository::update(const Authorization& authorization) {
  return translating_conflicts(kPairConstraints, [&] {
    return conn_.execute(
               "UPDATE authorizations SET user_id = ?, machine_id = ? WHERE authorization_id = ?",
               authorization.user_id, authorization.machine_id, authorization.id) == 1;
  });
}

bool AuthorizationsRepository::remove(Id id) {
  return conn_.execute("DELETE FROM authorizations WHERE authorization_id = ?", id) == 1;
}

bool AuthorizationsRepository::remove_pair(Id user_id, Id machine_id) {
  return conn_.execute("DELETE FROM authorizations WHERE user_id = ? AND machine_id = ?", user_id,
                       machine_id) > 0;
}

std::int64_t AuthorizationsRepository::bulk_add(Id machine_id, std::span<const Id> user_ids) {
  return translating_conflicts(kPairConstraints, [&] {
    Transaction tx(conn_);
    std::int64_t added = 0;
    for (Id user_id : user_ids) {
      // OR IGNORE skips an existing pair; a missing user or machine still fails (foreign keys
      // are not subject to conflict resolution) and rolls the whole batch back.
      added +=
          conn_.execute("INSERT OR IGNORE INTO authorizations (user_id, machine_id) VALUES (?, ?)",
                        user_id, machine_id);
    }
    tx.commit();
    return added;
  });
}

std::int64_t AuthorizationsRepository::bulk_remove(std::span<const Id> authorization_ids) {
  Transaction tx(conn_);
  std::int64_t removed = 0;
  for (Id id : authorization_ids)
    removed += conn_.execute("DELETE FROM authorizations WHERE authorization_id = ?", id);
  tx.commit();
  return removed;
}

}  // namespace fabomatic::db
