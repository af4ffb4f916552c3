// Figures over a time range for reports (the weekly summary mail): uses per machine and the
// taps of unknown cards, each in one grouped query.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "db/models.hpp"
#include "db/sqlite.hpp"

namespace fabomatic::db {

struct MachineUsage {
  Id machine_id = 0;
  std::string machine_name;
  std::int64_t uses = 0;  // uses that started in the range
  double seconds = 0;     // their duration (an open use: until its last sign of life)
};

/// Every machine (also those unused in the range), by name.
std::vector<MachineUsage> usage_by_machine(Connection& conn, Timestamp from, Timestamp before);

struct UnknownCardTaps {
  std::string card;
  std::int64_t taps = 0;
  Timestamp last = 0;
  std::string last_machine;  // where it was last tapped
};

/// Unknown cards tapped in the range, the most recently tapped first.
std::vector<UnknownCardTaps> unknown_cards_between(Connection& conn, Timestamp from,
                                                   Timestamp before);

struct SummaryRecipient {
  Id user_id = 0;
  std::string name;  // "Name Surname"
  std::string email;
};

/// Members who asked for the weekly summary and can receive it: not deleted, not disabled,
/// with an e-mail address.
std::vector<SummaryRecipient> weekly_summary_recipients(Connection& conn);

}  // namespace fabomatic::db
