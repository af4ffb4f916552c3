// Members. Cards are stored lowercase and looked up through the unique index on card_UUID, so a
// board's checkuser costs the same with ten members or ten thousand.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "db/models.hpp"
#include "db/sqlite.hpp"

namespace fabomatic::db {

enum class UserSort { Id, Name, Card, Email, Role };

// Who holds a card that several rows of `users` show (cards that differ only by case, left as
// they were by the upgrade, or a deleted member's card left by an old version): the first in
// this order — not deleted, then enabled, then stored lowercase, then the lowest id. The
// columns of the users row named `alias`, comma-separated: an ORDER BY list, or in parentheses
// a row value to compare two holders with.
std::string card_holder_order(std::string_view alias);

struct UserFilter {
  bool include_deleted = false;
  std::optional<Id> role_id;
  std::optional<bool> disabled;
  // Case-insensitive substring of name, surname, e-mail or card.
  std::optional<std::string> search;
  UserSort sort = UserSort::Id;
  bool descending = false;
};

class UsersRepository {
 public:
  explicit UsersRepository(Connection& conn) : conn_(conn) {}

  // Returns the new id. The card is stored lowercase (an empty card is no card).
  // Conflict("card") when another user has the card.
  Id create(const User& user);
  std::optional<User> get(Id id);
  // The users of these ids in one query (ids of none are skipped; any order).
  std::vector<User> get_many(std::span<const Id> ids);
  // Case-insensitive; deleted users are returned too (the caller decides what they mean).
  std::optional<User> by_card(std::string_view card);
  // Case-insensitive e-mail match among non-deleted users (for the portal's login).
  std::optional<User> by_email(std::string_view email);
  std::vector<User> list(const UserFilter& filter = {}, const Page& page = {});
  // Every row list() would answer without paging, handed to `row` one at a time as it is read
  // without their password hash (a cursor: memory does not grow with the rows; exports).
  void each(const UserFilter& filter, const std::function<void(const User&)>& row);
  std::int64_t count(const UserFilter& filter = {});

  // Writes every column. False when there is no such user; Conflict("card") as for create.
  bool update(const User& user);
  bool set_password_hash(Id id, std::string_view hash);
  // Soft delete: marks the user deleted and frees the card; history keeps pointing at the row.
  bool remove(Id id);

 private:
  Connection& conn_;
};

}  // namespace fabomatic::db
