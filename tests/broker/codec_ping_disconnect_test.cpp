// PINGREQ, PINGRESP and DISCONNECT (MQTT 3.1.1 sections 3.12 to 3.14): a fixed header and
// nothing else.
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

#include "broker/codec/codec.hpp"

namespace fabomatic::broker {
namespace {

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values)
    out.push_back(static_cast<char>(v));
  return out;
}

struct EmptyCase {
  PacketType type;
  int first_byte;
};

constexpr EmptyCase kEmptyPackets[] = {
    {PacketType::pingreq, 0xC0},
    {PacketType::pingresp, 0xD0},
    {PacketType::disconnect, 0xE0},
};

TEST(CodecPingDisconnect, DecodesTheSpecBytes) {
  for (const auto& c : kEmptyPackets) {
    const auto r = decode_one(bytes({c.first_byte, 0x00}));
    ASSERT_TRUE(r.ok()) << to_string(c.type);
    EXPECT_EQ(type_of(r.packet), c.type);
    EXPECT_EQ(std::get<EmptyPacket>(r.packet).type, c.type);
  }
}

TEST(CodecPingDisconnect, EncodesTheSpecBytes) {
  for (const auto& c : kEmptyPackets) {
    std::string out;
    encode(EmptyPacket{c.type}, out);
    EXPECT_EQ(out, bytes({c.first_byte, 0x00})) << to_string(c.type);
    // Through the variant overload as well.
    std::string via_variant;
    encode(Packet{EmptyPacket{c.type}}, via_variant);
    EXPECT_EQ(via_variant, out);
  }
}

TEST(CodecPingDisconnect, ABodyIsTrailingBytes) {
  for (const auto& c : kEmptyPackets) {
    SCOPED_TRACE(to_string(c.type));
    EXPECT_EQ(decode_one(bytes({c.first_byte, 0x01, 0x00})).error, DecodeError::trailing_bytes);
    EXPECT_EQ(decode_one(bytes({c.first_byte, 0x02, 'h', 'i'})).error, DecodeError::trailing_bytes);
    // A body announced with a two-byte remaining length.
    EXPECT_EQ(decode_one(bytes({c.first_byte, 0x80, 0x01}) + std::string(128, 'x')).error,
              DecodeError::trailing_bytes);
  }
}

TEST(CodecPingDisconnect, MQTT_2_2_2_1_ReservedFlagsMustBeZero) {
  for (const auto& c : kEmptyPackets) {
    for (int flags = 1; flags < 16; ++flags) {
      EXPECT_EQ(decode_one(bytes({c.first_byte | flags, 0x00})).error,
                DecodeError::invalid_header_flags)
          << to_string(c.type) << " " << flags;
    }
  }
}

}  // namespace
}  // namespace fabomatic::broker
