// Outgoing mail (password reset links, later the weekly summary): an interface so that handlers
// never wait for SMTP and tests can read what would have been sent; SmtpMailer sends through
// libcurl on a worker thread of its own.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/log.hpp"

namespace fabomatic::web {

/// The outcome of one delivery: whether the server took the mail, and its last reply (or what
/// failed). Called on the reactor when SmtpOptions::post is set.
using MailDone = std::function<void(bool ok, std::string answer)>;

struct Mail {
  std::string to;
  std::string subject;
  std::string text;  // plain UTF-8 text, lines separated by "\n"
  MailDone done;     // optional
};

class Mailer {
 public:
  virtual ~Mailer() = default;
  /// Queues a mail and returns at once. False when it was refused: the address or subject holds
  /// a line break (header injection) or the queue is full. Delivery failures are logged.
  virtual bool send(std::string to, std::string subject, std::string text) = 0;
  /// The same, and `done` is told how the delivery went (the SMTP test of the settings page).
  /// This default reports a queued mail as delivered.
  virtual bool send_and_report(std::string to, std::string subject, std::string text,
                               MailDone done) {
    const bool queued = send(std::move(to), std::move(subject), std::move(text));
    if (queued && done) done(true, "queued");
    return queued;
  }
};

/// True when `value` can go into a mail header as it is (no CR, LF or NUL).
bool safe_header_value(std::string_view value);

/// The [email] section of settings.toml.
struct SmtpSettings {
  std::string server = "smtp.gmail.com";
  std::uint16_t port = 587;
  bool use_tls = true;  // STARTTLS (required), or TLS from the start on port 465
  std::string username;
  std::string password;
  std::string sender = "admin@fablab.org";
};

struct SmtpOptions {
  std::size_t queue_limit = 100;  // mails waiting; more are refused
  long connect_timeout_s = 10;
  long transfer_timeout_s = 60;
  log::Sink log;  // called on the worker thread unless `post` is set; unset: stderr
  /// Runs a function on the reactor (e.g. [&io](auto f) { boost::asio::post(io, f); }): the
  /// delivery outcome is logged there instead of on the worker thread.
  std::function<void(std::function<void()>)> post;
};

/// The whole message as sent: headers (RFC 5322, UTF-8 subject encoded per RFC 2047), a blank
/// line and the text with CRLF line ends. Exposed for tests.
std::string format_mail(const SmtpSettings& settings, const Mail& mail, std::int64_t unix_time);

class SmtpMailer final : public Mailer {
 public:
  SmtpMailer(SmtpSettings settings, SmtpOptions options = {});
  /// Finishes the transfer in progress (bounded by the timeouts); mails still queued are
  /// dropped, and logged.
  ~SmtpMailer() override;
  SmtpMailer(const SmtpMailer&) = delete;
  SmtpMailer& operator=(const SmtpMailer&) = delete;

  bool send(std::string to, std::string subject, std::string text) override;
  bool send_and_report(std::string to, std::string subject, std::string text,
                       MailDone done) override;

  /// New [email] settings (changed in the portal): the next delivery uses them.
  void set_settings(SmtpSettings settings);
  SmtpSettings settings() const;

  /// Blocks until the queue is empty and no transfer runs (tests, shutdown).
  void flush();

 private:
  void run();
  void deliver(const Mail& mail);
  void report(log::Level level, std::string message);
  void tell(const Mail& mail, bool ok, std::string answer);

  SmtpSettings settings_;  // guarded by mutex_
  SmtpOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<Mail> queue_;
  bool busy_ = false;
  bool stopping_ = false;
  std::thread worker_;
};

/// Test double: keeps every mail it is given (thread-safe).
class RecordingMailer final : public Mailer {
 public:
  bool send(std::string to, std::string subject, std::string text) override {
    if (!safe_header_value(to) || !safe_header_value(subject)) return false;
    std::lock_guard lock(mutex_);
    mails_.push_back(Mail{std::move(to), std::move(subject), std::move(text)});
    return true;
  }
  std::vector<Mail> mails() const {
    std::lock_guard lock(mutex_);
    return mails_;
  }
  void clear() {
    std::lock_guard lock(mutex_);
    mails_.clear();
  }

 private:
  mutable std::mutex mutex_;
  std::vector<Mail> mails_;
};

}  // namespace fabomatic::web
