// The settings editor's store: the settings file read and changed through backend's editor
// (settings_editor.hpp), the running settings updated for the keys that apply at once, and
// `applied` called so that those who copied them (the mailer, the log level, the schedules)
// take them.
#pragma once

#include <functional>

#include "backend/settings.hpp"
#include "web/api/operations.hpp"

namespace fabomatic::app {

class SettingsFile final : public web::api::SettingsStore {
 public:
  /// `running`: the settings in effect (read at start from running.source).
  SettingsFile(backend::Settings& running, std::function<void()> applied);

  web::api::SettingsView view() override;
  web::api::SettingsOutcome change(const std::map<std::string, web::api::Json>& values) override;

 private:
  backend::Settings& running_;
  std::function<void()> applied_;
};

}  // namespace fabomatic::app
