// How web/ reports what happens. web/ does not depend on backend/ (where the logger lives); the
// composition root passes a function that forwards to fabomatic::log.
#pragma once

#include <functional>
#include <string_view>

namespace fabomatic::web {

enum class LogLevel { debug, info, warning, error };

using LogFunction = std::function<void(LogLevel, std::string_view message)>;

/// Writes "web: <message>" to stderr; the default when no function is configured.
void log_to_stderr(LogLevel level, std::string_view message);

}  // namespace fabomatic::web
