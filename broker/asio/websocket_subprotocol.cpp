#include "broker/asio/websocket_subprotocol.hpp"

namespace fabomatic::broker {

namespace {

bool offers(std::span<const std::string_view> lines, std::string_view name) {
  for (std::string_view line : lines) {
    while (!line.empty()) {
      const std::size_t comma = line.find(',');
      std::string_view token = line.substr(0, comma);
      line = comma == std::string_view::npos ? std::string_view() : line.substr(comma + 1);
      // Optional whitespace around list elements (RFC 7230 7, the "#rule").
      while (!token.empty() && (token.front() == ' ' || token.front() == '\t'))
        token.remove_prefix(1);
      while (!token.empty() && (token.back() == ' ' || token.back() == '\t'))
        token.remove_suffix(1);
      if (token == name) return true;
    }
  }
  return false;
}

}  // namespace

std::string_view choose_websocket_subprotocol(std::span<const std::string_view> offered_lines) {
  for (const std::string_view name : {std::string_view("mqtt"), std::string_view("mqttv3.1")}) {
    if (offers(offered_lines, name)) return name;
  }
  return {};
}

}  // namespace fabomatic::broker
