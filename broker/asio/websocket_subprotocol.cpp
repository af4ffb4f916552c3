#include "broker/asio/websocket_subprotocol.hpp"

#include "common/text.hpp"

namespace fabomatic::broker {

namespace {

bool offers(std::span<const std::string_view> lines, std::string_view name) {
  for (std::string_view line : lines) {
    while (!line.empty()) {
      const std::size_t comma = line.find(',');
      // Optional whitespace around list elements (RFC 7230 7, the "#rule").
      const std::string_view token = text::trim(line.substr(0, comma));
      line = comma == std::string_view::npos ? std::string_view() : line.substr(comma + 1);
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
