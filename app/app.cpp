#include "app/app.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstring>

#include "app/portal.hpp"
#include "app/systemd_notify.hpp"
#include "backend/board_service.hpp"
#include "backend/board_topics.hpp"
#include "backend/housekeeping.hpp"
#include "backend/live_status.hpp"
#include "backend/machine_status_loader.hpp"
#include "backend/mqtt_auth.hpp"
#include "backend/remote_control.hpp"
#include "broker/asio/server.hpp"
#include "broker/core/broker.hpp"
#include "common/clock.hpp"
#include "common/log.hpp"
#include "db/checkpointer.hpp"
#include "db/database.hpp"
#include "db/maintenance_due.hpp"

namespace fabomatic::app {

db::Database open_configured_database(const backend::Settings& settings) {
  db::OpenOptions options;
  options.default_admin_email = settings.web.default_admin_email;
  const std::string path = settings.database.file.string();
  db::Database d = db::open_database(path, options);
  if (d.created) log::info("db", "created a new database " + path);
  if (d.upgraded) {
    log::info("db", "upgraded " + path + " from revision " + d.previous_revision +
                        (d.backup_path.empty() ? "" : " (backup: " + d.backup_path + ")"));
  }
  for (const auto& warning : d.warnings)
    log::warning("db", warning);
  return d;
}

namespace {

broker::BrokerConfig broker_config(const backend::MqttSettings& mqtt) {
  broker::BrokerConfig config;
  config.max_packet_size = mqtt.max_packet_size;
  config.max_connections = mqtt.max_connections;
  config.max_inflight = mqtt.max_inflight;
  config.max_queued = mqtt.max_queued_messages;
  config.connect_timeout = std::chrono::seconds(mqtt.connect_timeout_s);
  config.sys_interval = std::chrono::seconds(mqtt.sys_interval_s);
  config.version = "fabomatic " FABOMATIC_VERSION;
  return config;
}

}  // namespace

struct App::Impl {
  explicit Impl(backend::Settings s)
      : settings(std::move(s)),
        io(1),
        signals(io, SIGINT, SIGTERM),
        broker(broker_config(settings.mqtt), broker::Clock::now()),
        mqtt_server(io, broker),
        auth(settings.mqtt),
        status(settings.backend.online_window_s),
        systemd(io) {}

  backend::Settings settings;
  boost::asio::io_context io;
  // Installed before anything listens: a SIGTERM during start-up is held until run() and then
  // stops the process cleanly instead of killing it.
  boost::asio::signal_set signals;
  broker::Broker broker;
  broker::Server mqtt_server;
  backend::MqttAuth auth;
  backend::LiveStatus status;
  std::optional<db::Database> database;
  std::unique_ptr<db::Checkpointer> checkpointer;  // WAL checkpoints off the reactor thread
  std::unique_ptr<backend::BoardService> boards;
  std::unique_ptr<backend::RemoteControl> remote;
  std::unique_ptr<backend::Housekeeping> housekeeping;
  std::unique_ptr<Portal> portal;
  SystemdNotifier systemd;  // READY once listening, WATCHDOG from the reactor, STOPPING
};

App::App(backend::Settings settings) : impl_(std::make_unique<Impl>(std::move(settings))) {}

App::~App() = default;

void App::start() {
  auto& i = *impl_;
  for (const auto& warning : i.settings.warnings)
    log::warning("config", warning);
  i.database.emplace(open_configured_database(i.settings));
  db::Connection& conn = i.database->conn;
  i.checkpointer = std::make_unique<db::Checkpointer>(conn);
  db::rebuild(conn);  // maintenance counters, also repairing edits made by another tool
  i.status.reset(backend::load_all_machine_statuses(conn));

  if (i.auth.active()) i.broker.add_hooks(i.auth);
  const auto topics = backend::BoardTopics::from(i.settings.mqtt);
  // Replies whose writes must be synced leave together at the end of the reactor's turn.
  i.boards = std::make_unique<backend::BoardService>(
      i.broker, conn, i.status, topics, unix_now,
      [&i](std::function<void()> then) { boost::asio::post(i.io, std::move(then)); });
  i.remote = std::make_unique<backend::RemoteControl>(i.broker, conn, i.status, topics, unix_now);
  i.boards->set_observer(
      [&i](const backend::BoardEvent& event) { i.remote->on_board_event(event); });
  i.boards->start();

  const auto port = i.mqtt_server.listen_tcp(i.settings.mqtt.bind_address, i.settings.mqtt.port);
  log::info("main", "MQTT broker listening on " + i.settings.mqtt.bind_address + ":" +
                        std::to_string(port));
  i.mqtt_server.start();

  i.housekeeping = std::make_unique<backend::Housekeeping>(i.io, i.settings, conn, i.broker,
                                                           i.status, *i.remote, *i.boards);
  i.housekeeping->start();

  i.portal =
      std::make_unique<Portal>(i.io, i.settings, conn, i.broker, *i.boards, i.status, *i.remote);
  i.portal->start();
  // Purge once at start too: an appliance rebooted every night would otherwise never purge.
  i.housekeeping->purge();
  i.systemd.ready("broker on port " + std::to_string(port) + ", portal on port " +
                  std::to_string(i.settings.web.port));
  i.systemd.start_watchdog();
}

int App::run() {
  auto& i = *impl_;
  i.signals.async_wait([&i](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    log::info("main", std::string("received ") + strsignal(signal) + ", stopping");
    i.systemd.stopping();
    i.portal->stop();
    i.housekeeping->stop();
    i.boards->stop();
    i.mqtt_server.stop();
    i.io.stop();
  });
  i.io.run();
  log::info("main", "stopped");
  return 0;
}

}  // namespace fabomatic::app
