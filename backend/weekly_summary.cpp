#include "backend/weekly_summary.hpp"

#include <cmath>
#include <cstdio>
#include <ctime>

#include "common/clock.hpp"
#include "db/machines_repository.hpp"
#include "db/maintenance_due.hpp"
#include "db/reports.hpp"

namespace fabomatic::backend {

namespace {

constexpr double kWeek = 7 * 86400.0;

struct Words {
  const char* subject;  // "%s" = the period
  const char* title;    // "%s" = the period
  const char* usage;
  const char* uses_line;  // machine, uses, hours
  const char* unused;
  const char* maintenance;
  const char* plan_line;  // machine, plan, used, between
  const char* none_due;
  const char* unknown;
  const char* tap_line;  // card, taps, last time, machine
  const char* no_unknown;
  const char* total;  // uses, hours
  const char* footer;
};

constexpr Words kEnglish{
    "Weekly summary %s",
    "Weekly summary of the FabLab, %s",
    "Uses per machine",
    "  %s: %lld use(s), %.1f h",
    "  (no machine was used)",
    "Maintenance due",
    "  %s: %s (%.1f h used of %.1f h)",
    "  (none)",
    "Unknown cards",
    "  %s: %lld tap(s), last on %s at %s",
    "  (none)",
    "In total: %lld use(s), %.1f h.",
    "Sent by fabomatic. To stop receiving it, untick \"receive weekly summary\" in your profile."};

constexpr Words kItalian{
    "Riepilogo settimanale %s",
    "Riepilogo settimanale del FabLab, %s",
    "Utilizzi per macchina",
    "  %s: %lld utilizzi, %.1f ore",
    "  (nessuna macchina è stata usata)",
    "Manutenzioni da fare",
    "  %s: %s (%.1f ore di utilizzo su %.1f)",
    "  (nessuna)",
    "Tessere sconosciute",
    "  %s: %lld letture, l'ultima il %s su %s",
    "  (nessuna)",
    "In tutto: %lld utilizzi, %.1f ore.",
    "Inviato da fabomatic. Per non riceverlo più, togli \"riceve il riepilogo settimanale\" nel "
    "tuo profilo."};

std::string printf_string(const char* format, auto... args) {
  const int n = std::snprintf(nullptr, 0, format, args...);
  std::string out(static_cast<std::size_t>(n > 0 ? n : 0), '\0');
  std::snprintf(out.data(), out.size() + 1, format, args...);
  return out;
}

std::string local(double t, const char* format) {
  return format_time(t, format);
}

}  // namespace

SummaryText compose_weekly_summary(db::Connection& db, double now, std::string_view language) {
  const Words& w = language == "it" ? kItalian : kEnglish;
  const double from = now - kWeek;
  const std::string period = local(from, "%Y-%m-%d") + " - " + local(now, "%Y-%m-%d");
  SummaryText out;
  out.subject = printf_string(w.subject, period.c_str());
  std::string& t = out.text;
  t += printf_string(w.title, period.c_str()) + "\n\n";

  t += std::string(w.usage) + "\n";
  long long total_uses = 0;
  double total_hours = 0;
  bool any = false;
  for (const auto& m : db::usage_by_machine(db, from, now)) {
    if (m.uses == 0) continue;
    any = true;
    total_uses += m.uses;
    total_hours += m.seconds / 3600.0;
    t += printf_string(w.uses_line, m.machine_name.c_str(), static_cast<long long>(m.uses),
                       m.seconds / 3600.0) +
         "\n";
  }
  if (!any) t += std::string(w.unused) + "\n";
  t += printf_string(w.total, total_uses, total_hours) + "\n\n";

  t += std::string(w.maintenance) + "\n";
  any = false;
  for (const db::Id machine_id : db::machines_with_due_plans(db)) {
    const auto machine = db::MachinesRepository(db).get(machine_id);
    for (const auto& plan : db::plan_statuses(db, machine_id)) {
      if (!plan.due) continue;
      any = true;
      t += printf_string(w.plan_line, machine ? machine->name.c_str() : "?",
                         plan.description.c_str(), plan.used_hours, plan.hours_between) +
           "\n";
    }
  }
  if (!any) t += std::string(w.none_due) + "\n";
  t += "\n";

  t += std::string(w.unknown) + "\n";
  const auto taps = db::unknown_cards_between(db, from, now);
  for (const auto& c : taps) {
    t += printf_string(w.tap_line, c.card.c_str(), static_cast<long long>(c.taps),
                       local(c.last, "%Y-%m-%d %H:%M").c_str(), c.last_machine.c_str()) +
         "\n";
  }
  if (taps.empty()) t += std::string(w.no_unknown) + "\n";
  t += "\n-- \n" + std::string(w.footer) + "\n";
  return out;
}

std::optional<int> weekday_index(std::string_view day) {
  static constexpr std::string_view kDays[] = {"monday", "tuesday",  "wednesday", "thursday",
                                               "friday", "saturday", "sunday"};
  for (int i = 0; i < 7; ++i) {
    if (kDays[i] == day) return i;
  }
  return std::nullopt;
}

double next_summary_time(double now, std::string_view day, unsigned hour) {
  const int wanted = weekday_index(day).value_or(0);
  const auto seconds = static_cast<std::time_t>(std::floor(now));
  std::tm tm{};
  localtime_r(&seconds, &tm);
  const int today = (tm.tm_wday + 6) % 7;  // tm: 0 = sunday
  for (int ahead = 0; ahead <= 7; ++ahead) {
    std::tm candidate = tm;
    candidate.tm_mday += ahead;
    candidate.tm_hour = static_cast<int>(hour);
    candidate.tm_min = 0;
    candidate.tm_sec = 0;
    candidate.tm_isdst = -1;  // mktime decides (a change of summer time in between)
    if ((today + ahead) % 7 != wanted) continue;
    const double when = static_cast<double>(std::mktime(&candidate));
    if (when > now) return when;
  }
  return now + kWeek;  // not reached
}

}  // namespace fabomatic::backend
