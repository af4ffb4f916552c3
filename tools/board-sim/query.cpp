// query mode: one board sends one payload and prints the reply exactly as received.
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdio>
#include <string>

#include "tools/board-sim/modes.hpp"
#include "tools/board-sim/mqtt_link.hpp"

namespace fabomatic::board_sim {

namespace {

namespace asio = boost::asio;

class QueryClient final : public MqttLink::Handler {
 public:
  explicit QueryClient(const Options& options) : options_(options), link_(io_, *this) {
    const int machine = fleet_machine_ids(options).front();
    topic_ = options.topic.empty() ? query_topic(options.topic_prefix, machine) : options.topic;
    reply_topic_ = topic_ + "/reply";
    if (!options.payload.empty()) {
      payload_ = options.payload;
    } else {
      payload_ = payload_for(*options.action, options.uid, options.duration, identity_for(machine));
      if (options.replay) payload_ = as_replay(payload_);
    }
  }

  int run() {
    LinkOptions link;
    // Not the fleet's client id: a query must not take over a simulated board's session.
    link.client_id = options_.client_prefix + "Q" + std::to_string(::getpid());
    link.username = options_.username;
    link.password = options_.password;
    link_.connect(resolve_broker(io_, options_), link);
    timer_.expires_after(std::chrono::milliseconds(options_.timeout_ms) + std::chrono::seconds(5));
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) finish(2, "board-sim query: no connection to the broker");
    });
    io_.run();
    return status_;
  }

  void on_connack(MqttLink& link, std::uint8_t code) override {
    if (code != 0) return;
    link.subscribe(1, {reply_topic_});
  }

  void on_suback(MqttLink& link, std::uint16_t) override {
    if (!link.publish(topic_, payload_)) return;
    timer_.expires_after(std::chrono::milliseconds(options_.timeout_ms));
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      std::puts("NO REPLY");
      finish(1, {});
    });
  }

  void on_publish(MqttLink&, std::string_view topic, std::string_view payload) override {
    if (topic != reply_topic_) return;
    std::fwrite(payload.data(), 1, payload.size(), stdout);
    std::fputc('\n', stdout);
    finish(0, {});
  }

  void on_closed(MqttLink&, std::string_view reason) override {
    if (!done_) finish(2, "board-sim query: " + std::string(reason));
  }

 private:
  void finish(int status, const std::string& message) {
    if (done_) return;
    done_ = true;
    status_ = status;
    if (!message.empty()) std::fprintf(stderr, "%s\n", message.c_str());
    std::fflush(stdout);
    timer_.cancel();
    link_.close();
    io_.stop();
  }

  const Options& options_;
  asio::io_context io_{1};
  MqttLink link_;
  asio::steady_timer timer_{io_};
  std::string topic_, reply_topic_, payload_;
  bool done_ = false;
  int status_ = 2;
};

}  // namespace

int run_query(const Options& options) {
  QueryClient client(options);
  return client.run();
}

}  // namespace fabomatic::board_sim
