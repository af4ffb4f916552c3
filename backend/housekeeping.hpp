// What the backend does by itself, on the reactor (docs/board-protocol.md "Housekeeping"): boards
// going offline after the online window, pending remote requests timing out, uses not refreshed for
// an hour closed, stats published on stats/<client_id>, and the daily purge.
#pragma once

#include <memory>

#include "backend/settings.hpp"

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

  /// Runs the purge now; returns the number of rows changed.
  std::int64_t purge();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fabomatic::backend
