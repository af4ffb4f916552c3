// Topic names and topic filters (MQTT 3.1.1 section 4.7): validation and the matching rule that
// the subscription tree and the retained store must agree with (their tests cross-check them
// against topic_matches()).
#include "broker/codec/topic.hpp"

#include <cstddef>

namespace fabomatic::broker {
namespace {

// A topic or filter is a UTF-8 encoded string, so no longer than 65535 bytes (MQTT-4.7.3-3).
constexpr std::size_t kMaxLength = 65535;

bool has_valid_length(std::string_view s) {
  return !s.empty() && s.size() <= kMaxLength;
}

}  // namespace

bool is_valid_topic_name(std::string_view topic) {
  if (!has_valid_length(topic)) return false;  // MQTT-4.7.3-1, MQTT-4.7.3-3
  for (char c : topic) {
    // Wildcards belong to filters only (MQTT-4.7.1-1, MQTT-3.3.2-2); U+0000 is never allowed in a
    // topic (MQTT-4.7.3-2). The codec rejects it too, but the rule is cheap to keep here as well.
    if (c == '+' || c == '#' || c == '\0') return false;
  }
  return true;
}

bool is_valid_topic_filter(std::string_view filter) {
  if (!has_valid_length(filter)) return false;  // MQTT-4.7.3-1, MQTT-4.7.3-3
  std::size_t level_start = 0;
  for (std::size_t i = 0; i < filter.size(); ++i) {
    const char c = filter[i];
    if (c == '/') {
      level_start = i + 1;
      continue;
    }
    if (c == '\0') return false;  // MQTT-4.7.3-2
    if (c != '+' && c != '#') continue;
    // A wildcard must be the whole level: preceded by the start or '/', followed by the end or
    // '/' (MQTT-4.7.1-3); '#' must moreover end the filter (MQTT-4.7.1-2).
    const bool alone_at_start = i == level_start;
    const bool at_end = i + 1 == filter.size();
    if (!alone_at_start) return false;
    if (c == '#' && !at_end) return false;
    if (c == '+' && !at_end && filter[i + 1] != '/') return false;
  }
  return true;
}

bool topic_matches(std::string_view filter, std::string_view topic) {
  if (filter.empty() || topic.empty()) return false;
  // MQTT-4.7.2-1: "#" and "+/..." do not see "$SYS/..." and other '$' topics.
  if (topic.front() == '$' && (filter.front() == '+' || filter.front() == '#')) return false;

  // Walk both strings level by level; f and t are the starts of the current levels.
  std::size_t f = 0;
  std::size_t t = 0;
  while (true) {
    const std::size_t f_end = filter.find('/', f);
    const std::string_view f_level =
        filter.substr(f, f_end == std::string_view::npos ? std::string_view::npos : f_end - f);
    if (f_level == "#") return true;  // the rest of the topic, whatever it is

    const std::size_t t_end = topic.find('/', t);
    const std::string_view t_level =
        topic.substr(t, t_end == std::string_view::npos ? std::string_view::npos : t_end - t);
    if (f_level != "+" && f_level != t_level) return false;

    const bool filter_done = f_end == std::string_view::npos;
    const bool topic_done = t_end == std::string_view::npos;
    if (topic_done) {
      // Either both end here, or the filter goes on with "/#" alone, which also matches its
      // parent level ("sport/#" matches "sport").
      return filter_done || filter.substr(f_end + 1) == "#";
    }
    if (filter_done) return false;  // the topic has more levels than the filter
    f = f_end + 1;
    t = t_end + 1;
  }
}

}  // namespace fabomatic::broker
