#include "tools/board-sim/payloads.hpp"

#include <cstdio>
#include <nlohmann/json.hpp>

namespace fabomatic::board_sim {

namespace {

constexpr std::array<std::string_view, kActionCount> kActionNames = {
    "checkmachine", "checkuser",   "startuse", "inuse",
    "stopuse",      "maintenance", "alive",    "synccache"};

// The firmware builds its payloads by string concatenation; card ids are plain lowercase hex, so
// no escaping is needed for what it sends. A uid given on the command line is copied as is, on
// purpose: the query mode is also used to send odd input.
std::string with_uid(std::string_view head, std::string_view uid, std::string_view tail) {
  std::string out;
  out.reserve(head.size() + uid.size() + tail.size() + 2);
  out.append(head).append(uid).append(tail);
  return out;
}

}  // namespace

std::string_view to_string(Action action) {
  return kActionNames[static_cast<std::size_t>(action)];
}

std::optional<Action> parse_action(std::string_view name) {
  for (std::size_t i = 0; i < kActionCount; ++i)
    if (kActionNames[i] == name) return static_cast<Action>(i);
  return std::nullopt;
}

bool is_buffered(Action action) {
  return action == Action::startuse || action == Action::stopuse || action == Action::maintenance;
}

bool expects_reply(Action action) {
  return action != Action::alive;
}

BoardIdentity identity_for(int machine_id) {
  BoardIdentity id;
  const unsigned n = static_cast<unsigned>(machine_id);
  id.ip = "192.168." + std::to_string(1 + (n / 250) % 250) + "." + std::to_string(2 + n % 250);
  char serial[16];
  std::snprintf(serial, sizeof serial, "a1b2c3%06x", n & 0xFFFFFFu);
  id.serial = serial;
  id.heap = std::to_string(180000 + (n * 7919u) % 20000u);
  return id;
}

std::string checkmachine_payload() {
  return R"({"action":"checkmachine"})";
}

std::string checkuser_payload(std::string_view uid) {
  return with_uid(R"({"action":"checkuser","uid":")", uid, R"("})");
}

std::string startuse_payload(std::string_view uid) {
  return with_uid(R"({"action":"startuse", "uid":")", uid, R"("})");
}

std::string inuse_payload(std::string_view uid, std::int64_t duration_s) {
  return with_uid(R"({"action":"inuse", "uid":")", uid,
                  R"(","duration":)" + std::to_string(duration_s) + "}");
}

std::string stopuse_payload(std::string_view uid, std::int64_t duration_s) {
  return with_uid(R"({"action":"stopuse", "uid":")", uid,
                  R"(","duration":)" + std::to_string(duration_s) + "}");
}

std::string maintenance_payload(std::string_view uid) {
  return with_uid(R"({"action":"maintenance", "uid":")", uid, R"("})");
}

std::string alive_payload(const BoardIdentity& identity) {
  std::string out = R"({"action":"alive","version":")";
  out.append(identity.version)
      .append(R"(","ip":")")
      .append(identity.ip)
      .append(R"(","serial":")")
      .append(identity.serial)
      .append(R"(","heap":")")
      .append(identity.heap)
      .append(R"("})");
  return out;
}

std::string synccache_payload() {
  return R"({"action":"synccache"})";
}

std::string payload_for(Action action, std::string_view uid, std::int64_t duration_s,
                        const BoardIdentity& identity) {
  switch (action) {
    case Action::checkmachine:
      return checkmachine_payload();
    case Action::checkuser:
      return checkuser_payload(uid);
    case Action::startuse:
      return startuse_payload(uid);
    case Action::inuse:
      return inuse_payload(uid, duration_s);
    case Action::stopuse:
      return stopuse_payload(uid, duration_s);
    case Action::maintenance:
      return maintenance_payload(uid);
    case Action::alive:
      return alive_payload(identity);
    case Action::synccache:
      return synccache_payload();
  }
  return {};
}

std::string as_replay(std::string_view payload) {
  const auto brace = payload.rfind('}');
  if (brace == std::string_view::npos) return std::string(payload);
  std::string out(payload.substr(0, brace));
  out.append(R"(, "replay":true)").append(payload.substr(brace));
  return out;
}

std::string query_topic(std::string_view prefix, int machine_id) {
  std::string topic(prefix);
  topic += '/';
  topic += std::to_string(machine_id);
  return topic;
}

std::optional<RemoteRequest> parse_request(std::string_view payload) {
  const auto json = nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return std::nullopt;
  const auto type = json.find("request_type");
  if (type == json.end() || !type->is_string()) return std::nullopt;
  RemoteRequest request;
  if (*type == "start")
    request.type = RemoteRequest::Type::start;
  else if (*type == "stop")
    request.type = RemoteRequest::Type::stop;
  else
    return std::nullopt;
  if (const auto uid = json.find("uid"); uid != json.end() && uid->is_string())
    request.uid = uid->get<std::string>();
  if (request.type == RemoteRequest::Type::start && request.uid.empty()) return std::nullopt;
  return request;
}

std::optional<ReplyFields> parse_reply(std::string_view payload) {
  const auto json = nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return std::nullopt;
  ReplyFields fields;
  const auto read_bool = [&](const char* key, bool& out) {
    if (const auto it = json.find(key); it != json.end() && it->is_boolean()) out = it->get<bool>();
  };
  read_bool("request_ok", fields.request_ok);
  read_bool("is_valid", fields.is_valid);
  read_bool("allowed", fields.allowed);
  read_bool("maintenance", fields.maintenance);
  if (const auto it = json.find("level"); it != json.end() && it->is_number_integer())
    fields.level = it->get<int>();
  return fields;
}

}  // namespace fabomatic::board_sim
