#include "db/users_repository.hpp"

#include "db/repository.hpp"

namespace fabomatic::db {

namespace {

constexpr std::string_view kSelect =
    "SELECT user_id, name, surname, role_id, \"card_UUID\", disabled, deleted, password_hash, "
    "email, receive_weekly_summary, password_change_required FROM users";

User read_user(const Statement& row) {
  User user;
  user.id = row.get<Id>(0);
  user.name = row.get<std::string>(1);
  user.surname = row.get<std::string>(2);
  user.role_id = row.get<Id>(3);
  user.card = row.get<std::optional<std::string>>(4);
  user.disabled = row.get<bool>(5);
  user.deleted = row.get<bool>(6);
  user.password_hash = row.get<std::optional<std::string>>(7);
  user.email = row.get<std::optional<std::string>>(8);
  user.receive_weekly_summary = row.get<bool>(9);
  user.password_change_required = row.get<bool>(10);
  return user;
}

std::optional<User> read_one(CachedStatement stmt) {
  if (!stmt->step()) return std::nullopt;
  return read_user(*stmt);
}

std::optional<std::string> stored_card(const std::optional<std::string>& card) {
  if (!card || card->empty()) return std::nullopt;
  return normalize_card(*card);
}

constexpr ConstraintField kUniqueCard[] = {{"users.card_UUID", "card"}};

// The unique index compares cards byte for byte; cards are equal regardless of case, so a card
// that another user holds in another case is refused too.
void refuse_card_of_another(Connection& conn, const std::optional<std::string>& card, Id self) {
  if (!card) return;
  if (conn.query_optional<Id>(
          "SELECT user_id FROM users WHERE lower(\"card_UUID\") = ? AND user_id <> ? LIMIT 1",
          *card, self))
    throw Conflict("card", "card " + *card + " belongs to another user");
}

std::string_view order_of(UserSort sort) {
  switch (sort) {
    case UserSort::Name:
      return "surname COLLATE NOCASE %, name COLLATE NOCASE %, user_id %";
    case UserSort::Card:
      return "\"card_UUID\" %, user_id %";
    case UserSort::Email:
      return "email COLLATE NOCASE %, user_id %";
    case UserSort::Role:
      return "role_id %, user_id %";
    case UserSort::Id:
      break;
  }
  return "user_id %";
}

ListQuery filtered(std::string select, const UserFilter& filter) {
  ListQuery query(std::move(select));
  if (!filter.include_deleted) query.where("deleted = 0");
  if (filter.role_id) query.where("role_id = ?", {*filter.role_id});
  if (filter.disabled) query.where("disabled = ?", {std::int64_t{*filter.disabled ? 1 : 0}});
  if (filter.search && !filter.search->empty()) {
    const std::string pattern = contains_pattern(*filter.search);
    query.where(
        "name LIKE ? ESCAPE '\\' OR surname LIKE ? ESCAPE '\\' OR email LIKE ? ESCAPE '\\' "
        "OR \"card_UUID\" LIKE ? ESCAPE '\\'",
        {pattern, pattern, pattern, pattern});
  }
  return query;
}

}  // namespace

Id UsersRepository::create(const User& user) {
  refuse_card_of_another(conn_, stored_card(user.card), 0);
  return translating_conflicts(kUniqueCard, [&] {
    conn_.execute(
        "INSERT INTO users (name, surname, role_id, \"card_UUID\", disabled, deleted, "
        "password_hash, email, receive_weekly_summary, password_change_required) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        user.name, user.surname, user.role_id, stored_card(user.card), user.disabled, user.deleted,
        user.password_hash, user.email, user.receive_weekly_summary, user.password_change_required);
    return conn_.last_insert_rowid();
  });
}

std::vector<User> UsersRepository::get_many(std::span<const Id> ids) {
  return rows_with_ids(conn_, kSelect, "user_id", ids, read_user);
}

std::optional<User> UsersRepository::get(Id id) {
  auto stmt = conn_.prepare_cached(std::string(kSelect) + " WHERE user_id = ?");
  stmt->bind(1, id);
  return read_one(std::move(stmt));
}

std::string card_holder_order(std::string_view alias) {
  const std::string a(alias);
  return a + ".deleted <> 0, " + a + ".disabled <> 0, " + a + ".\"card_UUID\" <> lower(" + a +
         ".\"card_UUID\"), " + a + ".user_id";
}

std::optional<User> UsersRepository::by_card(std::string_view card) {
  if (card.empty()) return std::nullopt;
  // Served by the index on lower(card_UUID). Cards are stored lowercase, but a legacy file may
  // keep two cards that differ only by case (the upgrade reports them and leaves them), or a
  // card on a deleted member. The holder is the one card_holder_order() puts first: a card passed
  // on to a new member belongs to them, not to the deleted or disabled member who had it.
  static const std::string sql = std::string(kSelect) +
                                 " u WHERE lower(\"card_UUID\") = ?1 ORDER BY " +
                                 card_holder_order("u") + " LIMIT 1";
  auto stmt = conn_.prepare_cached(sql);
  stmt->bind(1, normalize_card(card));
  return read_one(std::move(stmt));
}

std::optional<User> UsersRepository::by_email(std::string_view email) {
  if (email.empty()) return std::nullopt;
  auto stmt = conn_.prepare_cached(std::string(kSelect) +
                                   " WHERE email = ? COLLATE NOCASE AND deleted = 0 "
                                   "ORDER BY user_id LIMIT 1");
  stmt->bind(1, email);
  return read_one(std::move(stmt));
}

std::vector<User> UsersRepository::list(const UserFilter& filter, const Page& page) {
  auto query = filtered(std::string(kSelect), filter);
  query.order_by(directed(order_of(filter.sort), filter.descending)).page(page);
  auto stmt = query.prepare(conn_);
  std::vector<User> users;
  while (stmt->step())
    users.push_back(read_user(*stmt));
  return users;
}

void UsersRepository::each(const UserFilter& filter, const std::function<void(const User&)>& row) {
  auto query = filtered(std::string(kSelect), filter);
  query.order_by(directed(order_of(filter.sort), filter.descending));
  auto stmt = query.prepare(conn_);
  while (stmt->step()) {
    User user = read_user(*stmt);
    user.password_hash.reset();
    row(user);
  }
}

std::int64_t UsersRepository::count(const UserFilter& filter) {
  auto stmt = filtered("SELECT COUNT(*) FROM users", filter).prepare(conn_);
  stmt->step();
  return stmt->get<std::int64_t>(0);
}

bool UsersRepository::update(const User& user) {
  refuse_card_of_another(conn_, stored_card(user.card), user.id);
  return translating_conflicts(kUniqueCard, [&] {
    return conn_.execute(
               "UPDATE users SET name = ?, surname = ?, role_id = ?, \"card_UUID\" = ?, "
               "disabled = ?, deleted = ?, password_hash = ?, email = ?, "
               "receive_weekly_summary = ?, password_change_required = ? WHERE user_id = ?",
               user.name, user.surname, user.role_id, stored_card(user.card), user.disabled,
               user.deleted, user.password_hash, user.email, user.receive_weekly_summary,
               user.password_change_required, user.id) == 1;
  });
}

bool UsersRepository::set_password_hash(Id id, std::string_view hash) {
  return conn_.execute("UPDATE users SET password_hash = ? WHERE user_id = ?", hash, id) == 1;
}

bool UsersRepository::remove(Id id) {
  return conn_.execute("UPDATE users SET deleted = 1, \"card_UUID\" = NULL WHERE user_id = ?",
                       id) == 1;
}

}  // namespace fabomatic::db
