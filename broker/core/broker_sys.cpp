// $SYS/broker/... statistics, published retained every sys_interval with the topic names
// Mosquitto uses, so existing dashboards keep working.
#include "broker/core/broker.hpp"

namespace fabomatic::broker {

void Broker::publish_sys() {
  const auto uptime = std::chrono::duration_cast<std::chrono::seconds>(now_ - started_).count();
  const auto pub = [this](std::string_view topic, const std::string& value) {
    route(make_message(std::string(topic), value, 0, true));
  };
  const auto num = [](auto n) { return std::to_string(n); };
  pub("$SYS/broker/version", config_.version);
  pub("$SYS/broker/uptime", num(uptime) + " seconds");
  pub("$SYS/broker/clients/connected", num(connected_));
  pub("$SYS/broker/clients/active", num(connected_));
  pub("$SYS/broker/clients/total", num(sessions_->size()));
  pub("$SYS/broker/clients/disconnected", num(sessions_->size() - connected_));
  pub("$SYS/broker/messages/received", num(stats_.messages_received));
  pub("$SYS/broker/messages/sent", num(stats_.messages_sent));
  pub("$SYS/broker/publish/messages/received", num(stats_.messages_received));
  pub("$SYS/broker/publish/messages/sent", num(stats_.messages_sent));
  pub("$SYS/broker/publish/messages/dropped", num(stats_.messages_dropped));
  pub("$SYS/broker/bytes/received", num(stats_.bytes_received));
  pub("$SYS/broker/bytes/sent", num(stats_.bytes_sent));
  pub("$SYS/broker/subscriptions/count", num(subscriptions_.size()));
  pub("$SYS/broker/retained messages/count", num(retained_->size()));
}

}  // namespace fabomatic::broker
