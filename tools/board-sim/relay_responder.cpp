// relay-responder: the minimal external backend the benchmark compares us with. An MQTT client
// of an ordinary broker (Mosquitto) that subscribes machine/+ and answers every query on
// <topic>/reply with a fixed valid reply of the query's type: no database, no validation,
// just the two extra network hops an external backend costs. Single-threaded, TCP_NODELAY,
// replies to a burst of queries written with one system call (see mqtt_link.hpp).
//
//   relay-responder [--host H] [--port N] [--client-id ID] [--topic-prefix machine]
// Prints "relay-responder: ready" on stderr once subscribed; exits when the link closes.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "tools/board-sim/mqtt_link.hpp"

namespace {

namespace asio = boost::asio;
using fabomatic::board_sim::LinkOptions;
using fabomatic::board_sim::MqttLink;

constexpr std::string_view kCheckuserReply =
    R"({"request_ok":true,"is_valid":true,"name":"Mario","missing_auth":false,"level":2})";
constexpr std::string_view kCheckmachineReply =
    R"({"request_ok":true,"is_valid":true,"maintenance":false,"allowed":true,"name":"LASER 1","logoff":1440,"type":1,"grace":2,"description":""})";
constexpr std::string_view kInuseReply = R"({"request_ok":true,"message":"inUse"})";
constexpr std::string_view kSimpleReply = R"({"request_ok":true,"message":""})";

class Relay final : public MqttLink::Handler {
 public:
  Relay(asio::io_context& io, std::string prefix)
      : io_(io), link_(io, *this), prefix_(prefix + "/") {
    filter_ = prefix_ + "+";
  }

  void start(const asio::ip::tcp::endpoint& broker, LinkOptions options) {
    link_.connect(broker, std::move(options));
    keep_alive();
  }

  void on_connack(MqttLink& link, std::uint8_t code) override {
    if (code == 0) link.subscribe(1, {filter_});
  }
  void on_suback(MqttLink&, std::uint16_t) override {
    std::fputs("relay-responder: ready\n", stderr);
  }

  void on_publish(MqttLink& link, std::string_view topic, std::string_view payload) override {
    // The subscription is <prefix>/+, so only query topics arrive; alive gets no reply, as
    // with the real backend.
    if (payload.find(R"("action":"alive")") != std::string_view::npos) return;
    reply_topic_.assign(topic).append("/reply");
    link.publish(reply_topic_, reply_for(payload));
    ++answered_;
  }

  void on_closed(MqttLink&, std::string_view reason) override {
    std::fprintf(stderr, "relay-responder: %.*s (%llu queries answered)\n",
                 static_cast<int>(reason.size()), reason.data(),
                 static_cast<unsigned long long>(answered_));
    timer_.cancel();
    io_.stop();
  }

  void stop() { link_.close("stopped"); }

  void keep_alive() {
    link_.keep_alive(std::chrono::steady_clock::now());
    timer_.expires_after(std::chrono::seconds(1));
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) keep_alive();
    });
  }

 private:
  static std::string_view reply_for(std::string_view payload) {
    if (payload.find(R"("action":"checkuser")") != std::string_view::npos) return kCheckuserReply;
    if (payload.find(R"("action":"checkmachine")") != std::string_view::npos)
      return kCheckmachineReply;
    if (payload.find(R"("action":"inuse")") != std::string_view::npos) return kInuseReply;
    return kSimpleReply;
  }

  asio::io_context& io_;
  MqttLink link_;
  asio::steady_timer timer_{io_};
  std::string prefix_, filter_, reply_topic_;
  unsigned long long answered_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1", port = "1883", client_id = "relay-responder", prefix = "machine";
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if ((arg == "--host" || arg == "--port" || arg == "--client-id" || arg == "--topic-prefix") &&
        i + 1 < argc) {
      std::string& target = arg == "--host"        ? host
                            : arg == "--port"      ? port
                            : arg == "--client-id" ? client_id
                                                   : prefix;
      target = argv[++i];
      continue;
    }
    std::fprintf(stderr,
                 "usage: relay-responder [--host H] [--port N] [--client-id ID] "
                 "[--topic-prefix machine]\n");
    return arg == "--help" || arg == "-h" ? 0 : 2;
  }
  try {
    asio::io_context io(1);
    asio::ip::tcp::resolver resolver(io);
    const auto broker = resolver.resolve(host, port).begin()->endpoint();
    Relay relay(io, prefix);
    LinkOptions options;
    options.client_id = client_id;
    options.keep_alive_s = 60;
    relay.start(broker, options);
    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int) {
      if (!ec) relay.stop();
    });
    io.run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "relay-responder: %s\n", e.what());
    return 2;
  }
  return 0;
}
