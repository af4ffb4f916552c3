#include "app/portal.hpp"

#include "app/mail_center.hpp"

#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <optional>
#include <thread>

#include "backend/board_service.hpp"
#include "backend/housekeeping.hpp"
#include "backend/live_status.hpp"
#include "backend/remote_control.hpp"
#include "broker/core/broker.hpp"
#include "certs/certificates.hpp"
#include "common/clock.hpp"
#include "common/log.hpp"
#include "db/sqlite.hpp"
#include "web/api/context.hpp"
#include "web/api/metrics.hpp"
#include "web/api/routes.hpp"
#include "web/auth/audit_log.hpp"
#include "web/auth/guard.hpp"
#include "web/auth/password_reset.hpp"
#include "web/auth/password_worker.hpp"
#include "web/auth/route_table.hpp"
#include "web/auth/routes.hpp"
#include "web/auth/sessions.hpp"
#include "web/http/reactor_lane.hpp"
#include "web/http/server.hpp"
#include "web/http/static_assets.hpp"
#include "web/http/thread_priority.hpp"
#include "web/live/hub.hpp"
#include "web/live/status_json.hpp"
#include "web/mail/mailer.hpp"

namespace fabomatic::app {

namespace {
// The page shows "live link lost" when it hears nothing for a while: this keeps it fed.
constexpr auto kHeartbeatPeriod = std::chrono::seconds(15);

// The portal's TLS and HTTP work yields the CPU to the reactor (the boards) when both want it.
constexpr int kPortalThreadNice = 5;

std::string host_name() {
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  return name;
}
}  // namespace

struct Portal::Impl {
  Impl(boost::asio::io_context& io, const backend::Settings& settings, db::Connection& db,
       const broker::Broker& broker, const backend::BoardService& boards,
       backend::LiveStatus& status, backend::RemoteControl& remote, backend::MqttSecurity* security,
       PortalServices services)
      : io(io),
        services(services),
        lane(io),
        settings(settings),
        db(db),
        broker(broker),
        boards(boards),
        status(status),
        remote(remote),
        security(security),
        heartbeat(io),
        sessions(db, web::SessionOptions{std::chrono::minutes(settings.web.session_idle_min),
                                         std::chrono::hours(settings.web.session_absolute_hours)}),
        audit(db),
        mailer(smtp_settings(settings), smtp_options(io)),
        mail_center(io, settings, db, mailer),
        live(status, unix_now) {}

  static web::SmtpSettings smtp_settings(const backend::Settings& s) {
    return web::SmtpSettings{s.email.server,   s.email.port,     s.email.use_tls,
                             s.email.username, s.email.password, s.email.sender};
  }

  static web::SmtpOptions smtp_options(boost::asio::io_context& io) {
    web::SmtpOptions options;
    options.post = [&io](std::function<void()> f) { boost::asio::post(io, std::move(f)); };
    return options;
  }

  void schedule_heartbeat() {
    heartbeat.expires_after(kHeartbeatPeriod);
    heartbeat.async_wait([this](const boost::system::error_code& error) {
      if (error) return;
      live.heartbeat();
      schedule_heartbeat();
    });
  }

  /// Runs web_io (the portal's sockets, TLS, parsing) on a thread of its own.
  void start_web_thread() {
    web_guard.emplace(web_io.get_executor());
    web_thread = std::thread([this] {
      web::name_and_lower_this_thread("fabomatic-web", kPortalThreadNice);
      try {
        web_io.run();
      } catch (const std::exception& e) {
        // As for a failure on the reactor: the process stops rather than serve half a portal.
        const std::string what = e.what();
        boost::asio::post(io, [what] { throw std::runtime_error("portal thread: " + what); });
      }
    });
  }

  boost::asio::io_context& io;  // the reactor: database, live status, every handler
  PortalServices services;
  // The portal's sockets, TLS and HTTP parsing. Declared before the lane and the server, which
  // may hold its connections: they go first.
  boost::asio::io_context web_io{1};
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> web_guard;
  std::thread web_thread;
  web::ReactorLane lane;                           // requests handed from web_io to the reactor
  std::unique_ptr<web::PasswordWorker> passwords;  // sign-in hashing, off the reactor
  web::HttpStats http_stats;
  const backend::Settings& settings;
  db::Connection& db;
  const broker::Broker& broker;
  const backend::BoardService& boards;
  backend::LiveStatus& status;
  backend::RemoteControl& remote;
  backend::MqttSecurity* security;
  boost::asio::steady_timer heartbeat;
  web::SessionAuth sessions;
  web::AuditLog audit;
  web::SmtpMailer mailer;
  MailCenterImpl mail_center;  // the SMTP test and the weekly summary
  web::LiveHub live;
  web::StaticAssets assets{web::embedded_assets()};  // the browser app (web/frontend/)
  std::unique_ptr<web::PasswordResets> resets;       // reset mails an admin sends a member
  std::unique_ptr<web::api::ApiContext> api;
  web::AuthRoutesControl sign_in_control;  // told when a restore replaced the database
  std::unique_ptr<web::Server> server;
};

Portal::Portal(boost::asio::io_context& io, const backend::Settings& settings, db::Connection& db,
               const broker::Broker& broker, const backend::BoardService& boards,
               backend::LiveStatus& status, backend::RemoteControl& remote,
               backend::MqttSecurity* security, PortalServices services)
    : impl_(std::make_unique<Impl>(io, settings, db, broker, boards, status, remote, security,
                                   services)) {}

Portal::~Portal() {
  stop();
}

void Portal::start() {
  auto& i = *impl_;
  const auto& web_settings = i.settings.web;

  certs::Config tls_config;
  tls_config.certificate_file = web_settings.certificate;
  tls_config.key_file = web_settings.private_key;
  tls_config.data_dir = i.settings.backend.data_dir;
  const certs::Material tls = certs::load_or_create(tls_config);
  for (const auto& warning : tls.warnings)
    log::warning("certs", warning);
  log::info("certs", std::string(tls.created ? "created " : "using ") +
                         (tls.self_signed ? "self-signed " : "") + "certificate " +
                         tls.certificate_file.string() + ", SHA-256 fingerprint " +
                         tls.fingerprint_sha256);

  web::Router router;
  web::AuthOptions auth_options;
  auth_options.base_url = web_settings.base_url;
  auth_options.host_name = host_name();
  auth_options.port = web_settings.port;
  i.passwords = std::make_unique<web::PasswordWorker>(
      [&i](std::function<void()> then) { i.lane.post(std::move(then)); });
  auth_options.password_work = [&i](web::PasswordJob job) {
    return i.passwords->submit(std::move(job));
  };
  web::RouteTable sign_in;
  i.sign_in_control =
      web::add_auth_routes(sign_in, i.sessions, i.db, i.mailer, i.audit, auth_options);

  i.api = std::make_unique<web::api::ApiContext>(
      web::api::ApiContext{i.db, i.audit, i.status, &i.remote, &i.sessions, unix_now});
  i.api->password_work = auth_options.password_work;  // members' new passwords, off the reactor
  i.api->downloads = i.services.downloads;
  i.api->system = i.services.system;
  i.api->settings = i.services.settings;
  i.api->mail = &i.mail_center;
  i.resets = std::make_unique<web::PasswordResets>(i.sessions, i.mailer, i.audit,
                                                   web::password_reset_options(auth_options));
  i.api->resets = i.resets.get();
  i.api->mqtt_security = i.security;  // board accounts, anonymous mode
  // Every route from one table, which the OpenAPI document describes too. Handlers refer to
  // i.assets, i.live and i.api: they live as long as the server.
  web::register_routes(
      router,
      web::api::portal_routes({.api = *i.api,
                               .sign_in = std::move(sign_in),
                               .live = i.live,
                               .assets = i.assets,
                               .metrics = {&i.broker, &i.boards, &i.live, &i.http_stats}}),
      i.sessions);
  i.sessions.set_on_sessions_ended([&i] { i.live.close_unauthorized(); });

  i.remote.set_observer([&i](db::Id machine_id, const backend::RemoteOutcome& outcome) {
    i.live.broadcast(web::remote_outcome_json(machine_id, outcome).dump());
  });

  web::ServerOptions options;
  options.bind_address = web_settings.bind_address;
  options.port = web_settings.port;
  if (web_settings.http_redirect_port != 0) options.redirect_port = web_settings.http_redirect_port;
  options.max_connections = web_settings.max_connections;
  options.max_connections_per_address = web_settings.max_connections_per_address;
  options.body_limit = std::size_t{web_settings.body_limit_kib} * 1024;
  options.handshake_timeout = std::chrono::seconds(web_settings.client_timeout_s);
  options.header_timeout = std::chrono::seconds(web_settings.client_timeout_s);
  options.app = [&i](std::function<void()> job) { i.lane.post(std::move(job)); };
  options.stats = &i.http_stats;
  i.server = std::make_unique<web::Server>(i.web_io, tls, std::move(router), options);
  i.server->start();
  i.start_web_thread();
  log::info("web", "admin portal on https://" + host_name() + ":" +
                       std::to_string(i.server->port()) + "/ (listening on " +
                       web_settings.bind_address + ")");
  i.schedule_heartbeat();
  i.mail_center.start();
}

bool Portal::database_replaced() {
  impl_->sessions.close_all();
  return impl_->sign_in_control.database_replaced();
}

void Portal::settings_changed() {
  auto& i = *impl_;
  i.mailer.set_settings(Impl::smtp_settings(i.settings));
  i.mail_center.reschedule();
}

void Portal::stop() {
  auto& i = *impl_;
  i.heartbeat.cancel();
  i.mail_center.stop();
  if (!i.web_thread.joinable()) {
    if (i.server) i.server->stop();  // web_io is not running: safe from here
    return;
  }
  // The server belongs to the portal's thread: stop it there, then end that thread. What it
  // still had in flight is dropped with web_io; requests queued for the reactor go now.
  boost::asio::post(i.web_io, [&i] {
    i.server->stop();
    i.web_io.stop();
  });
  i.web_thread.join();
  i.web_guard.reset();
  i.passwords.reset();  // finishes the hash at hand; what it posts is cleared with the lane
  i.lane.clear();
}

}  // namespace fabomatic::app
