#include "web/mail/mailer.hpp"

#include <curl/curl.h>
#include <sodium.h>

#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>

#include "common/base64.hpp"

namespace fabomatic::web {

namespace {

bool is_ascii(std::string_view text) {
  for (const char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

// The unique left part of a Message-ID (RFC 5322 3.6.4): 18 random bytes as hex.
std::string random_message_id() {
  unsigned char bytes[18];
  randombytes_buf(bytes, sizeof bytes);
  char hex[2 * sizeof bytes + 1];
  sodium_bin2hex(hex, sizeof hex, bytes, sizeof bytes);
  return hex;
}

// RFC 2047: a non-ASCII subject becomes encoded words of at most 75 characters, each holding
// whole UTF-8 sequences, separated by folding white space.
std::string encode_subject(std::string_view subject) {
  if (is_ascii(subject)) return std::string(subject);
  constexpr std::size_t kChunk = 45;  // 45 bytes -> 60 base64 characters + 12 of framing
  std::string out;
  while (!subject.empty()) {
    std::size_t size = std::min(kChunk, subject.size());
    // Do not cut a multi-byte sequence: back off over continuation bytes (10xxxxxx).
    while (size < subject.size() && size > 0 &&
           (static_cast<unsigned char>(subject[size]) & 0xC0) == 0x80)
      --size;
    if (size == 0) size = std::min(kChunk, subject.size());
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + base64::encode(subject.substr(0, size)) + "?=";
    subject.remove_prefix(size);
  }
  return out;
}

// "\n" or "\r\n" line ends become "\r\n", as SMTP wants.
std::string crlf_lines(std::string_view text, std::size_t* longest_line) {
  std::string out;
  out.reserve(text.size() + text.size() / 32);
  std::size_t line = 0;
  *longest_line = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    if (c == '\n') {
      out += "\r\n";
      line = 0;
      continue;
    }
    out += c;
    *longest_line = std::max(*longest_line, ++line);
  }
  return out;
}

std::string wrap76(std::string_view encoded) {
  std::string out;
  for (std::size_t i = 0; i < encoded.size(); i += 76) {
    out += encoded.substr(i, 76);
    out += "\r\n";
  }
  return out;
}

std::string rfc5322_date(std::int64_t unix_time) {
  const std::time_t t = static_cast<std::time_t>(unix_time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char text[64];
  std::snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return text;
}

// The bare address for the SMTP envelope: "Lab <a@b>" -> "a@b".
std::string envelope_address(std::string_view address) {
  const auto open = address.rfind('<');
  const auto close = address.rfind('>');
  if (open != std::string_view::npos && close != std::string_view::npos && close > open)
    return std::string(address.substr(open + 1, close - open - 1));
  return std::string(address);
}

std::string domain_of(std::string_view address) {
  const auto bare = envelope_address(address);
  const auto at = bare.rfind('@');
  return at == std::string::npos ? "fabomatic.invalid" : bare.substr(at + 1);
}

struct Upload {
  std::string_view data;
  std::size_t offset = 0;
};

std::size_t read_upload(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const std::size_t n = std::min(size * count, upload->data.size() - upload->offset);
  std::memcpy(buffer, upload->data.data() + upload->offset, n);
  upload->offset += n;
  return n;
}

// CURLOPT_DEBUGFUNCTION: keeps what the server sent (its SMTP replies), at most 4 KiB.
int server_replies(CURL*, curl_infotype type, char* data, std::size_t size, void* user) {
  if (type == CURLINFO_HEADER_IN) {
    auto* replies = static_cast<std::string*>(user);
    replies->append(data, size);
    if (replies->size() > 4096) replies->erase(0, replies->size() - 4096);
  }
  return 0;
}

// The server's last reply that says something about the mail: the last line of `text`, leaving
// out the "221" that answers QUIT (the reply to the message itself comes just before it).
std::string last_line(const std::string& text) {
  std::string found;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n'))
      line.pop_back();
    if (!line.empty() && !line.starts_with("221")) found = std::move(line);
    start = end + 1;
  }
  return found;
}

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

bool safe_header_value(std::string_view value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

std::string format_mail(const SmtpSettings& settings, const Mail& mail, std::int64_t unix_time) {
  std::size_t longest = 0;
  const std::string body = crlf_lines(mail.text, &longest);
  // 7bit when every line is ASCII and within SMTP's 998 characters; base64 otherwise.
  const bool plain = is_ascii(body) && longest <= 998;
  std::string out;
  out += "Date: " + rfc5322_date(unix_time) + "\r\n";
  out += "From: " + settings.sender + "\r\n";
  out += "To: " + mail.to + "\r\n";
  out += "Subject: " + encode_subject(mail.subject) + "\r\n";
  out += "Message-ID: <" + random_message_id() + "@" + domain_of(settings.sender) + ">\r\n";
  out += "MIME-Version: 1.0\r\n";
  out += "Content-Type: text/plain; charset=utf-8\r\n";
  out += std::string("Content-Transfer-Encoding: ") + (plain ? "7bit" : "base64") + "\r\n";
  out += "\r\n";
  if (plain) {
    out += body;
    if (body.size() < 2 || body.compare(body.size() - 2, 2, "\r\n") != 0) out += "\r\n";
  } else {
    out += wrap76(base64::encode(mail.text));
  }
  return out;
}

SmtpMailer::SmtpMailer(SmtpSettings settings, SmtpOptions options)
    : settings_(std::move(settings)), options_(std::move(options)) {
  init_curl_once();
  worker_ = std::thread([this] { run(); });
}

SmtpMailer::~SmtpMailer() {
  std::size_t dropped = 0;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    dropped = queue_.size();
    queue_.clear();
  }
  wake_.notify_all();
  worker_.join();
  // Logged directly: the reactor may no longer run at this point.
  if (dropped > 0) {
    const auto message = "mail: " + std::to_string(dropped) + " queued mail(s) dropped at shutdown";
    log::write_to(options_.log, log::Level::warning, "mail", message);
  }
}

bool SmtpMailer::send(std::string to, std::string subject, std::string text) {
  return send_and_report(std::move(to), std::move(subject), std::move(text), nullptr);
}

bool SmtpMailer::send_and_report(std::string to, std::string subject, std::string text,
                                 MailDone done) {
  if (to.empty() || !safe_header_value(to) || !safe_header_value(subject)) return false;
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= options_.queue_limit) return false;
    queue_.push_back(Mail{std::move(to), std::move(subject), std::move(text), std::move(done)});
  }
  wake_.notify_one();
  return true;
}

void SmtpMailer::set_settings(SmtpSettings settings) {
  std::lock_guard lock(mutex_);
  settings_ = std::move(settings);
}

SmtpSettings SmtpMailer::settings() const {
  std::lock_guard lock(mutex_);
  return settings_;
}

void SmtpMailer::flush() {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [this] { return (queue_.empty() && !busy_) || stopping_; });
}

void SmtpMailer::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_ && queue_.empty()) break;
    Mail mail = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    deliver(mail);
    lock.lock();
    busy_ = false;
    if (queue_.empty()) idle_.notify_all();
  }
  busy_ = false;
  idle_.notify_all();
}

void SmtpMailer::deliver(const Mail& mail) {
  const SmtpSettings current = settings();   // as they are now, for the whole delivery
  if (!safe_header_value(current.sender)) {  // it goes into From: and MAIL FROM as it is
    report(log::Level::error, "mail: the sender ([email] sender) holds a line break; not sent");
    tell(mail, false, "the sender address holds a line break");
    return;
  }
  const std::string message = format_mail(current, mail, std::time(nullptr));
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) {
    report(log::Level::error, "mail: cannot initialise libcurl");
    tell(mail, false, "cannot initialise libcurl");
    return;
  }
  const bool implicit_tls = current.use_tls && current.port == 465;
  const std::string url = std::string(implicit_tls ? "smtps://" : "smtp://") + current.server +
                          ":" + std::to_string(current.port);
  const std::string from = "<" + envelope_address(current.sender) + ">";
  const std::string to = "<" + envelope_address(mail.to) + ">";
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> recipients(
      curl_slist_append(nullptr, to.c_str()), curl_slist_free_all);
  Upload upload{message};
  char error[CURL_ERROR_SIZE] = {};

  CURL* h = curl.get();
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_USE_SSL,
                   static_cast<long>(current.use_tls ? CURLUSESSL_ALL : CURLUSESSL_NONE));
  if (!current.username.empty()) {
    curl_easy_setopt(h, CURLOPT_USERNAME, current.username.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, current.password.c_str());
  }
  curl_easy_setopt(h, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT, recipients.get());
  curl_easy_setopt(h, CURLOPT_READFUNCTION, read_upload);
  curl_easy_setopt(h, CURLOPT_READDATA, &upload);
  curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM from a worker thread
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, options_.connect_timeout_s);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, options_.transfer_timeout_s);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
  // The server's replies, for the settings page's test: libcurl hands them to the debug
  // callback (which it calls only in verbose mode; nothing is printed).
  std::string replies;
  curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, server_replies);
  curl_easy_setopt(h, CURLOPT_DEBUGDATA, &replies);
  curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);

  const CURLcode rc = curl_easy_perform(h);
  const std::string last = last_line(replies);
  if (rc == CURLE_OK) {
    report(log::Level::info, "mail: sent \"" + mail.subject + "\" to " + mail.to);
    tell(mail, true, last);
  } else {
    const std::string failure = error[0] ? error : curl_easy_strerror(rc);
    report(log::Level::error, "mail: sending \"" + mail.subject + "\" to " + mail.to + " via " +
                                  url + " failed: " + failure);
    tell(mail, false, failure + (last.empty() ? "" : " (server: " + last + ")"));
  }
}

void SmtpMailer::tell(const Mail& mail, bool ok, std::string answer) {
  if (!mail.done) return;
  auto call = [done = mail.done, ok, answer = std::move(answer)] { done(ok, answer); };
  if (options_.post) {
    options_.post(std::move(call));
  } else {
    call();
  }
}

void SmtpMailer::report(log::Level level, std::string message) {
  auto deliver = [sink = options_.log, level, message = std::move(message)] {
    log::write_to(sink, level, "mail", message);
  };
  if (options_.post)
    options_.post(std::move(deliver));
  else
    deliver();
}

}  // namespace fabomatic::web
