#include "web/log_sink.hpp"

#include <cstdio>

namespace fabomatic::web {

void log_to_stderr(LogLevel level, std::string_view message) {
  static constexpr const char* kNames[] = {"DEBUG", "INFO ", "WARN ", "ERROR"};
  std::fprintf(stderr, "%s web: %.*s\n", kNames[static_cast<int>(level)],
               static_cast<int>(message.size()), message.data());
}

}  // namespace fabomatic::web
