#include "web/api/metrics.hpp"

#include <cstdio>
#include <iterator>
#include <span>
#include <vector>

#include "backend/board_service.hpp"
#include "broker/core/broker.hpp"
#include "web/http/server.hpp"
#include "web/live/hub.hpp"

namespace fabomatic::web {

namespace {

class Writer {
 public:
  void metric(const char* name, const char* type, const char* help, double value) {
    header(name, type, help);
    sample(name, "", value);
  }
  void header(const char* name, const char* type, const char* help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }
  void sample(const std::string& name, const std::string& labels, double value) {
    char number[32];
    std::snprintf(number, sizeof number, "%.17g", value);
    out_ += name;
    out_ += labels;
    out_ += ' ';
    out_ += number;
    out_ += '\n';
  }
  /// `counts` per bucket (not cumulative), one more than `bounds` (the last: above them all).
  void histogram(const char* name, const char* help, std::span<const double> bounds,
                 std::span<const std::uint64_t> counts, double sum) {
    header(name, "histogram", help);
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < bounds.size(); ++i) {
      cumulative += counts[i];
      char le[32];
      std::snprintf(le, sizeof le, "%g", bounds[i]);
      sample(std::string(name) + "_bucket", std::string("{le=\"") + le + "\"}",
             static_cast<double>(cumulative));
    }
    cumulative += counts[bounds.size()];
    sample(std::string(name) + "_bucket", "{le=\"+Inf\"}", static_cast<double>(cumulative));
    sample(std::string(name) + "_sum", "", sum);
    sample(std::string(name) + "_count", "", static_cast<double>(cumulative));
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

bool is_loopback(const std::string& address) {
  return address.starts_with("127.") || address == "::1" || address.starts_with("::ffff:127.");
}

}  // namespace

std::string render_metrics(const MetricsSources& sources) {
  Writer w;
  if (const auto* b = sources.broker) {
    const auto& s = b->stats();
    w.metric("fabomatic_mqtt_clients_connected", "gauge", "MQTT clients connected now.",
             static_cast<double>(b->connected_count()));
    w.metric("fabomatic_mqtt_sessions", "gauge", "MQTT sessions, connected or persistent.",
             static_cast<double>(b->session_count()));
    w.metric("fabomatic_mqtt_subscriptions", "gauge", "MQTT subscriptions.",
             static_cast<double>(b->subscription_count()));
    w.metric("fabomatic_mqtt_retained_messages", "gauge", "Retained messages.",
             static_cast<double>(b->retained_count()));
    w.metric("fabomatic_mqtt_messages_received_total", "counter", "PUBLISH packets received.",
             static_cast<double>(s.messages_received));
    w.metric("fabomatic_mqtt_messages_sent_total", "counter", "PUBLISH packets sent.",
             static_cast<double>(s.messages_sent));
    w.metric("fabomatic_mqtt_messages_dropped_total", "counter",
             "Messages dropped: full queues or clients that do not read.",
             static_cast<double>(s.messages_dropped));
    w.metric("fabomatic_mqtt_bytes_received_total", "counter", "Bytes received.",
             static_cast<double>(s.bytes_received));
    w.metric("fabomatic_mqtt_bytes_sent_total", "counter", "Bytes sent.",
             static_cast<double>(s.bytes_sent));
    w.metric("fabomatic_mqtt_protocol_errors_total", "counter",
             "Connections closed for a protocol violation.",
             static_cast<double>(s.protocol_errors));
  }
  if (const auto* boards = sources.boards) {
    const auto& s = boards->stats();
    w.metric("fabomatic_board_queries_total", "counter", "Board queries received.",
             static_cast<double>(s.received));
    w.metric("fabomatic_board_queries_rejected_total", "counter",
             "Malformed board queries (no reply).", static_cast<double>(s.rejected));
    w.metric("fabomatic_board_errors_total", "counter",
             "Board queries answered request_ok:false after a database error.",
             static_cast<double>(s.errors));
    w.histogram("fabomatic_board_reply_seconds", "Time from a board query to its reply.",
                s.reply_latency.bounds(), s.reply_latency.counts(), s.reply_latency.sum());
    w.histogram("fabomatic_board_sync_seconds",
                "Time of one sync of the database's log before the replies to writes leave.",
                s.sync_latency.bounds(), s.sync_latency.counts(), s.sync_latency.sum());
  }
  if (const auto* live = sources.live) {
    w.metric("fabomatic_live_clients", "gauge", "Portal pages connected to the live WebSocket.",
             static_cast<double>(live->clients()));
    w.metric("fabomatic_live_messages_sent_total", "counter", "Live WebSocket messages sent.",
             static_cast<double>(live->messages_sent()));
  }
  if (const auto* http = sources.http) {
    static constexpr const char* kClasses[] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
    w.header("fabomatic_http_responses_total", "counter", "Portal HTTP responses by status class.");
    for (std::size_t i = 0; i < std::size(kClasses); ++i) {
      w.sample("fabomatic_http_responses_total", std::string("{code=\"") + kClasses[i] + "\"}",
               static_cast<double>(http->responses[i].load()));
    }
    std::vector<std::uint64_t> counts;
    for (const auto& count : http->latency_counts)
      counts.push_back(count.load());
    w.histogram("fabomatic_http_response_seconds",
                "Time from a complete portal request to its response (queueing included).",
                HttpStats::kLatencyBounds, counts,
                static_cast<double>(http->latency_sum_us.load()) / 1e6);
  }
  return w.take();
}

Handler metrics_handler(MetricsSources sources, bool allow_remote) {
  return [sources, allow_remote](const Request& request) {
    if (!allow_remote && !is_loopback(request.remote_address)) {
      return Response::error(403, "forbidden", "metrics are served to the appliance itself only");
    }
    return Response::text(200, render_metrics(sources), "text/plain; version=0.0.4; charset=utf-8");
  };
}

}  // namespace fabomatic::web
