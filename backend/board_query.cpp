#include "backend/board_query.hpp"

#include <charconv>
#include <limits>
#include <nlohmann/json.hpp>

#include "common/text.hpp"

namespace fabomatic::backend {

namespace {

using nlohmann::json;
constexpr auto kInt64Max = std::numeric_limits<std::int64_t>::max();
constexpr auto kInt64Min = std::numeric_limits<std::int64_t>::min();

std::string excerpt_in_quotes(std::string_view text) {
  return "\"" + text::printable_excerpt(text, 40) + "\"";
}

/// A JSON number as int64: fractions truncated toward zero, out-of-range values saturated.
std::int64_t to_int64(const json& number) {
  if (number.is_number_unsigned()) {
    const auto value = number.get<std::uint64_t>();
    return value > static_cast<std::uint64_t>(kInt64Max) ? kInt64Max
                                                         : static_cast<std::int64_t>(value);
  }
  if (number.is_number_integer()) return number.get<std::int64_t>();
  const double value = number.get<double>();  // finite: the parser refuses overflowing numbers
  if (value >= 9223372036854775808.0) return kInt64Max;
  if (value < -9223372036854775808.0) return kInt64Min;
  return static_cast<std::int64_t>(value);
}

/// Reads the fields of one query object; the first problem becomes the rejection reason.
class Fields {
 public:
  explicit Fields(const json& object) : object_(object) {}

  const std::optional<std::string>& problem() const { return problem_; }

  const json* get(const char* key) const {
    const auto it = object_.find(key);
    return it == object_.end() ? nullptr : &*it;
  }

  std::string string(const char* key, bool required) {
    const json* value = get(key);
    if (value == nullptr || (!required && value->is_null())) {
      if (required) fail(std::string("missing ") + key);
      return {};
    }
    if (!value->is_string()) {
      fail(std::string(key) + " must be a string, got " + value->type_name());
      return {};
    }
    return value->get<std::string>();
  }

  std::string uid() {
    std::string text = string("uid", true);
    if (problem_) return {};
    if (text.empty()) fail("uid is empty");
    if (text.size() > kMaxUidBytes) {
      fail("uid is longer than " + std::to_string(kMaxUidBytes) + " bytes");
    }
    for (const char c : text) {
      if (text::is_control(c)) {
        fail("uid contains a control character");
        break;
      }
    }
    return text::ascii_lowercase(text);
  }

  std::int64_t duration() {
    const json* value = get("duration");
    if (value == nullptr) {
      fail("missing duration");
      return 0;
    }
    if (!value->is_number()) {
      fail(std::string("duration must be a number, got ") + value->type_name());
      return 0;
    }
    return to_int64(*value);
  }

  bool replay() {
    const json* value = get("replay");
    if (value == nullptr || value->is_null()) return false;
    if (!value->is_boolean()) {
      fail(std::string("replay must be true or false, got ") + value->type_name());
      return false;
    }
    return value->get<bool>();
  }

  /// Free heap: lenient, it is only shown to the admin.
  std::int64_t heap() const {
    const json* value = get("heap");
    std::int64_t heap = 0;
    if (value == nullptr) return 0;
    if (value->is_number()) {
      heap = to_int64(*value);
    } else if (value->is_string()) {
      const auto& text = value->get_ref<const std::string&>();
      const char* end = text.data() + text.size();
      const auto [ptr, ec] = std::from_chars(text.data(), end, heap);
      if (ec != std::errc() || ptr != end) heap = 0;
    }
    return heap < 0 ? 0 : heap;
  }

 private:
  void fail(std::string reason) {
    if (!problem_) problem_ = std::move(reason);
  }

  const json& object_;
  std::optional<std::string> problem_;
};

// What a board says of itself is shown in the portal and the log as it is: a control character
// in it (an escape sequence, a line break) is replaced, not stored.
std::string board_info(std::string text) {
  std::string out(text::utf8_prefix(text, kMaxBoardInfoBytes));
  for (char& c : out) {
    if (text::is_control(c)) c = '?';
  }
  return out;
}

std::variant<BoardQuery, Rejection> query_from(const json& object) {
  const json* action_value = nullptr;
  if (const auto it = object.find("action"); it != object.end()) action_value = &*it;
  if (action_value == nullptr) return Rejection{"no action"};
  if (!action_value->is_string()) {
    return Rejection{std::string("action must be a string, got ") + action_value->type_name()};
  }
  const auto& action = action_value->get_ref<const std::string&>();
  Fields fields(object);
  BoardQuery query;
  if (action == "checkmachine") {
    query = CheckMachine{};
  } else if (action == "checkuser") {
    query = CheckUser{fields.uid()};
  } else if (action == "startuse") {
    auto uid = fields.uid();
    query = StartUse{std::move(uid), fields.replay()};
  } else if (action == "inuse") {
    auto uid = fields.uid();
    query = InUse{std::move(uid), fields.duration()};
  } else if (action == "stopuse") {
    auto uid = fields.uid();
    const auto duration = fields.duration();
    query = StopUse{std::move(uid), duration, fields.replay()};
  } else if (action == "maintenance") {
    auto uid = fields.uid();
    query = Maintenance{std::move(uid), fields.replay()};
  } else if (action == "alive") {
    Alive alive;
    alive.version = board_info(fields.string("version", true));
    alive.ip = board_info(fields.string("ip", true));
    alive.serial = board_info(fields.string("serial", false));
    alive.heap = fields.heap();
    query = std::move(alive);
  } else if (action == "synccache") {
    query = SyncCache{};
  } else {
    return Rejection{"unknown action " + excerpt_in_quotes(action)};
  }
  if (fields.problem()) return Rejection{action + ": " + *fields.problem()};
  return query;
}

}  // namespace

std::string_view action_name(const BoardQuery& query) noexcept {
  struct Name {
    std::string_view operator()(const CheckMachine&) const { return "checkmachine"; }
    std::string_view operator()(const CheckUser&) const { return "checkuser"; }
    std::string_view operator()(const StartUse&) const { return "startuse"; }
    std::string_view operator()(const InUse&) const { return "inuse"; }
    std::string_view operator()(const StopUse&) const { return "stopuse"; }
    std::string_view operator()(const Maintenance&) const { return "maintenance"; }
    std::string_view operator()(const Alive&) const { return "alive"; }
    std::string_view operator()(const SyncCache&) const { return "synccache"; }
  };
  return std::visit(Name{}, query);
}

std::variant<BoardQuery, Rejection> parse_query(std::string_view payload) {
  if (payload.empty()) return Rejection{"empty payload"};
  if (payload.size() > kMaxQueryPayload) {
    return Rejection{"payload of " + std::to_string(payload.size()) + " bytes, more than the " +
                     std::to_string(kMaxQueryPayload) + " a query may have"};
  }
  if (!text::is_valid_utf8(payload)) return Rejection{"payload is not valid UTF-8"};
  // A raw NUL is never valid JSON, but nlohmann's lexer takes it for the end of the input and
  // would accept "{...}\0anything".
  if (payload.find('\0') != std::string_view::npos) return Rejection{"payload contains a NUL byte"};
  json document;
  try {
    document = json::parse(payload);
  } catch (const json::exception& e) {
    // e.what() is "[json.exception.parse_error.101] parse error at line 1, column 3: ...";
    // keep the readable part, and only a printable excerpt of it (it quotes the input).
    std::string_view what = e.what();
    if (const auto bracket = what.find("] "); bracket != std::string_view::npos) {
      what.remove_prefix(bracket + 2);
    }
    return Rejection{"invalid JSON: " + text::printable_excerpt(what, 160)};
  }
  if (!document.is_object()) {
    return Rejection{std::string("payload is a JSON ") + document.type_name() + ", not an object"};
  }
  return query_from(document);
}

std::variant<std::int64_t, Rejection> parse_query_topic(const BoardTopics& topics,
                                                        std::string_view topic) {
  const auto segment = topics.id_segment(topic);
  if (!segment) {
    return Rejection{"topic " + excerpt_in_quotes(topic) + " is not " + topics.prefix +
                     "/<machine id>"};
  }
  std::int64_t id = 0;
  for (const char c : *segment) {
    if (c < '0' || c > '9') {
      return Rejection{"machine id " + excerpt_in_quotes(*segment) + " is not a decimal number"};
    }
    if (id > (kInt64Max - (c - '0')) / 10) {
      return Rejection{"machine id " + excerpt_in_quotes(*segment) + " is out of range"};
    }
    id = id * 10 + (c - '0');
  }
  if (board_payload_budget(topics.reply_topic(topic)) < kMinReplyBudget) {
    return Rejection{"topic " + excerpt_in_quotes(topic) +
                     " is too long for a reply to fit the board's 300-byte buffer"};
  }
  return id;
}

std::variant<BoardMessage, Rejection> parse_board_message(const BoardTopics& topics,
                                                          std::string_view topic,
                                                          std::string_view payload) {
  auto id = parse_query_topic(topics, topic);
  if (auto* rejection = std::get_if<Rejection>(&id)) return std::move(*rejection);
  auto query = parse_query(payload);
  if (auto* rejection = std::get_if<Rejection>(&query)) return std::move(*rejection);
  BoardMessage message;
  message.machine_id = std::get<std::int64_t>(id);
  message.reply_topic = topics.reply_topic(topic);
  message.reply_budget = board_payload_budget(message.reply_topic);
  message.query = std::move(std::get<BoardQuery>(query));
  return message;
}

}  // namespace fabomatic::backend
