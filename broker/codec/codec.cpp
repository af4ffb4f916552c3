#include "broker/codec/codec.hpp"

#include "common/text.hpp"

namespace fabomatic::broker {

std::string_view to_string(PacketType type) {
  switch (type) {
    case PacketType::connect:
      return "CONNECT";
    case PacketType::connack:
      return "CONNACK";
    case PacketType::publish:
      return "PUBLISH";
    case PacketType::puback:
      return "PUBACK";
    case PacketType::pubrec:
      return "PUBREC";
    case PacketType::pubrel:
      return "PUBREL";
    case PacketType::pubcomp:
      return "PUBCOMP";
    case PacketType::subscribe:
      return "SUBSCRIBE";
    case PacketType::suback:
      return "SUBACK";
    case PacketType::unsubscribe:
      return "UNSUBSCRIBE";
    case PacketType::unsuback:
      return "UNSUBACK";
    case PacketType::pingreq:
      return "PINGREQ";
    case PacketType::pingresp:
      return "PINGRESP";
    case PacketType::disconnect:
      return "DISCONNECT";
  }
  return "RESERVED";
}

PacketType type_of(const Packet& packet) {
  struct Visitor {
    PacketType operator()(const ConnectPacket&) const { return PacketType::connect; }
    PacketType operator()(const ConnackPacket&) const { return PacketType::connack; }
    PacketType operator()(const PublishPacket&) const { return PacketType::publish; }
    PacketType operator()(const AckPacket& p) const { return p.type; }
    PacketType operator()(const SubscribePacket&) const { return PacketType::subscribe; }
    PacketType operator()(const SubackPacket&) const { return PacketType::suback; }
    PacketType operator()(const UnsubscribePacket&) const { return PacketType::unsubscribe; }
    PacketType operator()(const EmptyPacket& p) const { return p.type; }
  };
  return std::visit(Visitor{}, packet);
}

std::string_view to_string(DecodeError error) {
  switch (error) {
    case DecodeError::none:
      return "no error";
    case DecodeError::malformed_remaining_length:
      return "malformed remaining length";
    case DecodeError::packet_too_large:
      return "packet too large";
    case DecodeError::reserved_packet_type:
      return "reserved packet type";
    case DecodeError::invalid_header_flags:
      return "invalid fixed header flags";
    case DecodeError::truncated:
      return "packet truncated";
    case DecodeError::trailing_bytes:
      return "unexpected bytes after the packet's fields";
    case DecodeError::invalid_utf8:
      return "invalid UTF-8 string";
    case DecodeError::utf8_null_char:
      return "UTF-8 string contains U+0000";
    case DecodeError::zero_packet_id:
      return "packet identifier 0";
    case DecodeError::unknown_protocol_name:
      return "unknown protocol name";
    case DecodeError::unsupported_protocol_level:
      return "unsupported protocol level";
    case DecodeError::connect_reserved_flag:
      return "reserved connect flag set";
    case DecodeError::will_flags_without_will:
      return "will QoS/retain set without will flag";
    case DecodeError::invalid_will_qos:
      return "invalid will QoS";
    case DecodeError::password_without_username:
      return "password flag without username flag";
    case DecodeError::invalid_qos:
      return "invalid QoS";
    case DecodeError::dup_on_qos0:
      return "DUP flag on a QoS 0 PUBLISH";
    case DecodeError::invalid_topic_name:
      return "invalid topic name";
    case DecodeError::no_topic_filters:
      return "no topic filter";
    case DecodeError::invalid_requested_qos:
      return "invalid requested QoS";
    case DecodeError::invalid_suback_code:
      return "invalid SUBACK return code";
    case DecodeError::invalid_connack:
      return "invalid CONNACK";
  }
  return "unknown error";
}

std::optional<ConnectReturnCode> connack_code_for(DecodeError error) {
  if (error == DecodeError::unsupported_protocol_level) {
    return ConnectReturnCode::unacceptable_protocol_version;
  }
  return std::nullopt;
}

namespace {

// Flags each packet type must carry in the low nibble of its first byte (MQTT 2.2.2).
// PUBLISH is checked separately: its flags carry DUP, QoS and RETAIN.
constexpr std::uint8_t kRequiredFlags[16] = {
    0, 0, 0, 0, 0, 0, /*PUBREL*/ 2, 0, /*SUBSCRIBE*/ 2, 0, /*UNSUBSCRIBE*/ 2, 0, 0, 0, 0, 0};

// Reads fields from a packet body, remembering the first error met.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}

  bool failed() const { return error_ != DecodeError::none; }
  DecodeError error() const { return error_; }
  bool at_end() const { return pos_ == data_.size(); }
  std::size_t remaining() const { return data_.size() - pos_; }

  void fail(DecodeError error) {
    if (error_ == DecodeError::none) error_ = error;
  }

  std::uint8_t u8() {
    if (failed() || remaining() < 1) return fail(DecodeError::truncated), 0;
    return static_cast<std::uint8_t>(data_[pos_++]);
  }

  std::uint16_t u16() {
    if (failed() || remaining() < 2) return fail(DecodeError::truncated), 0;
    const auto hi = static_cast<std::uint8_t>(data_[pos_]);
    const auto lo = static_cast<std::uint8_t>(data_[pos_ + 1]);
    pos_ += 2;
    return static_cast<std::uint16_t>((hi << 8) | lo);
  }

  std::uint16_t packet_id() {
    const auto id = u16();
    if (!failed() && id == 0) fail(DecodeError::zero_packet_id);
    return id;
  }

  // A two-byte length followed by that many bytes.
  std::string_view binary() {
    const auto length = u16();
    if (failed() || remaining() < length) return fail(DecodeError::truncated), std::string_view{};
    auto out = data_.substr(pos_, length);
    pos_ += length;
    return out;
  }

  std::string_view utf8() {
    auto text = binary();
    if (failed()) return text;
    switch (text::check_utf8(text)) {
      case text::Utf8Status::valid:
        break;
      case text::Utf8Status::invalid:
        fail(DecodeError::invalid_utf8);
        break;
      case text::Utf8Status::null_char:
        fail(DecodeError::utf8_null_char);
        break;
    }
    return text;
  }

  std::string_view rest() {
    auto out = data_.substr(pos_);
    pos_ = data_.size();
    return out;
  }

  void expect_end() {
    if (!failed() && !at_end()) fail(DecodeError::trailing_bytes);
  }

 private:
  std::string_view data_;
  std::size_t pos_ = 0;
  DecodeError error_ = DecodeError::none;
};

bool has_wildcard(std::string_view topic) {
  return topic.find_first_of("+#") != std::string_view::npos;
}

ConnectPacket decode_connect(Reader& in) {
  ConnectPacket p;
  p.protocol_name = in.binary();
  if (in.failed()) return p;
  const bool mqtt311 = p.protocol_name == "MQTT";
  const bool mqtt31 = p.protocol_name == "MQIsdp";
  if (!mqtt311 && !mqtt31) {
    in.fail(DecodeError::unknown_protocol_name);
    return p;
  }
  p.protocol_level = in.u8();
  if (in.failed()) return p;
  if ((mqtt311 && p.protocol_level != 4) || (mqtt31 && p.protocol_level != 3)) {
    // The rest of the packet may follow another specification (e.g. MQTT 5 properties):
    // stop here, the caller answers CONNACK 0x01.
    in.fail(DecodeError::unsupported_protocol_level);
    return p;
  }
  const std::uint8_t flags = in.u8();
  p.keep_alive = in.u16();
  if (in.failed()) return p;
  if (flags & 0x01) in.fail(DecodeError::connect_reserved_flag);
  p.clean_session = flags & 0x02;
  p.has_will = flags & 0x04;
  p.will.qos = (flags >> 3) & 0x03;
  p.will.retain = flags & 0x20;
  p.has_password = flags & 0x40;
  p.has_username = flags & 0x80;
  if (!p.has_will && (p.will.qos != 0 || p.will.retain)) {
    in.fail(DecodeError::will_flags_without_will);
  }
  if (p.will.qos == 3) in.fail(DecodeError::invalid_will_qos);
  // MQTT 3.1 allowed a password without a user name in practice; 3.1.1 forbids it.
  if (mqtt311 && p.has_password && !p.has_username) {
    in.fail(DecodeError::password_without_username);
  }
  p.client_id = in.utf8();
  if (p.has_will) {
    p.will.topic = in.utf8();
    p.will.message = in.binary();
    if (!in.failed() && (p.will.topic.empty() || has_wildcard(p.will.topic))) {
      in.fail(DecodeError::invalid_topic_name);
    }
  }
  if (p.has_username) p.username = in.utf8();
  if (p.has_password) p.password = in.binary();
  in.expect_end();
  return p;
}

ConnackPacket decode_connack(Reader& in) {
  ConnackPacket p;
  const auto ack_flags = in.u8();
  const auto code = in.u8();
  in.expect_end();
  if (in.failed()) return p;
  // Reserved acknowledge flags (section 3.2.2.1), reserved return codes (6..255), and session
  // present on a refused connection (MQTT-3.2.2-4).
  if ((ack_flags & 0xFE) != 0 || code > 5 || (code != 0 && (ack_flags & 0x01) != 0)) {
    in.fail(DecodeError::invalid_connack);
  }
  p.session_present = ack_flags & 0x01;
  p.return_code = static_cast<ConnectReturnCode>(code);
  return p;
}

PublishPacket decode_publish(std::uint8_t flags, Reader& in) {
  PublishPacket p;
  p.dup = flags & 0x08;
  p.qos = (flags >> 1) & 0x03;
  p.retain = flags & 0x01;
  if (p.qos == 3) {
    in.fail(DecodeError::invalid_qos);
    return p;
  }
  if (p.qos == 0 && p.dup) in.fail(DecodeError::dup_on_qos0);
  p.topic = in.utf8();
  if (!in.failed() && (p.topic.empty() || has_wildcard(p.topic))) {
    in.fail(DecodeError::invalid_topic_name);
  }
  if (p.qos > 0) p.packet_id = in.packet_id();
  p.payload = in.rest();
  return p;
}

SubscribePacket decode_subscribe(Reader& in) {
  SubscribePacket p;
  p.packet_id = in.packet_id();
  while (!in.failed() && !in.at_end()) {
    TopicRequest request;
    request.filter = in.utf8();
    const auto qos = in.u8();
    if (in.failed()) break;
    if (qos > 2) in.fail(DecodeError::invalid_requested_qos);
    request.qos = qos;
    p.topics.push_back(request);
  }
  if (!in.failed() && p.topics.empty()) in.fail(DecodeError::no_topic_filters);
  return p;
}

SubackPacket decode_suback(Reader& in) {
  SubackPacket p;
  p.packet_id = in.packet_id();
  while (!in.failed() && !in.at_end()) {
    const auto code = in.u8();
    if (code > 2 && code != kSubackFailure) in.fail(DecodeError::invalid_suback_code);
    p.return_codes.push_back(code);
  }
  return p;
}

UnsubscribePacket decode_unsubscribe(Reader& in) {
  UnsubscribePacket p;
  p.packet_id = in.packet_id();
  while (!in.failed() && !in.at_end()) {
    const auto filter = in.utf8();
    if (in.failed()) break;
    p.filters.push_back(filter);
  }
  if (!in.failed() && p.filters.empty()) in.fail(DecodeError::no_topic_filters);
  return p;
}

// --- encoding helpers ---

void put_u16(std::string& out, std::uint16_t value) {
  out.push_back(static_cast<char>(value >> 8));
  out.push_back(static_cast<char>(value & 0xFF));
}

void put_binary(std::string& out, std::string_view data) {
  put_u16(out, static_cast<std::uint16_t>(data.size()));
  out.append(data);
}

std::size_t varint_size(std::size_t value) {
  return value < 128 ? 1 : value < 16384 ? 2 : value < 2097152 ? 3 : 4;
}

void put_header(std::string& out, std::uint8_t first_byte, std::size_t remaining_length) {
  out.push_back(static_cast<char>(first_byte));
  do {
    auto byte = static_cast<std::uint8_t>(remaining_length % 128);
    remaining_length /= 128;
    if (remaining_length > 0) byte |= 0x80;
    out.push_back(static_cast<char>(byte));
  } while (remaining_length > 0);
}

std::uint8_t first_byte(PacketType type, std::uint8_t flags = 0) {
  return static_cast<std::uint8_t>((static_cast<std::uint8_t>(type) << 4) | flags);
}

}  // namespace

FrameResult next_frame(std::string_view data, std::size_t max_packet_size) {
  FrameResult result;
  if (data.empty()) return result;
  const auto first = static_cast<std::uint8_t>(data[0]);
  const auto type = first >> 4;
  if (type == 0 || type == 15) {
    result.status = FrameResult::Status::error;
    result.error = DecodeError::reserved_packet_type;
    return result;
  }
  if (type != static_cast<int>(PacketType::publish) && (first & 0x0F) != kRequiredFlags[type]) {
    result.status = FrameResult::Status::error;
    result.error = DecodeError::invalid_header_flags;
    return result;
  }
  std::uint32_t length = 0;
  std::uint32_t multiplier = 1;
  std::size_t i = 1;
  for (;; ++i) {
    if (i > 4) {
      result.status = FrameResult::Status::error;
      result.error = DecodeError::malformed_remaining_length;
      return result;
    }
    if (i >= data.size()) return result;  // incomplete header
    const auto byte = static_cast<std::uint8_t>(data[i]);
    length += (byte & 0x7F) * multiplier;
    multiplier *= 128;
    if ((byte & 0x80) == 0) break;
  }
  result.header.first_byte = first;
  result.header.remaining_length = length;
  result.header.header_size = static_cast<std::uint8_t>(i + 1);
  result.header_known = true;
  if (result.header.frame_size() > max_packet_size) {
    result.status = FrameResult::Status::error;
    result.error = DecodeError::packet_too_large;
    return result;
  }
  result.status = data.size() >= result.header.frame_size() ? FrameResult::Status::complete
                                                            : FrameResult::Status::incomplete;
  return result;
}

DecodeResult decode(const FixedHeader& header, std::string_view frame) {
  DecodeResult result;
  // A frame shorter than its header announces would make substr() throw, or hand PUBLISH a
  // silently shortened payload.
  if (frame.size() < header.frame_size()) {
    result.error = DecodeError::truncated;
    return result;
  }
  Reader in(frame.substr(header.header_size, header.remaining_length));
  switch (header.type()) {
    case PacketType::connect:
      result.packet = decode_connect(in);
      break;
    case PacketType::connack:
      result.packet = decode_connack(in);
      break;
    case PacketType::publish:
      result.packet = decode_publish(header.flags(), in);
      break;
    case PacketType::puback:
    case PacketType::pubrec:
    case PacketType::pubrel:
    case PacketType::pubcomp:
    case PacketType::unsuback: {
      AckPacket ack{header.type(), in.packet_id()};
      in.expect_end();
      result.packet = ack;
      break;
    }
    case PacketType::subscribe:
      result.packet = decode_subscribe(in);
      break;
    case PacketType::suback:
      result.packet = decode_suback(in);
      break;
    case PacketType::unsubscribe:
      result.packet = decode_unsubscribe(in);
      break;
    case PacketType::pingreq:
    case PacketType::pingresp:
    case PacketType::disconnect:
      in.expect_end();
      result.packet = EmptyPacket{header.type()};
      break;
    default:
      in.fail(DecodeError::reserved_packet_type);
      break;
  }
  result.error = in.error();
  return result;
}

DecodeResult decode_one(std::string_view frame, std::size_t max_packet_size) {
  const auto f = next_frame(frame, max_packet_size);
  DecodeResult result;
  if (f.status == FrameResult::Status::error) {
    result.error = f.error;
  } else if (f.status == FrameResult::Status::incomplete) {
    result.error = DecodeError::truncated;
  } else if (f.header.frame_size() != frame.size()) {
    result.error = DecodeError::trailing_bytes;
  } else {
    result = decode(f.header, frame);
  }
  return result;
}

void encode(const ConnectPacket& p, std::string& out) {
  const std::string_view name = p.protocol_name.empty() ? "MQTT" : p.protocol_name;
  std::size_t length = 2 + name.size() + 1 + 1 + 2 + 2 + p.client_id.size();
  if (p.has_will) length += 2 + p.will.topic.size() + 2 + p.will.message.size();
  if (p.has_username) length += 2 + p.username.size();
  if (p.has_password) length += 2 + p.password.size();
  std::uint8_t flags = 0;
  if (p.clean_session) flags |= 0x02;
  if (p.has_will) {
    flags |= 0x04 | static_cast<std::uint8_t>(p.will.qos << 3);
    if (p.will.retain) flags |= 0x20;
  }
  if (p.has_password) flags |= 0x40;
  if (p.has_username) flags |= 0x80;
  put_header(out, first_byte(PacketType::connect), length);
  put_binary(out, name);
  out.push_back(static_cast<char>(p.protocol_level));
  out.push_back(static_cast<char>(flags));
  put_u16(out, p.keep_alive);
  put_binary(out, p.client_id);
  if (p.has_will) {
    put_binary(out, p.will.topic);
    put_binary(out, p.will.message);
  }
  if (p.has_username) put_binary(out, p.username);
  if (p.has_password) put_binary(out, p.password);
}

void encode(const ConnackPacket& p, std::string& out) {
  put_header(out, first_byte(PacketType::connack), 2);
  out.push_back(p.session_present ? 1 : 0);
  out.push_back(static_cast<char>(p.return_code));
}

std::size_t encoded_size(const PublishPacket& p) {
  const std::size_t length = 2 + p.topic.size() + (p.qos > 0 ? 2 : 0) + p.payload.size();
  return 1 + varint_size(length) + length;
}

void encode(const PublishPacket& p, std::string& out) {
  const std::size_t length = 2 + p.topic.size() + (p.qos > 0 ? 2 : 0) + p.payload.size();
  std::uint8_t flags = static_cast<std::uint8_t>(p.qos << 1);
  if (p.dup) flags |= 0x08;
  if (p.retain) flags |= 0x01;
  out.reserve(out.size() + 1 + varint_size(length) + length);
  put_header(out, first_byte(PacketType::publish, flags), length);
  put_binary(out, p.topic);
  if (p.qos > 0) put_u16(out, p.packet_id);
  out.append(p.payload);
}

void encode(const AckPacket& p, std::string& out) {
  const std::uint8_t flags = p.type == PacketType::pubrel ? 2 : 0;
  put_header(out, first_byte(p.type, flags), 2);
  put_u16(out, p.packet_id);
}

void encode(const SubscribePacket& p, std::string& out) {
  std::size_t length = 2;
  for (const auto& t : p.topics)
    length += 2 + t.filter.size() + 1;
  put_header(out, first_byte(PacketType::subscribe, 2), length);
  put_u16(out, p.packet_id);
  for (const auto& t : p.topics) {
    put_binary(out, t.filter);
    out.push_back(static_cast<char>(t.qos));
  }
}

void encode(const SubackPacket& p, std::string& out) {
  put_header(out, first_byte(PacketType::suback), 2 + p.return_codes.size());
  put_u16(out, p.packet_id);
  for (auto code : p.return_codes)
    out.push_back(static_cast<char>(code));
}

void encode(const UnsubscribePacket& p, std::string& out) {
  std::size_t length = 2;
  for (const auto& f : p.filters)
    length += 2 + f.size();
  put_header(out, first_byte(PacketType::unsubscribe, 2), length);
  put_u16(out, p.packet_id);
  for (const auto& f : p.filters)
    put_binary(out, f);
}

void encode(const EmptyPacket& p, std::string& out) {
  put_header(out, first_byte(p.type), 0);
}

void encode(const Packet& packet, std::string& out) {
  std::visit([&out](const auto& p) { encode(p, out); }, packet);
}

}  // namespace fabomatic::broker
