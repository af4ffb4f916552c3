#include "backend/settings.hpp"

#include <toml++/toml.h>

namespace fabomatic::backend {

Settings load_settings(const std::filesystem::path& file) {
  toml::table table;
  try {
    table = toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    throw SettingsError(file.string() + ": " + std::string(e.description()));
  }
  Settings settings;
  if (const auto* mqtt = table["MQTT"].as_table()) {
    if (const auto port = (*mqtt)["port"]; port) {
      const auto value = port.value<std::int64_t>();
      if (!value || *value < 1 || *value > 65535) {
        throw SettingsError(file.string() + ": [MQTT] port must be a number from 1 to 65535");
      }
      settings.mqtt.port = static_cast<std::uint16_t>(*value);
    }
    if (const auto bind = (*mqtt)["bind_address"]; bind) {
      const auto value = bind.value<std::string>();
      if (!value) throw SettingsError(file.string() + ": [MQTT] bind_address must be a string");
      settings.mqtt.bind_address = *value;
    }
  }
  return settings;
}

}  // namespace fabomatic::backend
