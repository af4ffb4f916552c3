// What the backend does by itself, on the reactor (docs/board-protocol.md "Housekeeping"): boards
// going offline after the online window, pending remote requests timing out, uses not refreshed for
// an hour closed, stats published on stats/<client_id>, and the daily purge.
#pragma once

#include <memory>
#include <optional>

#include "backend/settings.hpp"
#include "db/purge.hpp"

namespace boost::asio {
class io_context;
}

namespace fabomatic::broker {
class MessageBus;
}

namespace fabomatic::db {
class Connection;
}

namespace fabomatic::backend {

class BoardService;
class LiveStatus;
class RemoteControl;

/// The retention periods of the settings as the purge takes them.
db::PurgePolicy purge_policy(const BackendSettings& settings);

/// When the purge last ran and what it changed.
struct PurgeReport {
  double time = 0;  // unix seconds
  db::PurgeResult result;
};

class Housekeeping {
 public:
  Housekeeping(boost::asio::io_context& io, const Settings& settings, db::Connection& db,
               broker::MessageBus& bus, LiveStatus& status, RemoteControl& remote,
               BoardService& boards);
  ~Housekeeping();

  void start();
  void stop();

  /// Closes uses not refreshed within the use timeout; returns how many.
  std::int64_t close_stale_uses();

  /// Runs the purge now (with the retention periods the settings hold now); returns the
  /// number of rows changed.
  std::int64_t purge();
  /// The last run of purge() since start; nullopt before the first.
  std::optional<PurgeReport> last_purge() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fabomatic::backend
