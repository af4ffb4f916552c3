// The appliance's configuration: the FabOMatic settings.toml, read as the old tool wrote it,
// plus our additive keys with safe defaults.
#pragma once

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace fabomatic::backend {

struct MqttSettings {
  std::string bind_address = "0.0.0.0";  // [MQTT] bind_address (ours): all interfaces
  std::uint16_t port = 1883;             // [MQTT] port: where the embedded broker listens
};

struct Settings {
  MqttSettings mqtt;
};

/// A settings file that cannot be used; what() names the key and what is wrong with it.
class SettingsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Reads a settings.toml file. Missing keys keep their defaults.
Settings load_settings(const std::filesystem::path& file);

}  // namespace fabomatic::backend
