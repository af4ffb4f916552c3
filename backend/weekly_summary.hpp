// The weekly summary mail: the last seven days' uses per machine, the maintenance due now and
// the unknown cards tapped, in English or Italian; and when it is next due (the service sends
// it itself, on [weekly_summary] day at hour, local time).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "db/sqlite.hpp"

namespace fabomatic::backend {

struct SummaryText {
  std::string subject;
  std::string text;
};

/// The summary of the 7 days before `now` (unix seconds), in `language` ("en" or "it"; anything
/// else reads as "en"). Times in the text are local.
SummaryText compose_weekly_summary(db::Connection& db, double now, std::string_view language);

/// 0 = monday .. 6 = sunday; nullopt for anything else.
std::optional<int> weekday_index(std::string_view day);

/// The first moment after `now` that is `day` (monday..sunday) at `hour`:00 local time.
double next_summary_time(double now, std::string_view day, unsigned hour);

}  // namespace fabomatic::backend
