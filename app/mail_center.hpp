// Mail as the portal sees it: the SMTP test, and the weekly summary — composed by the backend
// (weekly_summary.hpp), sent through the portal's mailer to the members who asked for it, on its
// own schedule ([weekly_summary] enabled, day, hour; a timer on the reactor) and on demand.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <optional>

#include "backend/settings.hpp"
#include "web/api/operations.hpp"

namespace boost::asio {
class io_context;
}
namespace fabomatic::db {
class Connection;
}
namespace fabomatic::web {
class Mailer;
}

namespace fabomatic::app {

class MailCenterImpl final : public web::api::MailCenter {
 public:
  /// `settings` are read at each use: call reschedule() after they changed.
  MailCenterImpl(boost::asio::io_context& io, const backend::Settings& settings, db::Connection& db,
                 web::Mailer& mailer);

  void start() { reschedule(); }
  void stop();
  void reschedule();

  void test(std::string to, std::function<void(web::api::MailOutcome)> done) override;
  web::api::SummaryMail weekly_summary(const std::string& language) override;
  std::size_t send_weekly_summary(const std::string& language) override;
  web::api::SummarySchedule schedule() override;

 private:
  boost::asio::io_context& io_;
  const backend::Settings& settings_;
  db::Connection& db_;
  web::Mailer& mailer_;
  boost::asio::steady_timer timer_;
  std::optional<double> next_;
  std::optional<double> last_sent_;
  bool stopped_ = false;
};

/// Composes the summary and queues one mail per recipient on `mailer`; returns how many were
/// queued. Also what `fabomatic --weekly-summary` does.
std::size_t send_weekly_summary(db::Connection& db, web::Mailer& mailer, double now,
                                const std::string& language);

}  // namespace fabomatic::app
