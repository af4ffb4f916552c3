// Taps of cards that belong to nobody, so the admin can turn them into members.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
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
  // Deletes the oldest taps so that at most `max_rows` remain (by id: taps are numbered in the
  // order they were recorded); returns how many went.
  std::int64_t keep_newest(std::int64_t max_rows);

 private:
  Connection& conn_;
};

// What the board path records of unknown cards: a card tapped again and again on one machine
// (a member trying their new card) is one row per window, not one per tap, and the table keeps
// at most max_rows taps — a board inventing card numbers cannot fill the SD card.
class UnknownTapRecorder {
 public:
  struct Options {
    double window_s = 300;              // a card on a machine is recorded once per window
    std::int64_t max_rows = 10'000;     // taps kept; the oldest go
    std::size_t max_remembered = 4096;  // (card, machine) pairs remembered for the window
  };
  explicit UnknownTapRecorder(Options options) : options_(options) {}

  // Whether the tap is to be recorded: not when the same card was recorded on the same machine
  // within the window.
  bool due(std::string_view card, Id machine_id, Timestamp now) const;
  // Records the tap (in the caller's transaction, if any) and trims the table to max_rows.
  void record(Connection& conn, std::string_view card, Id machine_id, Timestamp now);

 private:
  Options options_;
  std::map<std::pair<std::string, Id>, Timestamp> recent_;
};

}  // namespace fabomatic::db
