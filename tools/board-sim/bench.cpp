// bench mode: N boards each keep one query in flight (closed loop) or send at a fixed rate,
// and the reply latency (publish → reply received, steady clock) is measured after a warm-up.
#include <sys/resource.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdio>
#include <memory>
#include <optional>
#include <random>
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

constexpr auto kTimeoutCheck = 20ms;
// Duration the inuse queries report: a constant, so payloads are built once.
constexpr std::int64_t kInuseDuration = 60;

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

class Bench;

class BenchBoard final : public MqttLink::Handler {
 public:
  BenchBoard(asio::io_context& io, Bench& bench, int machine_id, std::size_t index);

  void connect(const asio::ip::tcp::endpoint& broker, LinkOptions options) {
    link_.connect(broker, std::move(options));
  }
  void start();
  void check_timeout(TimePoint now);

  void on_connack(MqttLink& link, std::uint8_t code) override {
    if (code != 0) return;
    link.subscribe(1, {reply_topic_});
    link.subscribe(2, {request_topic_});
  }
  void on_suback(MqttLink&, std::uint16_t packet_id) override;
  void on_publish(MqttLink&, std::string_view topic, std::string_view payload) override;
  void on_closed(MqttLink&, std::string_view reason) override;

 private:
  void next();
  void send();

  Bench& bench_;
  MqttLink link_;
  std::string topic_, reply_topic_, request_topic_;
  std::vector<std::string> checkusers_, inuses_;  // one per card
  std::size_t card_ = 0;
  std::mt19937_64 rng_;
  bool outstanding_ = false;
  TimePoint sent_at_{};
  std::optional<asio::steady_timer> pacer_;  // only with --rate
};

class Bench {
 public:
  explicit Bench(const Options& options)
      : options_(options),
        broker_(resolve_broker(io_, options)),
        pick_(options.mix.begin(), options.mix.end()) {
    const auto ids = fleet_machine_ids(options);
    for (std::size_t i = 0; i < ids.size(); ++i)
      boards_.push_back(std::make_unique<BenchBoard>(io_, *this, ids[i], i));
    if (options.count > 0) samples_.reserve(options.count);
  }

  const Options& options() const { return options_; }
  asio::io_context& io() { return io_; }
  Action pick(std::mt19937_64& rng) { return static_cast<Action>(pick_(rng)); }
  bool running() const { return running_; }

  void board_ready() {
    if (++ready_ == boards_.size()) begin();
  }
  void failed(std::string_view reason) {
    if (!failure_.empty()) return;
    failure_ = reason;
    io_.stop();
  }

  void reply(TimePoint sent_at, TimePoint now) {
    if (sent_at < measure_from_) return;
    samples_.push_back(static_cast<std::uint32_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(now - sent_at).count()));
    last_reply_ = now;
    if (options_.count > 0 && samples_.size() >= options_.count) finish();
  }
  void timeout(TimePoint sent_at) {
    if (sent_at >= measure_from_) ++timeouts_;
  }
  void late_reply() { ++late_replies_; }

  int run() {
    LinkOptions link;
    link.username = options_.username;
    link.password = options_.password;
    std::mt19937_64 rng(options_.seed);
    const auto ids = fleet_machine_ids(options_);
    for (std::size_t i = 0; i < boards_.size(); ++i) {
      link.client_id = client_id_for(options_, ids[i], static_cast<unsigned>(rng()));
      std::tie(link.username, link.password) = credentials_for(options_, ids[i]);
      boards_[i]->connect(broker_, link);
    }
    connect_timer_.expires_after(30s);
    connect_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec && !running_) failed("boards not connected after 30 s");
    });
    io_.run();
    if (!failure_.empty()) {
      std::fprintf(stderr, "board-sim bench: %s\n", failure_.c_str());
      return 2;
    }
    report();
    return 0;
  }

 private:
  void begin() {
    connect_timer_.cancel();
    running_ = true;
    const auto now = Clock::now();
    measure_from_ = now + std::chrono::duration_cast<Clock::duration>(
                              std::chrono::duration<double>(options_.warmup_s));
    last_reply_ = measure_from_;
    for (auto& board : boards_)
      board->start();
    check_timeouts();
    warmup_timer_.expires_at(measure_from_);
    warmup_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      cpu_at_start_ = cpu_seconds();
      if (options_.count == 0) {
        const double seconds = options_.duration_s >= 0 ? options_.duration_s : 5.0;
        end_timer_.expires_at(measure_from_ + std::chrono::duration_cast<Clock::duration>(
                                                  std::chrono::duration<double>(seconds)));
        end_timer_.async_wait([this](const boost::system::error_code& ec2) {
          if (!ec2) finish();
        });
      }
    });
  }

  void check_timeouts() {
    const auto now = Clock::now();
    for (auto& board : boards_)
      board->check_timeout(now);
    timeout_timer_.expires_at(now + kTimeoutCheck);
    timeout_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec && running_) check_timeouts();
    });
  }

  void finish() {
    if (!running_) return;
    running_ = false;
    finished_at_ = options_.count > 0 ? last_reply_ : Clock::now();
    cpu_at_end_ = cpu_seconds();
    io_.stop();
  }

  void report() {
    const double window = std::chrono::duration<double>(finished_at_ - measure_from_).count();
    const auto summary = summarize(samples_);
    const double rate = window > 0 ? static_cast<double>(summary.count) / window : 0;
    const double cpu = window > 0 ? 100.0 * (cpu_at_end_ - cpu_at_start_) / window : 0;
    std::string mix;
    for (const auto action : kAllActions) {
      const double weight = options_.mix[static_cast<std::size_t>(action)];
      if (weight <= 0) continue;
      if (!mix.empty()) mix += ',';
      char item[64];
      std::snprintf(item, sizeof item, "%s=%g", std::string(to_string(action)).c_str(), weight);
      mix += item;
    }
    std::printf(
        "bench: %zu boards, %s, %zu replies in %.2f s = %.0f replies/s; latency us p50 %u p90 "
        "%u p99 %u max %u; timeouts %llu; simulator cpu %.0f%%\n",
        boards_.size(), options_.rate > 0 ? "paced" : "closed loop", summary.count, window, rate,
        summary.p50, summary.p90, summary.p99, summary.max,
        static_cast<unsigned long long>(timeouts_), cpu);
    std::printf(
        "RESULT {\"boards\":%zu,\"rate_per_board\":%g,\"mix\":\"%s\",\"replies\":%zu,"
        "\"seconds\":%.3f,\"replies_per_s\":%.1f,%s,\"timeouts\":%llu,\"late_replies\":%llu,"
        "\"sim_cpu_pct\":%.1f}\n",
        boards_.size(), options_.rate, mix.c_str(), summary.count, window, rate,
        json_fields(summary).c_str(), static_cast<unsigned long long>(timeouts_),
        static_cast<unsigned long long>(late_replies_), cpu);
    std::fflush(stdout);
  }

  const Options& options_;
  asio::io_context io_{1};
  asio::ip::tcp::endpoint broker_;
  std::discrete_distribution<std::size_t> pick_;
  std::vector<std::unique_ptr<BenchBoard>> boards_;
  std::size_t ready_ = 0;
  bool running_ = false;
  std::string failure_;
  std::vector<std::uint32_t> samples_;
  std::uint64_t timeouts_ = 0, late_replies_ = 0;
  TimePoint measure_from_{}, finished_at_{}, last_reply_{};
  double cpu_at_start_ = 0, cpu_at_end_ = 0;
  asio::steady_timer connect_timer_{io_}, warmup_timer_{io_}, end_timer_{io_}, timeout_timer_{io_};
};

BenchBoard::BenchBoard(asio::io_context& io, Bench& bench, int machine_id, std::size_t index)
    : bench_(bench), link_(io, *this), rng_(bench.options().seed * 1000003u + index) {
  const auto& options = bench.options();
  topic_ = query_topic(options.topic_prefix, machine_id);
  reply_topic_ = topic_ + "/reply";
  request_topic_ = topic_ + "/request";
  for (const auto& card : options.cards) {
    checkusers_.push_back(checkuser_payload(card));
    inuses_.push_back(inuse_payload(card, kInuseDuration));
  }
  card_ = index % options.cards.size();
  if (options.rate > 0) pacer_.emplace(io);
}

void BenchBoard::start() {
  if (!pacer_) {
    send();
    return;
  }
  // Paced boards start at random points of their period, as independent boards would.
  const double period = 1.0 / bench_.options().rate;
  const double phase = std::uniform_real_distribution<double>(0.0, period)(rng_);
  pacer_->expires_after(
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(phase)));
  pacer_->async_wait([this](const boost::system::error_code& ec) {
    if (!ec) send();
  });
}

void BenchBoard::on_suback(MqttLink&, std::uint16_t packet_id) {
  if (packet_id == 2) bench_.board_ready();
}

void BenchBoard::on_publish(MqttLink&, std::string_view topic, std::string_view) {
  if (topic != reply_topic_) return;
  const auto now = Clock::now();
  if (!outstanding_) {
    bench_.late_reply();
    return;
  }
  outstanding_ = false;
  bench_.reply(sent_at_, now);
  next();
}

void BenchBoard::on_closed(MqttLink& link, std::string_view reason) {
  bench_.failed("board " + link.client_id() + ": " + std::string(reason));
}

void BenchBoard::check_timeout(TimePoint now) {
  if (!outstanding_ || now - sent_at_ < std::chrono::milliseconds(bench_.options().timeout_ms))
    return;
  outstanding_ = false;
  bench_.timeout(sent_at_);
  next();
}

void BenchBoard::next() {
  if (!bench_.running()) return;
  if (!pacer_) {
    send();
    return;
  }
  // Paced: the next query leaves one period after the previous one did (or now, if late).
  const auto period = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(1.0 / bench_.options().rate));
  pacer_->expires_at(sent_at_ + period);
  pacer_->async_wait([this](const boost::system::error_code& ec) {
    if (!ec) send();
  });
}

void BenchBoard::send() {
  if (!bench_.running()) return;
  const Action action = bench_.pick(rng_);
  std::string_view payload;
  std::string other;
  switch (action) {
    case Action::checkuser:
      payload = checkusers_[card_];
      break;
    case Action::inuse:
      payload = inuses_[card_];
      break;
    default:
      other = payload_for(action, bench_.options().cards[card_], kInuseDuration);
      payload = other;
  }
  card_ = (card_ + 1) % checkusers_.size();
  outstanding_ = true;
  sent_at_ = Clock::now();
  link_.publish(topic_, payload);
}

}  // namespace

int run_bench(const Options& options) {
  Bench bench(options);
  return bench.run();
}

}  // namespace fabomatic::board_sim
