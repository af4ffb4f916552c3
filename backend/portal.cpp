#include "backend/portal.hpp"

#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "backend/board_service.hpp"
#include "backend/housekeeping.hpp"
#include "backend/live_status.hpp"
#include "backend/log.hpp"
#include "backend/remote_control.hpp"
#include "broker/broker.hpp"
#include "certs/certificates.hpp"
#include "db/sqlite.hpp"
#include "web/api_context.hpp"
#include "web/api_routes.hpp"
#include "web/audit_log.hpp"
#include "web/auth.hpp"
#include "web/auth_routes.hpp"
#include "web/auth_sessions.hpp"
#include "web/live_hub.hpp"
#include "web/mailer.hpp"
#include "web/metrics.hpp"
#include "web/server.hpp"
#include "web/static_assets.hpp"

namespace fabomatic::backend {

namespace {
// The page shows "live link lost" when it hears nothing for a while: this keeps it fed.
constexpr auto kHeartbeatPeriod = std::chrono::seconds(15);

log::Level to_log_level(web::LogLevel level) {
  switch (level) {
    case web::LogLevel::debug:
      return log::Level::debug;
    case web::LogLevel::info:
      return log::Level::info;
    case web::LogLevel::warning:
      return log::Level::warning;
    case web::LogLevel::error:
      return log::Level::error;
  }
  return log::Level::info;
}

std::string host_name() {
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  return name;
}
}  // namespace

struct Portal::Impl {
  Impl(boost::asio::io_context& io, const Settings& settings, db::Connection& db,
       const broker::Broker& broker, const BoardService& boards, LiveStatus& status,
       RemoteControl& remote)
      : io(io),
        settings(settings),
        db(db),
        broker(broker),
        boards(boards),
        status(status),
        remote(remote),
        heartbeat(io),
        sessions(db, web::SessionOptions{std::chrono::minutes(settings.web.session_idle_min),
                                         std::chrono::hours(settings.web.session_absolute_hours)}),
        audit(db),
        mailer(smtp_settings(settings), smtp_options(io)),
        live(status, unix_now) {}

  static web::SmtpSettings smtp_settings(const Settings& s) {
    return web::SmtpSettings{s.email.server,   s.email.port,     s.email.use_tls,
                             s.email.username, s.email.password, s.email.sender};
  }

  static web::SmtpOptions smtp_options(boost::asio::io_context& io) {
    web::SmtpOptions options;
    options.log = [](web::LogLevel level, std::string_view text) {
      log::write(to_log_level(level), "mail", text);
    };
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

  boost::asio::io_context& io;
  const Settings& settings;
  db::Connection& db;
  const broker::Broker& broker;
  const BoardService& boards;
  LiveStatus& status;
  RemoteControl& remote;
  boost::asio::steady_timer heartbeat;
  web::SessionAuth sessions;
  web::AuditLog audit;
  web::SmtpMailer mailer;
  web::LiveHub live;
  web::StaticAssets assets;
  std::unique_ptr<web::api::ApiContext> api;
  std::unique_ptr<web::Server> server;
};

Portal::Portal(boost::asio::io_context& io, const Settings& settings, db::Connection& db,
               const broker::Broker& broker, const BoardService& boards, LiveStatus& status,
               RemoteControl& remote)
    : impl_(std::make_unique<Impl>(io, settings, db, broker, boards, status, remote)) {}

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
  web::register_auth_routes(router, i.sessions, i.db, i.mailer, i.audit, auth_options);

  i.api = std::make_unique<web::api::ApiContext>(
      web::api::ApiContext{i.db, i.audit, i.status, &i.remote, &i.sessions, unix_now});
  web::api::register_api_routes(router, *i.api);

  router.websocket("/api/v1/live", i.live.route(
                                       [&i](const web::Request& request) {
                                         return web::check_request(i.sessions, request).refusal;
                                       },
                                       [&i](const web::Request& request) {
                                         return i.sessions.still_valid(request);
                                       }));
  i.sessions.set_on_sessions_ended([&i] { i.live.close_unauthorized(); });
  i.assets.mount(router);  // handlers refer to i.assets: it lives as long as the server
  router.get("/metrics", web::metrics_handler({&i.broker, &i.boards, &i.live}, false));

  i.remote.set_observer([&i](db::Id machine_id, const RemoteOutcome& outcome) {
    i.live.broadcast(nlohmann::json{{"type", "remote"},
                                    {"machine_id", machine_id},
                                    {"ok", outcome.ok},
                                    {"message", outcome.message}}
                         .dump());
  });

  web::ServerOptions options;
  options.bind_address = web_settings.bind_address;
  options.port = web_settings.port;
  if (web_settings.http_redirect_port != 0) options.redirect_port = web_settings.http_redirect_port;
  options.max_connections = web_settings.max_connections;
  options.body_limit = std::size_t{web_settings.body_limit_kib} * 1024;
  options.handshake_timeout = std::chrono::seconds(web_settings.client_timeout_s);
  options.header_timeout = std::chrono::seconds(web_settings.client_timeout_s);
  options.log = [](web::LogLevel level, std::string_view text) {
    log::write(to_log_level(level), "web", text);
  };
  i.server = std::make_unique<web::Server>(i.io, tls, std::move(router), options);
  i.server->start();
  log::info("web", "admin portal on https://" + host_name() + ":" +
                       std::to_string(i.server->port()) + "/ (listening on " +
                       web_settings.bind_address + ")");
  i.schedule_heartbeat();
}

void Portal::stop() {
  auto& i = *impl_;
  i.heartbeat.cancel();
  if (i.server) i.server->stop();
}

}  // namespace fabomatic::backend
