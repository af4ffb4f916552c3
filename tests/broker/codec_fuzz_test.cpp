// Robustness of the decoder against whatever a network peer may send: hundreds of thousands of
// random and mutated byte strings (fixed seeds, so a failure reproduces) go through
// next_frame() and decode() the way a connection drives them. Under the ASan+UBSan build this
// also proves that no input makes the codec read outside the bytes it was given: every frame is
// decoded from its own exactly-sized heap copy.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "broker/codec/codec.hpp"

namespace fabomatic::broker {
namespace {

constexpr std::size_t kMaxPacketSize = 4096;
constexpr DecodeError kLastError = DecodeError::invalid_connack;

// Bytes in a heap block of exactly their size: a read one past the end is an ASan report.
class ExactBytes {
 public:
  explicit ExactBytes(std::string_view bytes)
      : size_(bytes.size()), data_(new char[bytes.size() == 0 ? 1 : bytes.size()]) {
    if (size_ > 0) std::memcpy(data_.get(), bytes.data(), size_);
  }
  std::string_view view() const { return {data_.get(), size_}; }

 private:
  std::size_t size_;
  std::unique_ptr<char[]> data_;
};

// Errors that only next_frame() can find: once it has accepted a header, decode() must not.
bool is_header_error(DecodeError e) {
  return e == DecodeError::malformed_remaining_length || e == DecodeError::packet_too_large ||
         e == DecodeError::reserved_packet_type || e == DecodeError::invalid_header_flags;
}

std::string encoded(const Packet& p) {
  std::string out;
  encode(p, out);
  return out;
}

struct Tally {
  std::size_t inputs = 0;
  std::size_t decoded = 0;
  std::size_t rejected = 0;
  std::set<DecodeError> errors;
};

// A decoded packet, encoded again, has the same first byte and the same body (the remaining
// length may have been written with more bytes than needed, which 3.1.1 does not forbid).
void expect_canonical(const DecodeResult& d, std::string_view frame, std::size_t header_size) {
  const auto again = encoded(d.packet);
  const auto again_frame = next_frame(again, kMaxPacketSize + 8);
  ASSERT_EQ(again_frame.status, FrameResult::Status::complete);
  EXPECT_EQ(again[0], frame[0]);
  EXPECT_EQ(std::string_view(again).substr(again_frame.header.header_size),
            frame.substr(header_size));
  EXPECT_TRUE(decode_one(again, kMaxPacketSize + 8).ok());
  if (const auto* publish = std::get_if<PublishPacket>(&d.packet)) {
    EXPECT_EQ(encoded_size(*publish), again.size());
  }
}

// Feeds `input` as one connection would see it: frame after frame until an error or the end.
void check_input(std::string_view input, bool check_prefixes, Tally& tally) {
  ++tally.inputs;
  const ExactBytes whole(input);
  std::string_view rest = whole.view();
  while (!rest.empty()) {
    const ExactBytes received(rest);
    const auto f = next_frame(received.view(), kMaxPacketSize);
    if (f.status == FrameResult::Status::incomplete) {
      EXPECT_EQ(f.error, DecodeError::none);
      return;
    }
    if (f.status == FrameResult::Status::error) {
      ASSERT_TRUE(is_header_error(f.error)) << to_string(f.error);
      ++tally.rejected;
      tally.errors.insert(f.error);
      return;
    }
    ASSERT_TRUE(f.header_known);
    ASSERT_LE(f.header.frame_size(), rest.size());
    ASSERT_LE(f.header.frame_size(), kMaxPacketSize);
    const ExactBytes frame(rest.substr(0, f.header.frame_size()));
    const auto d = decode(f.header, frame.view());
    if (d.ok()) {
      ++tally.decoded;
      EXPECT_EQ(type_of(d.packet), f.header.type());
      expect_canonical(d, frame.view(), f.header.header_size);
    } else {
      ASSERT_LE(d.error, kLastError);
      ASSERT_FALSE(is_header_error(d.error)) << to_string(d.error);
      ++tally.rejected;
      tally.errors.insert(d.error);
    }
    if (check_prefixes) {
      // Every shorter prefix of a complete frame is only "not yet".
      for (std::size_t k = 0; k < f.header.frame_size(); ++k) {
        const ExactBytes prefix(rest.substr(0, k));
        ASSERT_EQ(next_frame(prefix.view(), kMaxPacketSize).status, FrameResult::Status::incomplete)
            << k;
      }
    }
    if (!d.ok()) return;  // the connection closes
    rest.remove_prefix(f.header.frame_size());
  }
}

// Valid frames of every type to mutate.
std::vector<std::string> corpus() {
  const std::string nuls("\0\0x\0", 4);
  const std::string long_payload(200, 'p');  // needs a 2-byte remaining length
  const std::vector<Packet> packets = {
      ConnectPacket{.client_id = "board"},
      ConnectPacket{.clean_session = false,
                    .keep_alive = 30,
                    .client_id = "b",
                    .has_will = true,
                    .will = {"m/1/will", "gone", 1, true},
                    .has_username = true,
                    .username = "u",
                    .has_password = true,
                    .password = nuls},
      ConnectPacket{.protocol_name = "MQIsdp", .protocol_level = 3, .client_id = "old"},
      ConnackPacket{true, ConnectReturnCode::accepted},
      ConnackPacket{false, ConnectReturnCode::not_authorized},
      PublishPacket{.topic = "machine/1", .payload = "{\"action\":\"alive\"}"},
      PublishPacket{.dup = true, .qos = 1, .topic = "a/b", .packet_id = 10, .payload = nuls},
      PublishPacket{.qos = 2, .retain = true, .topic = "caf\xC3\xA9", .packet_id = 65535},
      PublishPacket{.topic = "t", .payload = long_payload},
      AckPacket{PacketType::puback, 1},
      AckPacket{PacketType::pubrec, 2},
      AckPacket{PacketType::pubrel, 3},
      AckPacket{PacketType::pubcomp, 4},
      AckPacket{PacketType::unsuback, 5},
      SubscribePacket{7, {{"a/+", 0}, {"b/#", 1}, {"c", 2}}},
      SubackPacket{7, {0, 1, 2, kSubackFailure}},
      UnsubscribePacket{8, {"a/+", "b/#"}},
      EmptyPacket{PacketType::pingreq},
      EmptyPacket{PacketType::pingresp},
      EmptyPacket{PacketType::disconnect},
  };
  std::vector<std::string> frames;
  for (const auto& p : packets)
    frames.push_back(encoded(p));
  return frames;
}

class Mutator {
 public:
  explicit Mutator(std::uint32_t seed) : random_(seed), corpus_(corpus()) {}

  std::string random_bytes() {
    std::string s(pick(0, 48), '\0');
    for (auto& c : s)
      c = static_cast<char>(pick(0, 255));
    // Half the time start with a plausible first byte, so the body decoders see the input.
    if (!s.empty() && pick(0, 1) == 0) {
      static constexpr int kFirstBytes[] = {0x10, 0x20, 0x30, 0x32, 0x34, 0x3B, 0x40, 0x50, 0x62,
                                            0x70, 0x82, 0x90, 0xA2, 0xB0, 0xC0, 0xD0, 0xE0};
      s[0] = static_cast<char>(kFirstBytes[pick(0, std::size(kFirstBytes) - 1)]);
      if (s.size() > 1) s[1] = static_cast<char>(pick(0, s.size() - 2) & 0x7F);
    }
    return s;
  }

  std::string mutated() {
    std::string s = corpus_[pick(0, corpus_.size() - 1)];
    const std::size_t edits = pick(1, 4);
    for (std::size_t i = 0; i < edits; ++i)
      mutate(s);
    return s;
  }

 private:
  std::size_t pick(std::size_t low, std::size_t high) {
    return std::uniform_int_distribution<std::size_t>(low, high)(random_);
  }
  char any_byte() { return static_cast<char>(pick(0, 255)); }

  void mutate(std::string& s) {
    switch (pick(0, 8)) {
      case 0:  // flip one bit
        if (!s.empty()) s[pick(0, s.size() - 1)] ^= static_cast<char>(1 << pick(0, 7));
        break;
      case 1:  // overwrite one byte
        if (!s.empty()) s[pick(0, s.size() - 1)] = any_byte();
        break;
      case 2:  // insert a byte
        s.insert(s.begin() + static_cast<std::ptrdiff_t>(pick(0, s.size())), any_byte());
        break;
      case 3:  // delete a byte
        if (!s.empty()) s.erase(pick(0, s.size() - 1), 1);
        break;
      case 4:  // cut the tail
        s.resize(pick(0, s.size()));
        break;
      case 5:  // another whole packet after this one
        s += corpus_[pick(0, corpus_.size() - 1)];
        break;
      case 6:  // lie about the remaining length, keeping the body
        if (s.size() > 1) s[1] = static_cast<char>(pick(0, s.size()) & 0x7F);
        break;
      case 7:  // change a string length prefix somewhere in the body
        if (s.size() > 3) {
          const auto at = pick(2, s.size() - 2);
          s[at] = 0;
          s[at + 1] = static_cast<char>(pick(0, s.size()));
        }
        break;
      default:  // touch the flags nibble of the first byte
        if (!s.empty()) s[0] = static_cast<char>((s[0] & 0xF0) | static_cast<int>(pick(0, 15)));
        break;
    }
  }

  std::mt19937 random_;
  std::vector<std::string> corpus_;
};

TEST(CodecFuzz, TheCorpusItselfDecodes) {
  Tally tally;
  for (const auto& frame : corpus())
    check_input(frame, true, tally);
  EXPECT_EQ(tally.decoded, corpus().size());
  EXPECT_EQ(tally.rejected, 0u);
}

TEST(CodecFuzz, RandomBytesNeverCrash) {
  Mutator mutator(0xC0DEC);
  Tally tally;
  for (int i = 0; i < 100'000; ++i) {
    check_input(mutator.random_bytes(), i % 64 == 0, tally);
    if (HasFatalFailure()) return;
  }
  EXPECT_EQ(tally.inputs, 100'000u);
  EXPECT_GT(tally.rejected, 10'000u);
}

TEST(CodecFuzz, MutatedPacketsNeverCrash) {
  Mutator mutator(20240611);
  Tally tally;
  for (int i = 0; i < 150'000; ++i) {
    check_input(mutator.mutated(), i % 32 == 0, tally);
    if (HasFatalFailure()) return;
  }
  // The mutations reach both sides and most of the rules; otherwise this test proves little.
  EXPECT_GT(tally.decoded, 20'000u);
  EXPECT_GT(tally.rejected, 20'000u);
  std::string reached;
  for (auto e : tally.errors)
    reached += std::string(to_string(e)) + "; ";
  EXPECT_GE(tally.errors.size(), 18u) << reached;
}

}  // namespace
}  // namespace fabomatic::broker
