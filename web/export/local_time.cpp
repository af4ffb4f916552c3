#include "web/export/local_time.hpp"

#include <cmath>
#include <cstdio>
#include <ctime>

namespace fabomatic::web::exports {

LocalTime local_time(double unix_seconds) {
  const auto t = static_cast<std::time_t>(std::floor(unix_seconds));
  std::tm tm{};
  localtime_r(&t, &tm);
  return {tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec};
}

std::string format_local(double unix_seconds) {
  const LocalTime t = local_time(unix_seconds);
  char text[32];
  std::snprintf(text, sizeof text, "%04d-%02d-%02d %02d:%02d:%02d", t.year, t.month, t.day, t.hour,
                t.minute, t.second);
  return text;
}

std::string format_iso_local(double unix_seconds) {
  const auto t = static_cast<std::time_t>(std::floor(unix_seconds));
  std::tm tm{};
  localtime_r(&t, &tm);
  // Time zones are within a day of UTC: the offset's hours take two digits.
  const int offset_min = static_cast<int>(tm.tm_gmtoff / 60) % (24 * 60);
  const int offset_abs = offset_min < 0 ? -offset_min : offset_min;
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                offset_min < 0 ? '-' : '+', offset_abs / 60, offset_abs % 60);
  return text;
}

std::string format_local_date(double unix_seconds) {
  const LocalTime t = local_time(unix_seconds);
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02d-%02d", t.year, t.month, t.day);
  return text;
}

}  // namespace fabomatic::web::exports
