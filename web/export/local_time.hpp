// Times as the people of the lab read them: the appliance's local time zone (TZ, else
// /etc/localtime), to the second.
#pragma once

#include <string>

namespace fabomatic::web::exports {

struct LocalTime {
  int year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0;
};

LocalTime local_time(double unix_seconds);

/// "2026-12-07 14:03:05"
std::string format_local(double unix_seconds);

/// ISO 8601 with the offset of the local zone then: "2026-12-07T14:03:05+01:00"
std::string format_iso_local(double unix_seconds);

/// "2026-12-07"
std::string format_local_date(double unix_seconds);

}  // namespace fabomatic::web::exports
