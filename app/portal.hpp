// The admin portal as the composition root assembles it: TLS material (configured or
// self-signed), the HTTPS server and its routes — sign-in, the REST API, the live WebSocket,
// metrics and the embedded static assets. Every handler runs on the reactor (the one thread
// that owns the database and the live status), queued one per turn behind the boards'
// messages; the sockets, TLS and HTTP parsing run on a portal thread of lower priority, so a
// browser hammering the portal costs the boards at most one handler's time.
#pragma once

#include <memory>

#include "backend/settings.hpp"

namespace boost::asio {
class io_context;
}
namespace fabomatic::broker {
class Broker;
}
namespace fabomatic::db {
class Connection;
}
namespace fabomatic::backend {
class BoardService;
class LiveStatus;
class MqttSecurity;
class RemoteControl;
}  // namespace fabomatic::backend
namespace fabomatic::web::api {
class SystemSource;
class SettingsStore;
}  // namespace fabomatic::web::api
namespace fabomatic::web::exports {
class ExportWorker;
}

namespace fabomatic::app {

/// What the operations pages (system, settings, downloads) use, owned by the App.
struct PortalServices {
  web::api::SystemSource* system = nullptr;
  web::api::SettingsStore* settings = nullptr;
  web::exports::ExportWorker* downloads = nullptr;
};

class Portal {
 public:
  /// `security`: board accounts and the broker's access status (null: those routes answer 503).
  Portal(boost::asio::io_context& io, const backend::Settings& settings, db::Connection& db,
         const broker::Broker& broker, const backend::BoardService& boards,
         backend::LiveStatus& status, backend::RemoteControl& remote,
         backend::MqttSecurity* security = nullptr, PortalServices services = {});
  ~Portal();
  Portal(const Portal&) = delete;
  Portal& operator=(const Portal&) = delete;

  /// Loads or creates the certificate and starts listening; throws with a readable message.
  void start();
  void stop();

  /// The database was replaced (a restore): ends every session, as the restored file has its
  /// own members, and looks again for an account that can sign in — when none can, a setup
  /// code is logged as at a first start. True when that setup is pending.
  bool database_replaced();
  /// The settings that apply at once changed: the mailer and the summary schedule take them.
  void settings_changed();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fabomatic::app
