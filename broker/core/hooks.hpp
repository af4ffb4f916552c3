// How an embedding program plugs into the broker without the broker knowing it: one interface
// with do-nothing defaults, in the shape Mochi-MQTT and Aedes use. Each hook object declares
// the events it handles; the broker keeps one list per event and calls only those, so a hook
// that checks CONNECT alone costs the publish path nothing.
#pragma once

#include <cstddef>
#include <cstdint>
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
  std::uint8_t protocol_level = 4;  // 4 = MQTT 3.1.1, 3 = MQTT 3.1
};

struct Credentials {
  std::optional<std::string_view> username;
  std::optional<std::string_view> password;  // binary
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

  /// Decides a CONNECT. Return accepted, bad_username_or_password or not_authorized.
  virtual ConnectReturnCode authenticate(const ClientInfo& /*client*/,
                                         const Credentials& /*credentials*/) {
    return ConnectReturnCode::accepted;
  }

  /// Whether the client may publish to `topic`. A refused QoS 0 message is dropped; a refused
  /// QoS 1/2 message is acknowledged and dropped, as MQTT 3.1.1 offers no negative ack.
  virtual bool authorize_publish(const ClientInfo& /*client*/, std::string_view /*topic*/) {
    return true;
  }

  /// Whether the client may subscribe to `filter`; a refusal is answered with SUBACK 0x80.
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
