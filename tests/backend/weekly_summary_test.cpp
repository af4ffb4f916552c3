// The weekly summary's text (English and Italian) from a real seeded database, and its schedule.
#include "backend/weekly_summary.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>

#include "db/database.hpp"
#include "db/maintenances_repository.hpp"
#include "db/reports.hpp"
#include "db/unknown_cards_repository.hpp"
#include "db/uses_repository.hpp"

namespace fabomatic::backend {
namespace {

class WeeklySummaryTest : public ::testing::Test {
 protected:
  WeeklySummaryTest() : dir(make_dir()), database(db::open_database((dir / "db.sqldb").string())) {
    setenv("TZ", "Europe/Rome", 1);
    tzset();
  }
  ~WeeklySummaryTest() override { std::filesystem::remove_all(dir); }

  static std::filesystem::path make_dir() {
    char pattern[] = "/tmp/fabomatic-summary-XXXXXX";
    return mkdtemp(pattern);
  }

  std::filesystem::path dir;
  db::Database database;
  double now = 1'800'000'000;  // 2027-01-15 09:00 in Rome, a Friday
};

TEST_F(WeeklySummaryTest, LastWeeksUsesDueMaintenanceAndUnknownCardsInBothLanguages) {
  auto& db = database.conn;
  db::UsesRepository uses(db);
  // Machine 1 (seeded "MACHINE1"), admin user 1: two uses this week (1.5 h and 1 h), one the
  // week before (not counted).
  uses.record_closed(1, 1, now - 86400, now - 86400 + 5400, false);
  uses.record_closed(1, 1, now - 2 * 86400, now - 2 * 86400 + 3600, false);
  uses.record_closed(1, 1, now - 10 * 86400, now - 10 * 86400 + 3600, false);
  db::MaintenancesRepository(db).create(
      db::MaintenancePlan{.hours_between = 1, .description = "Clean the lens", .machine_id = 1});
  db::UnknownCardsRepository taps(db);
  taps.record("deadbeef", 1, now - 3600);
  taps.record("deadbeef", 1, now - 7200);
  taps.record("0badcafe", 1, now - 20 * 86400);  // too old

  const auto en = compose_weekly_summary(db, now, "en");
  EXPECT_EQ(en.subject, "Weekly summary 2027-01-08 - 2027-01-15");
  EXPECT_NE(en.text.find("MACHINE1: 2 use(s), 2.5 h"), std::string::npos) << en.text;
  EXPECT_NE(en.text.find("In total: 2 use(s), 2.5 h."), std::string::npos) << en.text;
  EXPECT_NE(en.text.find("MACHINE1: Clean the lens (3.5 h used of 1.0 h)"), std::string::npos)
      << en.text;
  EXPECT_NE(en.text.find("deadbeef: 2 tap(s), last on 2027-01-15 08:00 at MACHINE1"),
            std::string::npos)
      << en.text;
  EXPECT_EQ(en.text.find("0badcafe"), std::string::npos);

  const auto it = compose_weekly_summary(db, now, "it");
  EXPECT_EQ(it.subject, "Riepilogo settimanale 2027-01-08 - 2027-01-15");
  EXPECT_NE(it.text.find("Utilizzi per macchina"), std::string::npos) << it.text;
  EXPECT_NE(it.text.find("MACHINE1: 2 utilizzi, 2.5 ore"), std::string::npos) << it.text;
  EXPECT_NE(it.text.find("Manutenzioni da fare"), std::string::npos);
  EXPECT_NE(it.text.find("deadbeef: 2 letture"), std::string::npos) << it.text;
}

TEST_F(WeeklySummaryTest, AQuietWeekSaysSo) {
  const auto en = compose_weekly_summary(database.conn, now, "en");
  EXPECT_NE(en.text.find("(no machine was used)"), std::string::npos) << en.text;
  EXPECT_NE(en.text.find("Maintenance due\n  (none)"), std::string::npos) << en.text;
  EXPECT_NE(en.text.find("Unknown cards\n  (none)"), std::string::npos) << en.text;
}

TEST_F(WeeklySummaryTest, RecipientsAreThoseWhoAskedAndCanReceiveIt) {
  auto& db = database.conn;
  db.execute(
      "UPDATE users SET receive_weekly_summary = 1, email = 'admin@lab.test' WHERE user_id = 1");
  db.execute(
      "INSERT INTO users (name, surname, role_id, disabled, deleted, email, "
      "receive_weekly_summary) VALUES ('Off', 'Line', 1, 1, 0, 'off@lab.test', 1), "
      "('No', 'Mail', 1, 0, 0, NULL, 1), ('Not', 'Asked', 1, 0, 0, 'no@lab.test', 0)");
  const auto recipients = db::weekly_summary_recipients(db);
  ASSERT_EQ(recipients.size(), 1u);
  EXPECT_EQ(recipients[0].email, "admin@lab.test");
}

TEST_F(WeeklySummaryTest, NextTimeIsTheNextChosenDayAtTheHourLocalTime) {
  // now: Friday 2027-01-15 09:00 (Rome).
  const auto at = [](double t) {
    const auto s = static_cast<std::time_t>(t);
    std::tm tm{};
    localtime_r(&s, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%a %Y-%m-%d %H:%M", &tm);
    return std::string(text);
  };
  EXPECT_EQ(at(next_summary_time(now, "monday", 8)), "Mon 2027-01-18 08:00");
  EXPECT_EQ(at(next_summary_time(now, "friday", 10)), "Fri 2027-01-15 10:00");
  EXPECT_EQ(at(next_summary_time(now, "friday", 9)), "Fri 2027-01-22 09:00");
  EXPECT_EQ(at(next_summary_time(now, "sunday", 23)), "Sun 2027-01-17 23:00");
  EXPECT_EQ(weekday_index("sunday"), 6);
  EXPECT_EQ(weekday_index("Sunday"), std::nullopt);
}

}  // namespace
}  // namespace fabomatic::backend
