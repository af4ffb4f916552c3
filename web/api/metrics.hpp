// /metrics in the Prometheus text format: broker clients and traffic, board replies and their
// latency histogram, live WebSocket clients, portal HTTP responses and their latency. Served to
// loopback clients only unless the settings open it up: the figures say who is in the lab.
#pragma once

#include <string>

#include "web/http/router.hpp"

namespace fabomatic::broker {
class Broker;
}
namespace fabomatic::backend {
class BoardService;
}

namespace fabomatic::web {

class LiveHub;
struct HttpStats;

struct MetricsSources {
  const broker::Broker* broker = nullptr;
  const backend::BoardService* boards = nullptr;
  const LiveHub* live = nullptr;
  const HttpStats* http = nullptr;
};

std::string render_metrics(const MetricsSources& sources);

/// GET handler; answers 403 to a non-loopback client unless `allow_remote`.
Handler metrics_handler(MetricsSources sources, bool allow_remote);

}  // namespace fabomatic::web
