#include "backend/board_reply.hpp"

#include <cstdio>

#include "backend/json_text.hpp"
#include "common/text.hpp"

namespace fabomatic::backend {

namespace {

std::string_view boolean(bool value) {
  return value ? "true" : "false";
}

/// Room left for texts once the fixed parts (including each text's two quotes) are counted.
std::size_t room_for_texts(std::size_t budget, std::size_t fixed) {
  return budget > fixed ? budget - fixed : 0;
}

/// Appends a JSON string of `text` cut to `room` escaped bytes; returns the bytes it used
/// between the quotes.
std::size_t append_text(std::string& out, std::string_view text, std::size_t room) {
  const std::size_t before = out.size();
  append_json_string(out, text, room);
  return out.size() - before - 2;
}

/// Appends the code point as Python's json.dumps(ensure_ascii=True) writes it.
void append_python_escaped(std::string& out, std::uint32_t code) {
  char buffer[16];
  switch (code) {
    case '"':
      out += "\\\"";
      return;
    case '\\':
      out += "\\\\";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    case '\t':
      out += "\\t";
      return;
    case '\b':
      out += "\\b";
      return;
    case '\f':
      out += "\\f";
      return;
    default:
      break;
  }
  if (code >= 0x20 && code < 0x7F) {
    out += static_cast<char>(code);
  } else if (code < 0x10000) {
    std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(code));
    out += buffer;
  } else {
    const std::uint32_t v = code - 0x10000;
    std::snprintf(buffer, sizeof buffer, "\\u%04x\\u%04x",
                  static_cast<unsigned>(0xD800 + (v >> 10)),
                  static_cast<unsigned>(0xDC00 + (v & 0x3FF)));
    out += buffer;
  }
}

/// A JSON string as Python's json.dumps writes it by default (ASCII only).
void append_python_string(std::string& out, std::string_view raw) {
  const std::string text = text::sanitize_utf8(raw);
  out += '"';
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t length = text::utf8_sequence_length(text, pos);  // valid after sanitize
    const auto lead = static_cast<unsigned char>(text[pos]);
    std::uint32_t code = length == 1   ? lead
                         : length == 2 ? lead & 0x1Fu
                         : length == 3 ? lead & 0x0Fu
                                       : lead & 0x07u;
    for (std::size_t i = 1; i < length; ++i) {
      code = (code << 6) | (static_cast<unsigned char>(text[pos + i]) & 0x3Fu);
    }
    append_python_escaped(out, code);
    pos += length;
  }
  out += '"';
}

}  // namespace

std::string format_reply(const CheckUserReply& reply, std::size_t budget) {
  std::string head = "{\"request_ok\":";
  head += boolean(reply.request_ok);
  head += ",\"is_valid\":";
  head += boolean(reply.is_valid);
  head += ",\"name\":";
  std::string tail = ",\"missing_auth\":";
  tail += boolean(reply.missing_auth);
  tail += ",\"level\":" + std::to_string(reply.level) + "}";

  std::string out = std::move(head);
  append_text(out, reply.name, room_for_texts(budget, out.size() + 2 + tail.size()));
  out += tail;
  return out;
}

std::string format_reply(const CheckMachineReply& reply, std::size_t budget) {
  std::string head = "{\"request_ok\":";
  head += boolean(reply.request_ok);
  head += ",\"is_valid\":";
  head += boolean(reply.is_valid);
  head += ",\"maintenance\":";
  head += boolean(reply.maintenance);
  head += ",\"allowed\":";
  head += boolean(reply.allowed);
  head += ",\"name\":";
  const std::string middle = ",\"logoff\":" + std::to_string(reply.logoff) +
                             ",\"type\":" + std::to_string(reply.type) +
                             ",\"grace\":" + std::to_string(reply.grace) + ",\"description\":";
  const std::string tail = "}";

  const std::size_t room =
      room_for_texts(budget, head.size() + 2 + middle.size() + 2 + tail.size());
  const std::size_t name_needs = json_escaped_size(reply.name);
  const std::size_t description_needs = json_escaped_size(reply.description);
  const std::size_t half = room / 2;
  std::size_t name_room = half;
  if (name_needs + description_needs <= room || name_needs <= half) {
    name_room = name_needs;
  } else if (description_needs <= room - half) {
    name_room = room - description_needs;
  }

  std::string out = std::move(head);
  const std::size_t name_used = append_text(out, reply.name, name_room);
  out += middle;
  append_text(out, reply.description, room - name_used);
  out += tail;
  return out;
}

std::string format_reply(const SimpleReply& reply, std::size_t budget) {
  std::string out = "{\"request_ok\":";
  out += boolean(reply.request_ok);
  out += ",\"message\":";
  append_text(out, reply.message, room_for_texts(budget, out.size() + 2 + 1));
  out += '}';
  return out;
}

std::string format_reply(const SyncCacheReply& reply, std::size_t budget, std::size_t* cards_sent) {
  std::string out = "{\"request_ok\":";
  out += boolean(reply.request_ok);
  out += ",\"cards\":[";
  constexpr std::size_t kClosing = 2;  // "]}"
  std::size_t sent = 0;
  std::string card;
  for (const CacheCard& entry : reply.cards) {
    card.clear();
    if (sent > 0) card += ',';
    card += "{\"uid\":";
    append_json_string(card, entry.uid);
    card += ",\"level\":" + std::to_string(entry.level) + "}";
    if (out.size() + card.size() + kClosing > budget) break;
    out += card;
    ++sent;
  }
  out += "]}";
  if (cards_sent != nullptr) *cards_sent = sent;
  return out;
}

SimpleReply unknown_machine_reply() {
  return SimpleReply{false, "Invalid machine ID"};
}

SimpleReply stop_use_reply(std::int64_t duration_s) {
  return SimpleReply{true, "Duration " + std::to_string(duration_s) + " seconds"};
}

std::optional<std::string> format_remote_request(RemoteRequest type, std::string_view uid,
                                                 std::size_t budget) {
  std::string out = "{\"request_type\":";
  out += type == RemoteRequest::start ? "\"start\"" : "\"stop\"";
  out += ",\"uid\":";
  append_json_string(out, uid);
  out += '}';
  if (out.size() > budget) return std::nullopt;
  return out;
}

std::string format_stats(const BackendStats& stats) {
  std::string out = "{\"Connected\": ";
  out += boolean(stats.connected);
  out += ", \"Backend host\": ";
  append_python_string(out, stats.host);
  out += ", \"Backend IP\": ";
  append_python_string(out, stats.ip);
  out += ", \"Received\": " + std::to_string(stats.received);
  out += ", \"Sent\": " + std::to_string(stats.sent) + "}";
  return out;
}

}  // namespace fabomatic::backend
