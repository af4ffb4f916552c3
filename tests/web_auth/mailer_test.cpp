// The mail formatter and SmtpMailer against a small fake SMTP server on a thread (plain SMTP on
// 127.0.0.1, no TLS): envelope, headers, dot-stuffing, the bounded queue, failures logged.
#include "web/mail/mailer.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sodium.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace fabomatic::web {
namespace {

using namespace std::chrono_literals;

struct Received {
  std::string mail_from;
  std::vector<std::string> recipients;
  std::string data;  // as on the wire (still dot-stuffed), without the final "."
};

class FakeSmtpServer {
 public:
  FakeSmtpServer() {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listener_, 16) != 0)
      throw std::runtime_error("fake SMTP server cannot listen");
    socklen_t size = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeSmtpServer() {
    release();
    stopping_ = true;
    ::shutdown(listener_, SHUT_RDWR);  // wakes accept()
    thread_.join();
    ::close(listener_);
  }

  std::uint16_t port() const { return port_; }
  /// Until release(), a connection gets no greeting (the client waits in its transfer).
  void hold() {
    std::lock_guard lock(mutex_);
    held_ = true;
  }
  void release() {
    {
      std::lock_guard lock(mutex_);
      held_ = false;
    }
    released_.notify_all();
  }
  std::vector<Received> received() const {
    std::lock_guard lock(mutex_);
    return received_;
  }

 private:
  void serve() {
    while (!stopping_) {
      const int client = ::accept(listener_, nullptr, nullptr);
      if (client < 0) return;
      {
        std::unique_lock lock(mutex_);
        released_.wait(lock, [this] { return !held_; });
      }
      session(client);
      ::close(client);
    }
  }

  static bool read_line(int fd, std::string& buffer, std::string& line) {
    while (true) {
      const auto end = buffer.find("\r\n");
      if (end != std::string::npos) {
        line = buffer.substr(0, end);
        buffer.erase(0, end + 2);
        return true;
      }
      char chunk[4096];
      const auto n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) return false;
      buffer.append(chunk, static_cast<std::size_t>(n));
    }
  }
  static void reply(int fd, std::string_view text) {
    ::send(fd, text.data(), text.size(), MSG_NOSIGNAL);
  }

  void session(int fd) {
    reply(fd, "220 fake ESMTP\r\n");
    std::string buffer, line;
    Received mail;
    while (read_line(fd, buffer, line)) {
      const std::string verb = line.substr(0, 4);
      if (verb == "EHLO" || verb == "HELO") {
        reply(fd, "250-fake\r\n250 8BITMIME\r\n");
      } else if (line.rfind("MAIL FROM:", 0) == 0) {
        mail.mail_from = line.substr(10);
        reply(fd, "250 OK\r\n");
      } else if (line.rfind("RCPT TO:", 0) == 0) {
        mail.recipients.push_back(line.substr(8));
        reply(fd, "250 OK\r\n");
      } else if (verb == "DATA") {
        reply(fd, "354 go on\r\n");
        while (read_line(fd, buffer, line) && line != ".")
          mail.data += line + "\r\n";
        {
          std::lock_guard lock(mutex_);
          received_.push_back(mail);
        }
        mail = {};
        reply(fd, "250 queued\r\n");
      } else if (verb == "QUIT") {
        reply(fd, "221 bye\r\n");
        return;
      } else {
        reply(fd, "500 what\r\n");
      }
    }
  }

  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::condition_variable released_;
  bool held_ = false;
  std::vector<Received> received_;
  std::thread thread_;
};

SmtpSettings local_settings(std::uint16_t port) {
  SmtpSettings settings;
  settings.server = "127.0.0.1";
  settings.port = port;
  settings.use_tls = false;
  settings.sender = "FabLab <lab@fablab.test>";
  return settings;
}

// Log lines, with the delivery outcome posted back the way the reactor would run it.
struct PostedLog {
  std::mutex mutex;
  std::vector<std::function<void()>> posted;
  std::vector<std::string> lines;

  SmtpOptions options() {
    SmtpOptions options;
    options.connect_timeout_s = 5;
    options.transfer_timeout_s = 10;
    options.log = [this](log::Level, std::string_view text) { lines.emplace_back(text); };
    options.post = [this](std::function<void()> f) {
      std::lock_guard lock(mutex);
      posted.push_back(std::move(f));
    };
    return options;
  }
  // Runs what was posted, on the test's thread (the "reactor").
  void run_posted() {
    std::vector<std::function<void()>> now;
    {
      std::lock_guard lock(mutex);
      now.swap(posted);
    }
    for (auto& f : now)
      f();
  }
  bool logged(std::string_view part) const {
    for (const auto& line : lines) {
      if (line.find(part) != std::string::npos) return true;
    }
    return false;
  }
};

std::string decode_base64(std::string text) {
  std::erase(text, '\r');
  std::erase(text, '\n');
  std::string out(text.size(), '\0');
  std::size_t size = 0;
  sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                    text.size(), nullptr, &size, nullptr, sodium_base64_VARIANT_ORIGINAL);
  out.resize(size);
  return out;
}

TEST(MailFormat, HeadersAndCrlfBody) {
  const auto text = format_mail(local_settings(25),
                                Mail{"admin@lab.test", "FabLab: set a new password",
                                     "Hello,\n\nthe link:\nhttps://x/#/reset?token=abc"},
                                0);
  EXPECT_NE(text.find("Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n"), std::string::npos) << text;
  EXPECT_NE(text.find("From: FabLab <lab@fablab.test>\r\n"), std::string::npos);
  EXPECT_NE(text.find("To: admin@lab.test\r\n"), std::string::npos);
  EXPECT_NE(text.find("Subject: FabLab: set a new password\r\n"), std::string::npos);
  EXPECT_NE(text.find("@fablab.test>\r\nMIME-Version: 1.0\r\n"), std::string::npos);
  EXPECT_NE(text.find("Content-Transfer-Encoding: 7bit\r\n\r\nHello,\r\n\r\nthe link:\r\n"
                      "https://x/#/reset?token=abc\r\n"),
            std::string::npos);
  EXPECT_EQ(text.find("\n\n"), std::string::npos);  // no bare LF anywhere
}

TEST(MailFormat, NonAsciiSubjectAndBodyAreEncoded) {
  const std::string subject = "Città: imposta una nuova password — è ora di farlo, davvero";
  const std::string body = "Ciao Nicolò,\napri il link.\n";
  const auto text = format_mail(local_settings(25), Mail{"a@b.test", subject, body}, 0);
  const auto start = text.find("Subject: ") + 9;
  const auto end = text.find("\r\nMessage-ID:");
  const std::string header = text.substr(start, end - start);
  // Encoded words of whole characters, each at most 75 characters, joined by folding.
  std::string decoded;
  std::size_t at = 0;
  while (at < header.size()) {
    const auto word_end = header.find("?=", at) + 2;
    const std::string word = header.substr(at, word_end - at);
    EXPECT_LE(word.size(), 75u);
    ASSERT_EQ(word.rfind("=?UTF-8?B?", 0), 0u) << word;
    decoded += decode_base64(word.substr(10, word.size() - 12));
    at = word_end;
    if (at < header.size()) {
      ASSERT_EQ(header.substr(at, 3), "\r\n ");
      at += 3;
    }
  }
  EXPECT_EQ(decoded, subject);
  EXPECT_NE(text.find("Content-Transfer-Encoding: base64\r\n"), std::string::npos);
  EXPECT_EQ(decode_base64(text.substr(text.find("\r\n\r\n") + 4)), body);
}

TEST(MailFormat, HeaderInjectionIsRefused) {
  EXPECT_TRUE(safe_header_value("admin@lab.test"));
  EXPECT_FALSE(safe_header_value("a@b.test\r\nBcc: victim@x.test"));
  EXPECT_FALSE(safe_header_value("subject\nBcc: x"));
  EXPECT_FALSE(safe_header_value(std::string("a\0b", 3)));
  RecordingMailer recording;
  EXPECT_FALSE(recording.send("a@b.test\nBcc: c@d.test", "s", "t"));
  EXPECT_FALSE(recording.send("a@b.test", "s\r\nBcc: c@d.test", "t"));
  EXPECT_TRUE(recording.mails().empty());
  SmtpMailer smtp(local_settings(1));
  EXPECT_FALSE(smtp.send("a@b.test\r\nBcc: c@d.test", "s", "t"));
  EXPECT_FALSE(smtp.send("", "s", "t"));
}

TEST(SmtpMailer, DeliversWithEnvelopeAndDotStuffingAndPostsTheOutcome) {
  FakeSmtpServer server;
  PostedLog log;
  {
    SmtpMailer mailer(local_settings(server.port()), log.options());
    ASSERT_TRUE(mailer.send("Admin <admin@lab.test>", "FabLab: set a new password",
                            "line one\n.hidden dot line\nend\n"));
    mailer.flush();
  }
  const auto received = server.received();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].mail_from, "<lab@fablab.test>");
  ASSERT_EQ(received[0].recipients.size(), 1u);
  EXPECT_EQ(received[0].recipients[0], "<admin@lab.test>");
  EXPECT_NE(received[0].data.find("Subject: FabLab: set a new password\r\n"), std::string::npos);
  EXPECT_NE(received[0].data.find("\r\n..hidden dot line\r\n"), std::string::npos)
      << received[0].data;
  // The outcome waited for the "reactor".
  EXPECT_TRUE(log.lines.empty());
  log.run_posted();
  EXPECT_TRUE(log.logged("mail: sent \"FabLab: set a new password\""));
}

TEST(SmtpMailer, TheQueueIsBounded) {
  FakeSmtpServer server;
  server.hold();
  PostedLog log;
  auto options = log.options();
  options.queue_limit = 2;
  SmtpMailer mailer(local_settings(server.port()), options);
  int accepted = 0;
  for (int i = 0; i < 6; ++i)
    accepted += mailer.send("a@b.test", "mail " + std::to_string(i), "text") ? 1 : 0;
  // Two waiting, and at most one taken by the worker (stuck in its transfer).
  EXPECT_GE(accepted, 2);
  EXPECT_LE(accepted, 3);
  server.release();
  mailer.flush();
  EXPECT_EQ(static_cast<int>(server.received().size()), accepted);
}

TEST(SmtpMailer, ASenderWithALineBreakSendsNothing) {
  FakeSmtpServer server;
  PostedLog log;
  auto settings = local_settings(server.port());
  settings.sender = "lab@fablab.test>\r\nRCPT TO:<victim@evil.test";
  {
    SmtpMailer mailer(settings, log.options());
    ASSERT_TRUE(mailer.send("admin@lab.test", "s", "t"));
    mailer.flush();
  }
  log.run_posted();
  EXPECT_TRUE(server.received().empty());
  EXPECT_TRUE(log.logged("mail: the sender ([email] sender) holds a line break"));
}

TEST(SmtpMailer, AFailedDeliveryIsLogged) {
  std::uint16_t closed_port = 0;
  {
    FakeSmtpServer gone;
    closed_port = gone.port();
  }
  PostedLog log;
  SmtpMailer mailer(local_settings(closed_port), log.options());
  ASSERT_TRUE(mailer.send("a@b.test", "lost", "text"));
  mailer.flush();
  log.run_posted();
  EXPECT_TRUE(log.logged("mail: sending \"lost\" to a@b.test via smtp://127.0.0.1:")) << [&] {
    std::string all;
    for (const auto& line : log.lines)
      all += line + "\n";
    return all;
  }();
}

}  // namespace
}  // namespace fabomatic::web
