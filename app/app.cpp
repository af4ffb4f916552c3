#include "app/app.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "app/listen_probe.hpp"
#include "app/nightly_backup.hpp"
#include "app/portal.hpp"
#include "app/restore.hpp"
#include "app/settings_store.hpp"
#include "app/systemd_notify.hpp"
#include "backend/board_accounts.hpp"
#include "backend/board_service.hpp"
#include "backend/board_topics.hpp"
#include "backend/housekeeping.hpp"
#include "backend/live_status.hpp"
#include "backend/machine_status_loader.hpp"
#include "backend/mqtt_auth.hpp"
#include "backend/mqtt_clients.hpp"
#include "backend/mqtt_security.hpp"
#include "backend/remote_control.hpp"
#include "broker/asio/server.hpp"
#include "broker/auth/access_control.hpp"
#include "broker/core/broker.hpp"
#include "certs/certificates.hpp"
#include "common/clock.hpp"
#include "common/log.hpp"
#include "db/checkpointer.hpp"
#include "db/database.hpp"
#include "db/maintenance_due.hpp"
#include "db/portal_access.hpp"
#include "db/users_repository.hpp"
#include "web/api/operations.hpp"
#include "web/export/export_worker.hpp"

namespace fabomatic::app {

namespace {

// The database and what SQLite keeps beside it (an older file may be world-readable: the Python
// tool made it so): for fabomatic's user only, like everything it creates (main() sets umask).
void make_private(const std::string& path) {
  namespace fs = std::filesystem;
  for (const std::string& file : {path, path + "-wal", path + "-shm"}) {
    std::error_code ec;
    const auto status = fs::status(file, ec);
    if (ec || !fs::is_regular_file(status)) continue;
    const auto open = status.permissions() & (fs::perms::group_all | fs::perms::others_all);
    if (open == fs::perms::none) continue;
    fs::permissions(file, fs::perms::group_all | fs::perms::others_all, fs::perm_options::remove,
                    ec);
    if (ec) {
      log::warning("db",
                   file + " is readable by others and could not be made private: " + ec.message());
    } else {
      log::info("db", "made " + file + " readable by fabomatic's user only");
    }
  }
}

// Who may sign in to the portal, at every start; the way back in when nobody may.
void log_portal_accounts(db::Connection& conn) {
  const auto accounts = db::sign_in_accounts(conn);
  std::string names;
  bool any_password = false;
  for (const auto& account : accounts) {
    if (!names.empty()) names += ", ";
    names += account.user.email.value_or("");
    any_password = any_password || account.has_password();
  }
  if (accounts.empty()) {
    log::warning("console",
                 "no account may sign in to the portal: grant it to one with fabomatic admin "
                 "grant EMAIL, then fabomatic admin set-password EMAIL");
  } else if (any_password) {
    log::info("web", "may sign in to the portal: " + names);
  }
}

db::OpenOptions open_options(const backend::Settings& settings) {
  db::OpenOptions options;
  options.default_admin_email = settings.web.default_admin_email;
  return options;
}
}  // namespace

db::Database open_configured_database(const backend::Settings& settings) {
  const db::OpenOptions options = open_options(settings);
  const std::string path = settings.database.file.string();
  // The old tool's settings name its database: a new one made instead, when a relative url
  // read from another folder misses it, would answer every card "unknown". (An absolute url,
  // as fabomatic-import writes, names the file on purpose: a new database is made there.)
  std::error_code ec;
  if (settings.mqtt.anonymous == backend::AnonymousMode::legacy &&
      !settings.database.url.starts_with("sqlite:////") && !std::filesystem::exists(path, ec)) {
    throw std::runtime_error(
        "the settings file " + settings.source.string() +
        " is the old FabOMatic's, but its database " +
        std::filesystem::absolute(path, ec).string() +
        " does not exist (a relative [database] url resolves against the folder fabomatic "
        "starts in, " +
        std::filesystem::current_path(ec).string() +
        "). Copy the old database.sqldb there, or give its path in [database] url. To start "
        "with a new database instead, create an empty file at that path.");
  }
  db::Database d = [&] {
    try {
      return db::open_database(path, options);
    } catch (const std::exception& e) {
      // SQLite's own words ("file is not a database", "attempt to write a readonly database")
      // do not say which file.
      throw std::runtime_error("cannot use the database " +
                               std::filesystem::absolute(path, ec).string() + ": " + e.what());
    }
  }();
  if (d.created) log::info("db", "created a new database " + path);
  if (d.upgraded) {
    log::info("db", "upgraded " + path + " from revision " + d.previous_revision +
                        (d.backup_path.empty() ? "" : " (backup: " + d.backup_path + ")"));
  }
  for (const auto& warning : d.warnings)
    log::warning("db", warning);
  make_private(path);
  if (!d.portal_granted.empty()) {
    std::string names;
    for (const auto id : d.portal_granted) {
      const auto user = db::UsersRepository(d.conn).get(id);
      if (!names.empty()) names += ", ";
      names += user && user->email && !user->email->empty() ? *user->email
                                                            : "member " + std::to_string(id);
    }
    log::warning("console",
                 "the old portal let in roles with authorize all: these members keep the portal "
                 "(granted on their own, their roles unchanged): " +
                     names);
  }
  return d;
}

namespace {

// Before the database is touched (an upgrade rewrites it): a port another program still holds —
// Mosquitto, or the old FabOMatic's portal — stops the start here, saying which.
void refuse_taken_ports(const backend::Settings& settings) {
  struct Listener {
    const char* key;
    const std::string& address;
    std::uint16_t port;
    const char* likely;
  };
  const Listener listeners[] = {
      {"[MQTT] port", settings.mqtt.bind_address, settings.mqtt.port,
       "is Mosquitto still running? fabomatic is the broker now: sudo systemctl disable --now "
       "mosquitto"},
      {"[web] port", settings.web.bind_address, settings.web.port,
       "is the old FabOMatic still running? sudo systemctl disable --now FabOMatic"}};
  for (const auto& l : listeners) {
    if (l.port == 0) continue;
    if (const auto why = cannot_listen(l.address, l.port)) {
      throw std::runtime_error("cannot listen on " + l.address + ":" + std::to_string(l.port) +
                               " (" + l.key + "): " + *why + " — " + l.likely +
                               ". Nothing was changed.");
    }
  }
}

broker::BrokerConfig broker_config(const backend::MqttSettings& mqtt) {
  broker::BrokerConfig config;
  config.max_packet_size = mqtt.max_packet_size;
  config.max_connect_size = mqtt.max_connect_size;
  config.max_connections = mqtt.max_connections;
  config.max_connections_per_address = mqtt.max_connections_per_address;
  config.max_pending_per_address = mqtt.max_pending_connections_per_address;
  config.max_inflight = mqtt.max_inflight;
  config.max_queued = mqtt.max_queued_messages;
  config.max_output_total = mqtt.max_output_total;
  config.max_retained_messages = mqtt.max_retained_messages;
  config.max_retained_bytes = mqtt.max_retained_bytes;
  config.max_persistent_sessions = mqtt.max_persistent_sessions;
  config.persistent_session_expiry = std::chrono::seconds(mqtt.persistent_session_expiry_s);
  config.max_subscriptions_per_client = mqtt.max_subscriptions_per_client;
  config.max_subscriptions_total = mqtt.max_subscriptions_total;
  config.use_username_as_clientid = mqtt.use_username_as_clientid;
  config.connect_timeout = std::chrono::seconds(mqtt.connect_timeout_s);
  config.sys_interval = std::chrono::seconds(mqtt.sys_interval_s);
  config.version = "fabomatic " FABOMATIC_VERSION;
  return config;
}

backend::BoardServiceOptions board_options(const backend::BackendSettings& backend) {
  backend::BoardServiceOptions options;
  options.unknown_taps.window_s = backend.unknown_card_window_s;
  options.unknown_taps.max_rows = backend.max_unknown_cards;
  options.max_discovered_boards = backend.max_discovered_boards;
  return options;
}

// A whole file as text; nullopt (with the reason in `error`) when it cannot be read.
std::optional<std::string> read_text(const std::filesystem::path& file, std::string& error) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) {
    error = file.string() + ": is a directory";
    return std::nullopt;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    error = file.string() + ": cannot be read: " + std::strerror(errno);
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The broker's accounts and rules from [MQTT] password_file, acl_file and [MQTT.users]. At
// start a file that cannot be used stops the program; on SIGHUP the rules in force stay and the
// problem is logged.
struct AccessFiles {
  std::shared_ptr<const broker::auth::PasswordFile> passwords;
  std::shared_ptr<const broker::auth::AclFile> acl;
};

std::optional<AccessFiles> load_access_files(const backend::MqttSettings& mqtt,
                                             std::vector<std::string>& errors) {
  AccessFiles files;
  auto passwords = std::make_shared<broker::auth::PasswordFile>();
  if (!mqtt.password_file.empty()) {
    std::string error;
    const auto text = read_text(mqtt.password_file, error);
    if (!text) {
      errors.push_back("[MQTT] password_file " + error);
      return std::nullopt;
    }
    std::vector<std::string> problems;
    *passwords = broker::auth::PasswordFile::parse(*text, &problems);
    for (const auto& problem : problems)
      log::warning("mqtt", mqtt.password_file.string() + ": " + problem);
  }
  for (const auto& [user, password] : mqtt.users)
    passwords->add_plain(user, password);
  files.passwords = std::move(passwords);
  if (!mqtt.acl_file.empty()) {
    std::string error;
    const auto text = read_text(mqtt.acl_file, error);
    if (!text) {
      errors.push_back("[MQTT] acl_file " + error);
      return std::nullopt;
    }
    std::vector<std::string> problems;
    auto acl = broker::auth::AclFile::parse(*text, problems);
    if (!problems.empty()) {
      for (const auto& problem : problems)
        errors.push_back(mqtt.acl_file.string() + ": " + problem);
      return std::nullopt;
    }
    files.acl = std::make_shared<const broker::auth::AclFile>(std::move(acl));
  }
  return files;
}

}  // namespace

struct App::Impl {
  explicit Impl(backend::Settings s)
      : settings(std::move(s)),
        io(1),
        signals(io, SIGINT, SIGTERM),
        reload_signal(io, SIGHUP),
        broker(broker_config(settings.mqtt), broker::Clock::now()),
        mqtt_server(io, broker),
        access(settings.mqtt.anonymous != backend::AnonymousMode::refused),
        clients(unix_now),
        status(settings.backend.online_window_s),
        systemd(io),
        restart_timer(io),
        settings_file(settings, [this] { settings_applied(); }) {}

  ~Impl() {
    if (restore_thread.joinable()) restore_thread.join();
  }

  /// The system page's source: figures of the broker and the housekeeping, restore, restart.
  struct Operations final : web::api::SystemSource {
    explicit Operations(Impl& impl) : i(impl) {}
    Impl& i;

    std::string version() const override { return FABOMATIC_VERSION; }
    double started_at() const override { return i.started; }
    web::api::BrokerFigures broker() override;
    std::vector<web::api::MqttLink> mqtt_clients() override {
      std::vector<web::api::MqttLink> links;
      for (const auto& c : i.clients.connected()) {
        auto& link = links.emplace_back(
            web::api::MqttLink{c.client_id, c.username, c.address, c.connected_at, {}});
        if (!i.auth) continue;
        link.machine_id = i.auth->machine_of_account(c.username);
        if (!link.machine_id) link.machine_id = i.auth->machine_of(c.remote);
      }
      return links;
    }
    std::optional<web::api::PurgeFigures> last_purge() override {
      if (!i.housekeeping) return std::nullopt;
      const auto report = i.housekeeping->last_purge();
      if (!report) return std::nullopt;
      const auto& r = report->result;
      return web::api::PurgeFigures{report->time, r.uses, r.interventions, r.unknown_cards,
                                    r.audit_entries};
    }
    web::api::BackupFigures nightly_backup() override {
      return i.backup ? i.backup->figures() : web::api::BackupFigures{};
    }
    void restore(std::string upload, std::function<void(web::api::RestoreOutcome)> done) override {
      i.restore(std::move(upload), std::move(done));
    }
    void restart() override { i.restart(); }
  };

  void restore(std::string upload, std::function<void(web::api::RestoreOutcome)> done);
  void swap_in(const std::string& prepared, std::function<void(web::api::RestoreOutcome)> done);
  void restart();
  /// Stops everything; run() then returns.
  void shut_down(bool restart);
  /// The settings that apply at once changed (settings editor).
  void settings_applied();

  // Re-reads password_file and acl_file; the clients whose account went or changed are
  // disconnected, the others get the new rules.
  void reload_access() {
    std::vector<std::string> errors;
    const auto files = load_access_files(settings.mqtt, errors);
    if (!files) {
      for (const auto& error : errors)
        log::error("mqtt", error + " (the rules in force stay)");
      return;
    }
    const auto changed = access.set_files(files->passwords, files->acl);
    const auto closed = broker.review_clients(access) + broker.review_clients(*auth);
    log::info("mqtt", "access files reloaded: " + std::to_string(files->passwords->size()) +
                          " account(s), " +
                          (files->acl ? std::to_string(files->acl->rule_count()) + " ACL rule(s)"
                                      : std::string("no ACL file")) +
                          "; " + std::to_string(closed) + " client(s) disconnected");
  }

  void wait_for_reload() {
    reload_signal.async_wait([this](const boost::system::error_code& ec, int) {
      if (ec) return;
      log::info("main", "received SIGHUP: reloading the MQTT password and ACL files");
      reload_access();
      wait_for_reload();
    });
  }

  backend::Settings settings;
  boost::asio::io_context io;
  // Installed before anything listens: a SIGTERM during start-up is held until run() and then
  // stops the process cleanly instead of killing it.
  boost::asio::signal_set signals;
  boost::asio::signal_set reload_signal;  // SIGHUP: re-read the MQTT password and ACL files
  broker::Broker broker;
  broker::Server mqtt_server;
  broker::auth::AccessControl access;  // password_file, acl_file, [MQTT.users], anonymous
  std::optional<backend::BoardSecrets> board_secrets;
  std::unique_ptr<backend::BoardAccounts> board_accounts;
  std::unique_ptr<backend::MqttAuth> auth;  // board accounts and the FabLab's topic rules
  std::unique_ptr<backend::MqttSecurity> security;
  backend::MqttClients clients;  // who is connected, for the system page's fleet
  backend::LiveStatus status;
  std::optional<db::Database> database;
  std::unique_ptr<db::Checkpointer> checkpointer;  // WAL checkpoints off the reactor thread
  std::unique_ptr<backend::BoardService> boards;
  std::unique_ptr<backend::RemoteControl> remote;
  std::unique_ptr<backend::Housekeeping> housekeeping;
  std::unique_ptr<Portal> portal;
  // Downloads and the nightly backup, off the reactor. After the portal: destroyed before it,
  // while the portal's I/O context that its jobs answer to still exists.
  std::unique_ptr<web::exports::ExportWorker> downloads;
  std::unique_ptr<NightlyBackup> backup;
  SystemdNotifier systemd;  // READY once listening, WATCHDOG from the reactor, STOPPING
  boost::asio::steady_timer restart_timer;
  SettingsFile settings_file;  // the settings editor's store
  Operations operations{*this};
  double started = unix_now();
  struct RateSample {
    double time = 0;
    std::uint64_t received = 0, sent = 0;
  } rate_sample;
  double received_rate = 0, sent_rate = 0;
  std::thread restore_thread;  // checks an upload off the reactor
  bool restoring = false;
  bool restart_requested = false;
  bool stopped = false;
};

web::api::BrokerFigures App::Impl::Operations::broker() {
  const auto& s = i.broker.stats();
  web::api::BrokerFigures f;
  f.clients_connected = i.broker.connected_count();
  f.sessions = i.broker.session_count();
  f.subscriptions = i.broker.subscription_count();
  f.retained = i.broker.retained_count();
  f.messages_received = s.messages_received;
  f.messages_sent = s.messages_sent;
  f.messages_dropped = s.messages_dropped;
  // Rates over the time since the previous sample at least a second old.
  const double now = unix_now();
  if (now - i.rate_sample.time >= 1.0) {
    const double span = now - i.rate_sample.time;
    if (i.rate_sample.time > 0) {
      i.received_rate = static_cast<double>(s.messages_received - i.rate_sample.received) / span;
      i.sent_rate = static_cast<double>(s.messages_sent - i.rate_sample.sent) / span;
    }
    i.rate_sample = {now, s.messages_received, s.messages_sent};
  }
  f.received_per_s = i.received_rate;
  f.sent_per_s = i.sent_rate;
  return f;
}

void App::Impl::restore(std::string upload, std::function<void(web::api::RestoreOutcome)> done) {
  if (restoring) {
    return done({409, "busy", "a restore is already in progress", ""});
  }
  restoring = true;
  if (restore_thread.joinable()) restore_thread.join();
  const std::string path = settings.database.file.string();
  restore_thread = std::thread([this, path, options = open_options(settings),
                                upload = std::move(upload), done = std::move(done)]() mutable {
    auto prepared = prepare_restore(path, upload, options);
    upload.clear();
    upload.shrink_to_fit();
    boost::asio::post(io, [this, prepared = std::move(prepared), done = std::move(done)] {
      if (const auto* refused = std::get_if<web::api::RestoreOutcome>(&prepared)) {
        restoring = false;
        log::warning("db", "restore refused: " + refused->message);
        return done(*refused);
      }
      swap_in(std::get<std::string>(prepared), done);
    });
  });
}

void App::Impl::swap_in(const std::string& prepared,
                        std::function<void(web::api::RestoreOutcome)> done) {
  restoring = false;
  if (stopped) {
    std::remove(prepared.c_str());
    return done({503, "stopping", "the service is stopping", ""});
  }
  db::Connection& conn = database->conn;
  const std::string path = settings.database.file.string();
  web::api::RestoreOutcome outcome{200, "restored", "", ""};
  // The boards' last-seen times belong to the old file; then nobody may have it open while
  // the files change places: the checkpointer goes, downloads wait to open it.
  boards->write_heartbeats();
  const bool swapped = downloads->exclusive([&] {
    checkpointer.reset();
    try {
      conn.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    } catch (const db::Error& e) {
      log::warning("db", std::string("checkpoint before restore: ") + e.what());
    }
    conn = db::Connection(":memory:", {.wal = false});  // closes the file
    std::string kept;
    try {
      kept = swap_database_files(path, prepared);
      outcome.kept_as = kept;
    } catch (const std::exception& e) {
      outcome = {500, "swap_failed", e.what(), ""};
      std::remove(prepared.c_str());
    }
    try {
      conn = std::move(open_configured_database(settings).conn);
    } catch (const std::exception& e) {
      // The prepared file opened before; should it not now, the previous one goes back.
      outcome = {500, "reopen_failed", e.what(), ""};
      if (!kept.empty()) {
        std::error_code ec;
        std::filesystem::rename(path, path + ".failed-restore", ec);
        std::filesystem::rename(kept, path, ec);
      }
      conn = std::move(open_configured_database(settings).conn);
    }
    checkpointer = std::make_unique<db::Checkpointer>(conn);
  });
  if (!swapped) {
    std::remove(prepared.c_str());
    return done({409, "busy",
                 "downloads are being made from the database; try again when they "
                 "are finished",
                 ""});
  }
  if (outcome.status != 200) {
    log::error("db", "restore failed: " + outcome.message);
    return done(outcome);
  }
  status.reset(backend::load_all_machine_statuses(conn));
  const bool needs_setup = portal->database_replaced();
  outcome.message = "database restored; the previous one is kept as " + outcome.kept_as;
  if (needs_setup)
    outcome.message += "; no account of it can sign in: use the setup code in the log";
  log::warning("db", outcome.message);
  done(outcome);
}

void App::Impl::restart() {
  // Later, so that the answer saying so leaves first.
  restart_timer.expires_after(std::chrono::milliseconds(300));
  restart_timer.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) shut_down(true);
  });
}

void App::Impl::shut_down(bool restart) {
  if (stopped) return;
  stopped = true;
  restart_requested = restart;
  if (restart) {
    systemd.reloading();
  } else {
    systemd.stopping();
  }
  if (backup) backup->stop();
  reload_signal.cancel();
  portal->stop();
  downloads.reset();  // cancels downloads; what they post is dropped with the portal's I/O
  housekeeping->stop();
  boards->stop();
  mqtt_server.stop();
  io.stop();
}

void App::Impl::settings_applied() {
  log::set_level(settings.backend.log_level);
  if (portal) portal->settings_changed();
  if (backup) backup->reschedule();
}

App::App(backend::Settings settings) : impl_(std::make_unique<Impl>(std::move(settings))) {}

App::~App() = default;

void App::start() {
  auto& i = *impl_;
  for (const auto& warning : i.settings.warnings)
    log::warning("config", warning);
  refuse_taken_ports(i.settings);
  i.database.emplace(open_configured_database(i.settings));
  db::Connection& conn = i.database->conn;
  i.checkpointer = std::make_unique<db::Checkpointer>(conn);
  web::exports::ExportOptions download_options;
  download_options.database_path = conn.path();
  download_options.temp_dir = i.settings.backend.data_dir;
  i.downloads = std::make_unique<web::exports::ExportWorker>(std::move(download_options));
  db::rebuild(conn);  // maintenance counters, also repairing edits made by another tool
  i.status.reset(backend::load_all_machine_statuses(conn));

  const auto topics = backend::BoardTopics::from(i.settings.mqtt);
  start_access_control(conn, topics);
  i.broker.add_hooks(i.clients);
  // Replies whose writes must be synced leave together at the end of the reactor's turn.
  i.boards = std::make_unique<backend::BoardService>(
      i.broker, conn, i.status, topics, unix_now,
      [&i](std::function<void()> then) { boost::asio::post(i.io, std::move(then)); },
      board_options(i.settings.backend));
  i.remote = std::make_unique<backend::RemoteControl>(i.broker, conn, i.status, topics, unix_now);
  i.boards->set_observer(
      [&i](const backend::BoardEvent& event) { i.remote->on_board_event(event); });
  i.boards->start();

  const auto port = i.mqtt_server.listen_tcp(i.settings.mqtt.bind_address, i.settings.mqtt.port);
  log::info("main", "MQTT broker listening on " + i.settings.mqtt.bind_address + ":" +
                        std::to_string(port));
  start_extra_listeners();
  i.mqtt_server.start();

  i.housekeeping = std::make_unique<backend::Housekeeping>(i.io, i.settings, conn, i.broker,
                                                           i.status, *i.remote, *i.boards);
  i.housekeeping->start();

  i.portal = std::make_unique<Portal>(
      i.io, i.settings, conn, i.broker, *i.boards, i.status, *i.remote, i.security.get(),
      PortalServices{&i.operations, &i.settings_file, i.downloads.get()});
  i.portal->start();  // logs the first start's setup code when no account can sign in yet
  log_portal_accounts(conn);
  i.backup = std::make_unique<NightlyBackup>(i.io, i.settings, *i.downloads);
  i.backup->start();
  // Purge once at start too: an appliance rebooted every night would otherwise never purge.
  i.housekeeping->purge();
  i.systemd.ready("broker on port " + std::to_string(port) + ", portal on port " +
                  std::to_string(i.settings.web.port));
  i.systemd.start_watchdog();
}

void App::start_extra_listeners() {
  auto& i = *impl_;
  const auto& mqtt = i.settings.mqtt;
  if (mqtt.tls.port == 0 && mqtt.websocket.port == 0 && mqtt.websocket_tls.port == 0) return;
  broker::Server::TlsFiles tls;
  if (mqtt.tls.port != 0 || mqtt.websocket_tls.port != 0) {
    if (!mqtt.tls_certificate.empty()) {
      tls = {mqtt.tls_certificate.string(), mqtt.tls_private_key.string()};
    } else {
      // The portal's certificate: configured, else the self-signed one (created now if need be;
      // the portal then finds it).
      certs::Config config;
      config.certificate_file = i.settings.web.certificate;
      config.key_file = i.settings.web.private_key;
      config.data_dir = i.settings.backend.data_dir;
      const certs::Material material = certs::load_or_create(config);
      tls = {material.certificate_file.string(), material.key_file.string()};
    }
  }
  const auto& address = mqtt.bind_address;
  if (mqtt.tls.port != 0) {
    const auto port = i.mqtt_server.listen_tls(address, mqtt.tls.port, tls);
    log::info("main", "MQTT over TLS on " + address + ":" + std::to_string(port) + " (" +
                          tls.certificate_file + ")");
  }
  if (mqtt.websocket.port != 0) {
    const auto port = i.mqtt_server.listen_websocket(address, mqtt.websocket.port);
    log::info("main", "MQTT over WebSocket on ws://" + address + ":" + std::to_string(port));
  }
  if (mqtt.websocket_tls.port != 0) {
    const auto port = i.mqtt_server.listen_websocket(address, mqtt.websocket_tls.port, &tls);
    log::info("main",
              "MQTT over WebSocket and TLS on wss://" + address + ":" + std::to_string(port));
  }
}

void App::start_access_control(db::Connection& conn, const backend::BoardTopics& topics) {
  auto& i = *impl_;
  const auto& mqtt = i.settings.mqtt;
  std::vector<std::string> errors;
  const auto files = load_access_files(mqtt, errors);
  if (!files) throw backend::SettingsError(errors);
  i.access.set_files(files->passwords, files->acl);
  i.board_secrets.emplace(backend::BoardSecrets::load_or_create(
      i.settings.backend.data_dir / std::string(backend::kBoardKeyFileName)));
  i.board_accounts = std::make_unique<backend::BoardAccounts>(conn, *i.board_secrets, unix_now);
  i.auth = std::make_unique<backend::MqttAuth>(conn, *i.board_secrets, topics);
  if (mqtt.anonymous == backend::AnonymousMode::legacy) {
    i.access.set_anonymous_access(i.auth->legacy_anonymous_access());
    log::warning("mqtt",
                 "the settings file does not say allow_anonymous: boards without an account are "
                 "let in, but may only speak for existing machines. Give each board an account "
                 "(portal, or fabomatic board-account create), then set allow_anonymous = false");
  }
  // Board accounts first; the user names they do not know go to the password file.
  i.broker.add_hooks(*i.auth);
  i.broker.add_hooks(i.access);
  i.security = std::make_unique<backend::MqttSecurity>(i.broker, conn, *i.board_accounts, *i.auth,
                                                       mqtt.anonymous);
  i.auth->on_first_login([&i](db::Id machine_id) {
    // Out of the broker's CONNECT handling, which is where this is called from.
    boost::asio::post(i.io, [&i, machine_id] {
      const auto closed = i.security->close_to_anonymous(machine_id);
      log::info("mqtt", "machine " + std::to_string(machine_id) +
                            ": its board logged in with its account for the first time; closed "
                            "to anonymous clients (" +
                            std::to_string(closed) + " disconnected)");
    });
  });
  log::info("mqtt", "anonymous clients " + std::string(backend::to_string(mqtt.anonymous)) + ", " +
                        std::to_string(files->passwords->size()) + " account(s) from " +
                        "password_file/[MQTT.users], " +
                        std::to_string(i.board_accounts->list().size()) + " board account(s), " +
                        (files->acl ? std::to_string(files->acl->rule_count()) + " ACL rule(s)"
                                    : std::string("no ACL file")));
  i.wait_for_reload();
}

int App::run() {
  auto& i = *impl_;
  i.signals.async_wait([&i](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    log::info("main", std::string("received ") + strsignal(signal) + ", stopping");
    i.shut_down(false);
  });
  i.io.run();
  log::info("main", i.restart_requested ? "stopped, restarting" : "stopped");
  return 0;
}

bool App::restart_requested() const {
  return impl_->restart_requested;
}

}  // namespace fabomatic::app
