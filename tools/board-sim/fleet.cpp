// fleet mode: N firmware-faithful boards (board.hpp) on one reactor, with random card taps,
// optional commands on stdin, and a JSON summary of what they sent and received.
#include <unistd.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <csignal>
#include <cstdio>
#include <istream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "tools/board-sim/board.hpp"
#include "tools/board-sim/latency_stats.hpp"
#include "tools/board-sim/modes.hpp"
#include "tools/board-sim/mqtt_link.hpp"

namespace fabomatic::board_sim {

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

constexpr auto kTick = 20ms;          // timer resolution of the whole fleet
constexpr auto kReconnectDelay = 1s;  // the firmware retries its connection about every second

class Fleet;

class FleetBoard final : public MqttLink::Handler, public BoardOutput {
 public:
  FleetBoard(asio::io_context& io, Fleet& fleet, BoardConfig config, LinkOptions link_options)
      : fleet_(fleet),
        link_(io, *this),
        board_(std::move(config), *this, counters_of(fleet)),
        link_options_(std::move(link_options)) {}

  Board& board() { return board_; }
  MqttLink& link() { return link_; }

  void tick(TimePoint now, const asio::ip::tcp::endpoint& broker) {
    if (!link_.open() && now >= reconnect_at_) link_.connect(broker, link_options_);
    board_.on_tick(now);
    link_.keep_alive(now);
  }

  bool publish(std::string_view topic, std::string_view payload) override;
  void on_connack(MqttLink& link, std::uint8_t code) override {
    if (code != 0) return;
    // The firmware subscribes to each topic with its own SUBSCRIBE.
    link.subscribe(1, {board_.reply_topic()});
    link.subscribe(2, {board_.request_topic()});
  }
  void on_suback(MqttLink&, std::uint16_t packet_id) override;
  void on_publish(MqttLink&, std::string_view topic, std::string_view payload) override;
  void on_closed(MqttLink&, std::string_view reason) override;

 private:
  static FleetCounters& counters_of(Fleet& fleet);

  Fleet& fleet_;
  MqttLink link_;
  Board board_;
  LinkOptions link_options_;
  TimePoint reconnect_at_{};
  bool up_ = false;  // counted as connected by the fleet
};

class Fleet {
 public:
  explicit Fleet(const Options& options)
      : options_(options), rng_(options.seed), broker_(resolve_broker(io_, options)) {
    std::uniform_real_distribution<double> phase(0.0, 1.0);
    const auto period = std::chrono::duration<double>(kRefreshPeriod) / options.time_scale;
    for (const int id : fleet_machine_ids(options)) {
      BoardConfig config;
      config.machine_id = id;
      config.topic_prefix = options.topic_prefix;
      config.reply_timeout = std::chrono::milliseconds(options.timeout_ms);
      config.time_scale = options.time_scale;
      config.refresh_phase = std::chrono::duration_cast<Clock::duration>(period * phase(rng_));
      config.identity = identity_for(id);
      LinkOptions link;
      link.client_id = client_id_for(options, id, static_cast<unsigned>(rng_()));
      std::tie(link.username, link.password) = credentials_for(options, id);
      boards_.push_back(std::make_unique<FleetBoard>(io_, *this, std::move(config), link));
      by_machine_[id] = boards_.back().get();
    }
  }

  FleetCounters& counters() { return counters_; }
  bool logging() const { return options_.log; }
  double elapsed_ms(TimePoint now) const {
    return std::chrono::duration<double, std::milli>(now - start_).count();
  }
  void board_connected() {
    if (++connected_ == boards_.size() && !announced_) {
      announced_ = true;
      std::fprintf(stderr, "board-sim: %zu boards connected\n", boards_.size());
    }
  }
  void board_disconnected() { --connected_; }

  int run() {
    start_ = Clock::now();
    schedule_next_tap(start_);
    for (auto& board : boards_)
      board->tick(start_, broker_);
    tick();
    asio::signal_set signals(io_, SIGINT, SIGTERM);
    signals.async_wait([this](const boost::system::error_code& ec, int) {
      if (!ec) io_.stop();
    });
    if (options_.duration_s >= 0) {
      end_timer_.expires_after(std::chrono::duration_cast<Clock::duration>(
          std::chrono::duration<double>(options_.duration_s)));
      end_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) io_.stop();
      });
    }
    if (options_.control_stdin) {
      input_.emplace(io_, ::dup(STDIN_FILENO));
      read_command();
    }
    io_.run();
    print_summary(Clock::now());
    return 0;
  }

 private:
  void tick() {
    const auto now = Clock::now();
    for (auto& board : boards_)
      board->tick(now, broker_);
    while (options_.tap_rate > 0 && now >= next_tap_) {
      auto& board =
          boards_[std::uniform_int_distribution<std::size_t>(0, boards_.size() - 1)(rng_)]->board();
      // A board in use is tapped by its user coming back; a free one by a random card.
      const auto& card = board.in_use() ? board.user()
                                        : options_.cards[std::uniform_int_distribution<std::size_t>(
                                              0, options_.cards.size() - 1)(rng_)];
      if (board.connected()) board.tap(std::string(card), now);
      schedule_next_tap(next_tap_);
    }
    tick_timer_.expires_at(now + kTick);
    tick_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) tick();
    });
  }

  void schedule_next_tap(TimePoint from) {
    if (options_.tap_rate <= 0) return;
    const double gap = std::exponential_distribution<double>(options_.tap_rate)(rng_);
    next_tap_ =
        from + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(gap));
  }

  void read_command() {
    asio::async_read_until(*input_, input_buffer_, '\n',
                           [this](const boost::system::error_code& ec, std::size_t) {
                             if (ec) return;  // stdin closed: keep running until the end
                             std::istream in(&input_buffer_);
                             std::string line;
                             std::getline(in, line);
                             if (command(line)) read_command();
                           });
  }

  // Returns false when the fleet should stop.
  bool command(const std::string& line) {
    std::istringstream words(line);
    std::string verb;
    words >> verb;
    if (verb == "quit") {
      io_.stop();
      return false;
    }
    if (verb == "summary") {
      print_summary(Clock::now());
    } else if (verb == "tap") {
      int machine = 0;
      std::string uid;
      words >> machine >> uid;
      const auto it = by_machine_.find(machine);
      if (it == by_machine_.end() || uid.empty()) {
        std::fprintf(stderr, "board-sim: tap: no board for machine %d or no uid\n", machine);
      } else {
        it->second->board().tap(uid, Clock::now());
      }
    } else if (!verb.empty()) {
      std::fprintf(stderr, "board-sim: unknown command '%s' (tap, summary, quit)\n", verb.c_str());
    }
    std::fflush(stdout);
    return true;
  }

  void print_summary(TimePoint now) {
    auto latencies = counters_.latencies_us;
    const auto summary = summarize(latencies);
    const auto per_action = [](const FleetCounters::PerAction& values) {
      std::string out = "{";
      for (const auto action : kAllActions) {
        if (out.size() > 1) out += ',';
        out += '"';
        out += to_string(action);
        out += "\":" + std::to_string(values[static_cast<std::size_t>(action)]);
      }
      return out + "}";
    };
    std::size_t in_use = 0, buffered = 0;
    for (auto& board : boards_) {
      in_use += board->board().in_use() ? 1 : 0;
      buffered += board->board().buffered();
    }
    const auto& c = counters_;
    std::printf(
        "{\"boards\":%zu,\"elapsed_s\":%.3f,\"connected\":%zu,\"in_use\":%zu,\"still_buffered\":%"
        "zu,"
        "\"sent\":%s,\"replies\":%s,\"timeouts\":%s,\"replays\":%s,\"buffered\":%s,\"not_sent\":%s,"
        "\"late_replies\":%llu,\"taps\":%llu,\"taps_ignored\":%llu,\"logins\":%llu,"
        "\"offline_logins\":%llu,\"denied\":%llu,\"logouts\":%llu,\"requests\":%llu,"
        "\"connects\":%llu,\"disconnects\":%llu,\"publish_failures\":%llu,"
        "\"latency\":{\"count\":%zu,%s}}\n",
        boards_.size(), elapsed_ms(now) / 1000.0, connected_, in_use, buffered,
        per_action(c.sent).c_str(), per_action(c.replies).c_str(), per_action(c.timeouts).c_str(),
        per_action(c.replays).c_str(), per_action(c.buffered).c_str(),
        per_action(c.not_sent).c_str(), static_cast<unsigned long long>(c.late_replies),
        static_cast<unsigned long long>(c.taps), static_cast<unsigned long long>(c.taps_ignored),
        static_cast<unsigned long long>(c.logins),
        static_cast<unsigned long long>(c.offline_logins),
        static_cast<unsigned long long>(c.denied), static_cast<unsigned long long>(c.logouts),
        static_cast<unsigned long long>(c.requests), static_cast<unsigned long long>(c.connects),
        static_cast<unsigned long long>(c.disconnects),
        static_cast<unsigned long long>(c.publish_failures), summary.count,
        json_fields(summary).c_str());
    std::fflush(stdout);
  }

  const Options& options_;
  asio::io_context io_{1};
  std::mt19937_64 rng_;
  asio::ip::tcp::endpoint broker_;
  FleetCounters counters_;
  std::vector<std::unique_ptr<FleetBoard>> boards_;
  std::map<int, FleetBoard*> by_machine_;
  std::size_t connected_ = 0;
  bool announced_ = false;
  TimePoint start_{}, next_tap_{};
  asio::steady_timer tick_timer_{io_};
  asio::steady_timer end_timer_{io_};
  std::optional<asio::posix::stream_descriptor> input_;
  asio::streambuf input_buffer_;
};

FleetCounters& FleetBoard::counters_of(Fleet& fleet) {
  return fleet.counters();
}

bool FleetBoard::publish(std::string_view topic, std::string_view payload) {
  if (fleet_.logging())
    std::fprintf(stderr, "%10.1f %-12s > %.*s %.*s\n", fleet_.elapsed_ms(Clock::now()),
                 link_.client_id().c_str(), static_cast<int>(topic.size()), topic.data(),
                 static_cast<int>(payload.size()), payload.data());
  return link_.publish(topic, payload);
}

void FleetBoard::on_suback(MqttLink&, std::uint16_t packet_id) {
  if (packet_id != 2) return;
  up_ = true;
  fleet_.board_connected();
  board_.on_connected(Clock::now());
}

void FleetBoard::on_publish(MqttLink&, std::string_view topic, std::string_view payload) {
  const auto now = Clock::now();
  if (fleet_.logging())
    std::fprintf(stderr, "%10.1f %-12s < %.*s %.*s\n", fleet_.elapsed_ms(now),
                 link_.client_id().c_str(), static_cast<int>(topic.size()), topic.data(),
                 static_cast<int>(payload.size()), payload.data());
  board_.on_message(topic, payload, now);
}

void FleetBoard::on_closed(MqttLink&, std::string_view reason) {
  const auto now = Clock::now();
  if (up_) fleet_.board_disconnected();
  up_ = false;
  if (fleet_.logging())
    std::fprintf(stderr, "%10.1f %-12s closed: %.*s\n", fleet_.elapsed_ms(now),
                 link_.client_id().c_str(), static_cast<int>(reason.size()), reason.data());
  board_.on_disconnected(now);
  reconnect_at_ = now + kReconnectDelay;
}

}  // namespace

int run_fleet(const Options& options) {
  Fleet fleet(options);
  return fleet.run();
}

}  // namespace fabomatic::board_sim
