// libFuzzer target: the MQTT codec. Frames the input as the broker does (next_frame, decode),
// and checks that every packet decoded encodes back to bytes that decode to the same packet;
// also the topic rules on pieces of the input.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "broker/codec/codec.hpp"
#include "broker/codec/topic.hpp"

using namespace fabomatic::broker;

namespace {

void check_round_trip(const Packet& packet) {
  std::string once;
  encode(packet, once);
  const DecodeResult again = decode_one(once);
  if (!again.ok()) std::abort();  // what we encode, we must read back
  std::string twice;
  encode(again.packet, twice);
  if (twice != once) std::abort();  // and it must be the same packet
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view rest = input;
  for (int packets = 0; !rest.empty() && packets < 64; ++packets) {
    const FrameResult frame = next_frame(rest, 1 << 20);
    if (frame.status != FrameResult::Status::complete) break;
    const std::string_view bytes = rest.substr(0, frame.header.frame_size());
    const DecodeResult decoded = decode(frame.header, bytes);
    if (decoded.ok()) {
      check_round_trip(decoded.packet);
      (void)to_string(type_of(decoded.packet));
    } else {
      (void)to_string(decoded.error);
      (void)connack_code_for(decoded.error);
    }
    rest.remove_prefix(bytes.size());
  }
  // Topic names and filters: the input split at its first NUL into a filter and a topic.
  const auto nul = input.find('\0');
  const std::string_view filter = input.substr(0, nul);
  const std::string_view topic = nul == std::string_view::npos ? input : input.substr(nul + 1);
  const bool valid_filter = is_valid_topic_filter(filter);
  const bool valid_topic = is_valid_topic_name(topic);
  if (valid_filter && valid_topic) (void)topic_matches(filter, topic);
  if (valid_topic && !is_valid_topic_filter(topic)) std::abort();  // a name is a filter
  return 0;
}
