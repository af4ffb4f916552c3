// Incremental decoding: a byte stream of many mixed packets, fed the way a socket delivers it
// (one byte at a time, in random chunk sizes, all at once), comes out as the same packets in the
// same order. This is how a connection uses next_frame() and decode().
#include <gtest/gtest.h>

#include <cstdint>
#include <deque>
#include <random>
#include <string>
#include <vector>

#include "broker/codec/codec.hpp"

namespace fabomatic::broker {
namespace {

constexpr std::size_t kMaxPacketSize = 64 * 1024;

// Builds random packets of all 14 types. The strings they view are owned here.
class PacketFactory {
 public:
  explicit PacketFactory(std::uint32_t seed) : random_(seed) {}

  Packet make() {
    const auto type = static_cast<PacketType>(pick(1, 14));
    switch (type) {
      case PacketType::connect:
        return make_connect();
      case PacketType::connack:
        return ConnackPacket{pick(0, 1) == 1, ConnectReturnCode::accepted};
      case PacketType::publish:
        return make_publish();
      case PacketType::puback:
      case PacketType::pubrec:
      case PacketType::pubrel:
      case PacketType::pubcomp:
      case PacketType::unsuback:
        return AckPacket{type, id()};
      case PacketType::subscribe: {
        SubscribePacket p{id(), {}};
        const int n = pick(1, 5);
        for (int i = 0; i < n; ++i)
          p.topics.push_back({filter(), static_cast<std::uint8_t>(pick(0, 2))});
        return p;
      }
      case PacketType::suback: {
        SubackPacket p{id(), {}};
        const int n = pick(1, 5);
        for (int i = 0; i < n; ++i) {
          const int code = pick(0, 3);
          p.return_codes.push_back(code == 3 ? kSubackFailure : static_cast<std::uint8_t>(code));
        }
        return p;
      }
      case PacketType::unsubscribe: {
        UnsubscribePacket p{id(), {}};
        const int n = pick(1, 5);
        for (int i = 0; i < n; ++i)
          p.filters.push_back(filter());
        return p;
      }
      case PacketType::pingreq:
      case PacketType::pingresp:
      case PacketType::disconnect:
        return EmptyPacket{type};
    }
    return EmptyPacket{PacketType::pingreq};
  }

 private:
  int pick(int low, int high) { return std::uniform_int_distribution<int>(low, high)(random_); }
  std::uint16_t id() { return static_cast<std::uint16_t>(pick(1, 65535)); }

  // A string of `low`..`high` characters from `alphabet`, kept alive by the factory.
  std::string_view text(int low, int high, std::string_view alphabet) {
    std::string s(static_cast<std::size_t>(pick(low, high)), 'x');
    for (auto& c : s)
      c = alphabet[static_cast<std::size_t>(pick(0, static_cast<int>(alphabet.size()) - 1))];
    return storage_.emplace_back(std::move(s));
  }

  std::string_view binary(int low, int high) {
    std::string s(static_cast<std::size_t>(pick(low, high)), '\0');
    for (auto& c : s)
      c = static_cast<char>(pick(0, 255));
    return storage_.emplace_back(std::move(s));
  }

  // A valid topic filter: levels of letters or '+', sometimes ending in '#'.
  std::string_view filter() {
    std::string s;
    const int levels = pick(1, 5);
    for (int i = 0; i < levels; ++i) {
      if (i > 0) s += '/';
      s += pick(0, 3) == 0 ? std::string("+") : std::string(text(1, 8, "abcxyz"));
    }
    if (pick(0, 3) == 0) s += "/#";
    return storage_.emplace_back(std::move(s));
  }

  Packet make_connect() {
    ConnectPacket p;
    p.clean_session = pick(0, 1) == 1;
    p.keep_alive = static_cast<std::uint16_t>(pick(0, 65535));
    p.client_id = text(1, 23, "abcXYZ019-");
    p.has_will = pick(0, 1) == 1;
    if (p.has_will) {
      p.will = {text(1, 30, "m/1"), binary(0, 50), static_cast<std::uint8_t>(pick(0, 2)),
                pick(0, 1) == 1};
    }
    p.has_username = pick(0, 1) == 1;
    if (p.has_username) p.username = text(0, 20, "user");
    p.has_password = p.has_username && pick(0, 1) == 1;
    if (p.has_password) p.password = binary(0, 20);
    return p;
  }

  Packet make_publish() {
    PublishPacket p;
    p.qos = static_cast<std::uint8_t>(pick(0, 2));
    p.dup = p.qos > 0 && pick(0, 1) == 1;
    p.retain = pick(0, 1) == 1;
    p.topic = text(1, 60, "machine/0123456789");
    if (p.qos > 0) p.packet_id = id();
    // Mostly small payloads, sometimes one that needs a 2- or 3-byte remaining length.
    const int size_class = pick(0, 9);
    p.payload = size_class == 0  ? binary(16'384, 40'000)
                : size_class < 4 ? binary(128, 2'000)
                                 : binary(0, 127);
    return p;
  }

  std::mt19937 random_;
  std::deque<std::string> storage_;
};

std::string encoded(const Packet& p) {
  std::string out;
  encode(p, out);
  return out;
}

struct Stream {
  std::vector<std::string> frames;  // each packet's encoding, in order
  std::string bytes;                // all of them back to back
};

Stream make_stream(std::uint32_t seed, int packets) {
  PacketFactory factory(seed);
  Stream s;
  for (int i = 0; i < packets; ++i) {
    s.frames.push_back(encoded(factory.make()));
    s.bytes += s.frames.back();
  }
  return s;
}

// The receive side of a connection: buffers what arrives and takes whole packets off the front.
class Receiver {
 public:
  // Appends `chunk` and decodes every packet now complete; returns false on any error.
  bool receive(std::string_view chunk) {
    buffer_.append(chunk);
    for (;;) {
      const auto f = next_frame(buffer_, kMaxPacketSize);
      if (f.status == FrameResult::Status::error) {
        ADD_FAILURE() << "frame error " << to_string(f.error) << " after " << packets_.size();
        return false;
      }
      if (f.status == FrameResult::Status::incomplete) return true;
      const auto d = decode(f.header, buffer_);
      if (!d.ok()) {
        ADD_FAILURE() << "decode error " << to_string(d.error) << " after " << packets_.size();
        return false;
      }
      // The decoded packet views the buffer: re-encode it before the buffer moves on.
      packets_.push_back(encoded(d.packet));
      buffer_.erase(0, f.header.frame_size());
    }
  }

  const std::vector<std::string>& packets() const { return packets_; }
  bool idle() const { return buffer_.empty(); }

 private:
  std::string buffer_;
  std::vector<std::string> packets_;
};

void expect_same_packets(const Receiver& receiver, const Stream& stream) {
  EXPECT_TRUE(receiver.idle());
  ASSERT_EQ(receiver.packets().size(), stream.frames.size());
  for (std::size_t i = 0; i < stream.frames.size(); ++i) {
    EXPECT_EQ(receiver.packets()[i], stream.frames[i]) << "packet " << i;
  }
}

TEST(CodecStream, TheStreamCoversEveryPacketType) {
  const auto stream = make_stream(1, 400);
  bool seen[16] = {};
  for (const auto& frame : stream.frames)
    seen[static_cast<std::uint8_t>(frame[0]) >> 4] = true;
  for (int type = 1; type <= 14; ++type)
    EXPECT_TRUE(seen[type]) << to_string(static_cast<PacketType>(type));
  // Remaining lengths of one, two and three bytes all occur.
  bool length_bytes[4] = {};
  for (const auto& frame : stream.frames)
    length_bytes[next_frame(frame, kMaxPacketSize).header.header_size - 2] = true;
  EXPECT_TRUE(length_bytes[0] && length_bytes[1] && length_bytes[2]);
}

TEST(CodecStream, AllAtOnce) {
  const auto stream = make_stream(1, 400);
  Receiver receiver;
  ASSERT_TRUE(receiver.receive(stream.bytes));
  expect_same_packets(receiver, stream);
}

TEST(CodecStream, OneByteAtATime) {
  const auto stream = make_stream(2, 300);
  Receiver receiver;
  for (char c : stream.bytes) {
    ASSERT_TRUE(receiver.receive(std::string_view(&c, 1)));
  }
  expect_same_packets(receiver, stream);
}

TEST(CodecStream, RandomChunkSizes) {
  for (std::uint32_t seed = 10; seed < 15; ++seed) {
    SCOPED_TRACE(seed);
    const auto stream = make_stream(seed, 400);
    std::mt19937 random(seed);
    Receiver receiver;
    std::size_t pos = 0;
    while (pos < stream.bytes.size()) {
      // Chunks from one byte up to a typical TCP segment.
      const std::size_t n = std::uniform_int_distribution<std::size_t>(1, 1500)(random);
      ASSERT_TRUE(receiver.receive(std::string_view(stream.bytes).substr(pos, n)));
      pos += n;
    }
    expect_same_packets(receiver, stream);
  }
}

TEST(CodecStream, ChunksSplitInsideEveryHeader) {
  // Cut the stream right after the first byte and inside the length of every packet.
  const auto stream = make_stream(3, 200);
  Receiver receiver;
  for (const auto& frame : stream.frames) {
    ASSERT_TRUE(receiver.receive(frame.substr(0, 1)));
    ASSERT_TRUE(receiver.receive(frame.substr(1, 1)));
    ASSERT_TRUE(receiver.receive(frame.substr(2)));
  }
  expect_same_packets(receiver, stream);
}

}  // namespace
}  // namespace fabomatic::broker
