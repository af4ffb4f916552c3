// The broker hooks of the appliance: MQTT accounts from [MQTT.users] (none: everyone is
// accepted, like the old Mosquitto set-up the boards were configured for).
#pragma once

#include "backend/settings.hpp"
#include "broker/core/hooks.hpp"

namespace fabomatic::backend {

class MqttAuth final : public broker::BrokerHooks {
 public:
  explicit MqttAuth(const MqttSettings& settings)
      : BrokerHooks(static_cast<broker::HookEvents>(broker::HookEvent::authenticate)),
        settings_(settings) {}

  broker::AuthResult authenticate(const broker::ClientInfo& client,
                                  const broker::Credentials& credentials) override;

  /// Whether any check is configured at all (no hook is installed otherwise).
  bool active() const { return !settings_.users.empty() || !settings_.allow_anonymous; }

 private:
  const MqttSettings& settings_;
};

}  // namespace fabomatic::backend
