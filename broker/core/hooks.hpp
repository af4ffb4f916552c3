// How an embedding program plugs into the broker without the broker knowing it: one interface
// with do-nothing defaults, in the shape Mochi-MQTT and Aedes use. Each hook object declares
// the events it handles; the broker keeps one list per event and calls only those, so a hook
// that checks CONNECT alone costs the publish path nothing.
//
// Authentication is a chain, as in Mosquitto's plugins: each authenticating hook accepts,
// refuses or defers (the client is not its business), in the order they were added; the first
// answer that is not "defer" decides. An accepting hook hands over what the client may do (a
// ClientAccess), which the broker consults for every PUBLISH and SUBSCRIBE of that client. The
// authorize_publish / authorize_subscribe events are vetoes on top of that: every hook that
// declares them must consent.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "broker/codec/packet.hpp"

namespace fabomatic::broker {

/// What the broker knows of a connected client, handed to every hook.
struct ClientInfo {
  std::string_view client_id;
  std::string_view username;  // empty when none was given
  std::string_view remote_address;
  /// The account the client authenticated as (its user name), empty for an anonymous client
  /// (no user name, or one that names no account and was let in as anonymous).
  std::string_view account;
  std::uint8_t protocol_level = 4;  // 4 = MQTT 3.1.1, 3 = MQTT 3.1
};

struct Credentials {
  std::optional<std::string_view> username;
  std::optional<std::string_view> password;  // binary
};

/// What one client may do, decided when it connected. May be shared by many clients (every
/// anonymous client, say): the client is passed to each question.
class ClientAccess {
 public:
  virtual ~ClientAccess() = default;

  /// Whether the client may publish to `topic` (a valid topic name) with this retain flag.
  virtual bool may_publish(const ClientInfo& client, std::string_view topic, bool retain) const = 0;

  /// Whether the client may subscribe to `filter` (a valid filter). A filter is granted only
  /// when every topic it can match may be read: the broker does not check again per message.
  virtual bool may_subscribe(const ClientInfo& client, std::string_view filter) const = 0;

  /// True when may_publish()'s answer for a topic stays the same for as long as a client holds
  /// this object: the broker then asks once and remembers the last topic allowed per
  /// connection (a board publishes on one topic all day).
  virtual bool stable() const { return true; }
};

/// Everything allowed (what a client gets when no hook decides).
class AllowEverything final : public ClientAccess {
 public:
  bool may_publish(const ClientInfo&, std::string_view, bool) const override { return true; }
  bool may_subscribe(const ClientInfo&, std::string_view) const override { return true; }
};

/// The answer of an authenticating hook.
struct AuthResult {
  enum class Verdict : std::uint8_t { defer, accept, refuse };
  Verdict verdict = Verdict::defer;
  ConnectReturnCode refusal = ConnectReturnCode::not_authorized;  // for refuse
  std::shared_ptr<const ClientAccess> access;  // for accept; null: everything allowed
  bool as_account = false;  // for accept: the user name names the account the client proved

  static AuthResult defer() { return {}; }
  static AuthResult accept(std::shared_ptr<const ClientAccess> access, bool as_account) {
    return AuthResult{Verdict::accept, ConnectReturnCode::accepted, std::move(access), as_account};
  }
  static AuthResult refuse(ConnectReturnCode code) {
    return AuthResult{Verdict::refuse, code, nullptr, false};
  }
};

/// The events a hook object can handle, as bits of a HookEvents set.
enum class HookEvent : std::uint8_t {
  authenticate = 1 << 0,
  authorize_publish = 1 << 1,
  authorize_subscribe = 1 << 2,
  connected = 1 << 3,
  disconnected = 1 << 4,
};
inline constexpr std::size_t kHookEventCount = 5;

using HookEvents = std::uint8_t;
constexpr HookEvents operator|(HookEvent a, HookEvent b) {
  return static_cast<HookEvents>(static_cast<HookEvents>(a) | static_cast<HookEvents>(b));
}
constexpr HookEvents operator|(HookEvents a, HookEvent b) {
  return static_cast<HookEvents>(a | static_cast<HookEvents>(b));
}

class BrokerHooks {
 public:
  /// `events`: the methods below that this object overrides; the others are never called.
  explicit BrokerHooks(HookEvents events) : events_(events) {}
  virtual ~BrokerHooks() = default;

  HookEvents events() const { return events_; }
  bool handles(HookEvent event) const { return (events_ & static_cast<HookEvents>(event)) != 0; }

  /// Decides a CONNECT, or defers to the next hook. Refuse with bad_username_or_password or
  /// not_authorized. When every hook defers, the client is accepted with every right.
  virtual AuthResult authenticate(const ClientInfo& /*client*/,
                                  const Credentials& /*credentials*/) {
    return AuthResult::defer();
  }

  /// Asked by Broker::review_clients(*this) for each connected client this hook accepted, after
  /// what it decides on changed (a reloaded password or ACL file): accept with the access that
  /// applies now, refuse (the client is disconnected), or defer (nothing changes).
  virtual AuthResult review(const ClientInfo& /*client*/) { return AuthResult::defer(); }

  /// Veto on a PUBLISH (after the client's ClientAccess allowed it). A refused QoS 0 message is
  /// dropped; a refused QoS 1/2 message is acknowledged and dropped, as MQTT 3.1.1 offers no
  /// negative acknowledgement.
  virtual bool authorize_publish(const ClientInfo& /*client*/, std::string_view /*topic*/) {
    return true;
  }

  /// Veto on a SUBSCRIBE filter; a refusal is answered with SUBACK 0x80.
  virtual bool authorize_subscribe(const ClientInfo& /*client*/, std::string_view /*filter*/) {
    return true;
  }

  virtual void on_connected(const ClientInfo& /*client*/) {}

  /// `graceful` is true after a DISCONNECT packet, false when the will was due.
  virtual void on_disconnected(const ClientInfo& /*client*/, bool /*graceful*/) {}

 private:
  HookEvents events_;
};

}  // namespace fabomatic::broker
