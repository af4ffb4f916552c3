#include "app/mail_center.hpp"

#include <boost/asio/io_context.hpp>

#include "backend/weekly_summary.hpp"
#include "common/clock.hpp"
#include "common/log.hpp"
#include "db/reports.hpp"
#include "web/mail/mailer.hpp"

namespace fabomatic::app {

std::size_t send_weekly_summary(db::Connection& db, web::Mailer& mailer, double now,
                                const std::string& language) {
  const auto summary = backend::compose_weekly_summary(db, now, language);
  std::size_t queued = 0;
  for (const auto& recipient : db::weekly_summary_recipients(db)) {
    if (mailer.send(recipient.email, summary.subject, summary.text)) ++queued;
  }
  return queued;
}

MailCenterImpl::MailCenterImpl(boost::asio::io_context& io, const backend::Settings& settings,
                               db::Connection& db, web::Mailer& mailer)
    : io_(io), settings_(settings), db_(db), mailer_(mailer), timer_(io) {}

void MailCenterImpl::stop() {
  stopped_ = true;
  timer_.cancel();
}

void MailCenterImpl::reschedule() {
  timer_.cancel();
  next_.reset();
  const auto& s = settings_.weekly_summary;
  if (stopped_ || !s.enabled) return;
  const double now = unix_now();
  const double at = backend::next_summary_time(now, s.day, s.hour);
  next_ = at;
  timer_.expires_after(std::chrono::milliseconds(static_cast<long long>((at - now) * 1000)));
  timer_.async_wait([this](const boost::system::error_code& error) {
    if (error) return;
    try {
      const auto sent = send_weekly_summary(settings_.weekly_summary.language.empty()
                                                ? std::string("en")
                                                : settings_.weekly_summary.language);
      log::info("mail", "weekly summary queued for " + std::to_string(sent) + " member(s)");
    } catch (const std::exception& e) {
      log::error("mail", std::string("weekly summary failed: ") + e.what());
    }
    reschedule();
  });
}

void MailCenterImpl::test(std::string to, std::function<void(web::api::MailOutcome)> done) {
  const bool queued = mailer_.send_and_report(
      to, "fabomatic: test mail",
      "This is a test mail from fabomatic, sent from the settings page of the admin portal.\n"
      "Questa è una mail di prova di fabomatic, inviata dalla pagina delle impostazioni.\n",
      [done](bool ok, std::string answer) {
        done({ok, std::move(answer)});
      });
  if (!queued) done({false, "the mail queue is full or the address is not usable"});
}

web::api::SummaryMail MailCenterImpl::weekly_summary(const std::string& language) {
  const auto summary = backend::compose_weekly_summary(db_, unix_now(), language);
  web::api::SummaryMail mail{summary.subject, summary.text, {}};
  for (const auto& r : db::weekly_summary_recipients(db_))
    mail.recipients.push_back(r.email);
  return mail;
}

std::size_t MailCenterImpl::send_weekly_summary(const std::string& language) {
  const std::size_t sent = app::send_weekly_summary(db_, mailer_, unix_now(), language);
  last_sent_ = unix_now();
  return sent;
}

web::api::SummarySchedule MailCenterImpl::schedule() {
  const auto& s = settings_.weekly_summary;
  return {s.enabled, s.language, s.day, s.hour, next_, last_sent_};
}

}  // namespace fabomatic::app
