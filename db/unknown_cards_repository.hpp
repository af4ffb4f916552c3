// Taps of cards that belong to nobody, so the admin can turn them into members.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/models.hpp"
#include "db/sqlite.hpp"

namespace fabomatic::db {

struct UnknownCardFilter {
  std::optional<Id> machine_id;
  std::optional<std::string> card;  // exact card, any case
};

class UnknownCardsRepository {
 public:
  explicit UnknownCardsRepository(Connection& conn) : conn_(conn) {}

  // Records a tap (card stored lowercase); returns its id.
  Id record(std::string_view card, Id machine_id, Timestamp when);
  std::optional<UnknownCard> get(Id id);
  // Newest first.
  std::vector<UnknownCard> list(const UnknownCardFilter& filter = {}, const Page& page = {});
  // Every row list() would answer without paging, handed to `row` one at a time as it is read
  // (a cursor: memory does not grow with the rows; exports).
  void each(const UnknownCardFilter& filter, const std::function<void(const UnknownCard&)>& row);
  std::int64_t count(const UnknownCardFilter& filter = {});

  bool remove(Id id);
  // Removes every tap of the card (any case), once it belongs to a member; returns how many.
  std::int64_t remove_card(std::string_view card);

 private:
  Connection& conn_;
};

}  // namespace fabomatic::db
