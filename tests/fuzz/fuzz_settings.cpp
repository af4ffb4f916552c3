// libFuzzer target: settings.toml as fabomatic reads it (the old tool's keys and ours). Any
// text is either Settings or a SettingsError naming the problems, nothing else.
#include <cstdint>
#include <string_view>

#include "backend/settings.hpp"

using namespace fabomatic::backend;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const Settings settings = parse_settings(text, "settings.toml", "/srv/lab");
    (void)settings.warnings.size();
  } catch (const SettingsError& error) {
    (void)error.errors().size();
  }
  (void)parse_log_level(text.substr(0, 16));
  return 0;
}
