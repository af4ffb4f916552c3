// Topic names and topic filters (MQTT 3.1.1 section 4.7).
#pragma once

#include <string_view>

namespace fabomatic::broker {

/// A topic name a client may publish to: not empty, no '+' or '#' (MQTT-3.3.2-2, MQTT-4.7.3-1).
/// UTF-8 validity is the codec's concern.
bool is_valid_topic_name(std::string_view topic);

/// A topic filter a client may subscribe to: not empty; '#' only alone as the last level
/// (MQTT-4.7.1-2); '+' only as a whole level (MQTT-4.7.1-3).
bool is_valid_topic_filter(std::string_view filter);

/// Whether `topic` (a valid name) matches `filter` (a valid filter). A topic starting with '$'
/// is not matched by a filter starting with a wildcard (MQTT-4.7.2-1).
bool topic_matches(std::string_view filter, std::string_view topic);

}  // namespace fabomatic::broker
