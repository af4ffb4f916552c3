// The composition root: builds every module from the settings and wires them on one
// io_context — the broker and its listeners, the database, the board service, live status,
// remote control and housekeeping. Only this file knows all of them.
#pragma once

#include <memory>

#include "backend/board_topics.hpp"
#include "backend/settings.hpp"
#include "db/database.hpp"

namespace fabomatic::app {

class App {
 public:
  explicit App(backend::Settings settings);
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  /// Opens the database and the listeners; throws with a readable message when it cannot.
  void start();

  /// Runs the reactor until SIGINT/SIGTERM (or a restart asked for in the portal); returns
  /// the process exit status.
  int run();

  /// Whether run() ended for a restart: the caller starts the program again.
  bool restart_requested() const;

 private:
  void start_access_control(db::Connection& conn, const backend::BoardTopics& topics);
  void start_extra_listeners();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Opens (creating or upgrading) the configured database and logs what happened.
/// Used by App and by the one-shot command-line actions (--purge).
db::Database open_configured_database(const backend::Settings& settings);

}  // namespace fabomatic::app
