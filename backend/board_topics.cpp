#include "backend/board_topics.hpp"

namespace fabomatic::backend {

std::size_t board_payload_budget(std::string_view topic) noexcept {
  constexpr std::size_t kOverhead = 1 + 2 + 2;  // header byte, remaining length, topic length
  if (topic.size() + kOverhead >= kBoardPacketLimit) return 0;
  return kBoardPacketLimit - kOverhead - topic.size();
}

BoardTopics BoardTopics::from(const MqttSettings& mqtt) {
  return BoardTopics{mqtt.topic, mqtt.reply_subtopic, mqtt.request_subtopic};
}

std::string BoardTopics::query_filter() const {
  return prefix + "/+";
}

std::optional<std::string_view> BoardTopics::id_segment(std::string_view topic) const {
  if (topic.size() <= prefix.size() + 1 || !topic.starts_with(prefix) ||
      topic[prefix.size()] != '/') {
    return std::nullopt;
  }
  const std::string_view segment = topic.substr(prefix.size() + 1);
  if (segment.find('/') != std::string_view::npos) return std::nullopt;
  return segment;
}

std::string BoardTopics::reply_topic(std::string_view query_topic) const {
  std::string topic(query_topic);
  topic += '/';
  topic += reply_subtopic;
  return topic;
}

std::string BoardTopics::request_topic(std::int64_t machine_id) const {
  return prefix + "/" + std::to_string(machine_id) + "/" + request_subtopic;
}

std::string stats_topic(const MqttSettings& mqtt) {
  return mqtt.stats_topic + "/" + mqtt.client_id;
}

}  // namespace fabomatic::backend
