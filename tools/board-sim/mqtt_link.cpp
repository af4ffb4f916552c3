#include "tools/board-sim/mqtt_link.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <cstring>
#include <variant>

#include "broker/codec/codec.hpp"

namespace fabomatic::board_sim {

namespace asio = boost::asio;
using boost::asio::ip::tcp;

namespace {

constexpr std::size_t kReadChunk = 4096;
constexpr std::size_t kMaxIncomingPacket = 1 << 20;

bool would_block(const boost::system::error_code& ec) {
  return ec == asio::error::would_block || ec == asio::error::try_again;
}

}  // namespace

MqttLink::MqttLink(asio::io_context& io, Handler& handler) : socket_(io), handler_(handler) {}

MqttLink::~MqttLink() {
  ++generation_;
  boost::system::error_code ignored;
  socket_.close(ignored);
}

void MqttLink::connect(const tcp::endpoint& endpoint, LinkOptions options) {
  if (open()) close("reconnecting");
  options_ = std::move(options);
  state_ = State::connecting;
  const unsigned generation = ++generation_;
  in_.assign(kReadChunk, '\0');
  in_used_ = 0;
  out_.clear();
  writing_active_ = false;
  socket_ = tcp::socket(socket_.get_executor());
  socket_.async_connect(endpoint, [this, generation](const boost::system::error_code& ec) {
    if (generation != generation_) return;
    if (ec) {
      close("connect: " + ec.message());
      return;
    }
    boost::system::error_code ignored;
    socket_.set_option(tcp::no_delay(true), ignored);
    socket_.non_blocking(true, ignored);
    state_ = State::awaiting_connack;
    broker::ConnectPacket packet;
    packet.protocol_name = "MQTT";
    packet.protocol_level = 4;
    packet.clean_session = options_.clean_session;
    packet.keep_alive = options_.keep_alive_s;
    packet.client_id = options_.client_id;
    packet.has_username = !options_.username.empty();
    packet.username = options_.username;
    packet.has_password = packet.has_username;
    packet.password = options_.password;
    std::string bytes;
    broker::encode(packet, bytes);
    send(bytes);
    start_read();
  });
}

void MqttLink::subscribe(std::uint16_t packet_id, std::initializer_list<std::string_view> filters) {
  broker::SubscribePacket packet;
  packet.packet_id = packet_id;
  for (const auto filter : filters)
    packet.topics.push_back({filter, 0});
  std::string bytes;
  broker::encode(packet, bytes);
  send(bytes);
}

bool MqttLink::publish(std::string_view topic, std::string_view payload) {
  if (state_ != State::established) return false;
  broker::PublishPacket packet;
  packet.topic = topic;
  packet.payload = payload;
  std::string bytes;
  bytes.reserve(broker::encoded_size(packet));
  broker::encode(packet, bytes);
  send(bytes);
  return state_ == State::established;
}

void MqttLink::keep_alive(std::chrono::steady_clock::time_point now) {
  if (state_ != State::established || options_.keep_alive_s == 0) return;
  if (now - last_sent_ < std::chrono::seconds(options_.keep_alive_s) / 2) return;
  std::string bytes;
  broker::encode(broker::EmptyPacket{broker::PacketType::pingreq}, bytes);
  send(bytes);
}

void MqttLink::close(std::string_view reason) {
  if (state_ == State::closed) return;
  state_ = State::closed;
  ++generation_;
  boost::system::error_code ignored;
  socket_.close(ignored);
  // Closing cancels the write in progress: its buffer is no longer used.
  writing_active_ = false;
  out_.clear();
  const std::string why(reason);  // `reason` may point into a buffer the handler reuses
  handler_.on_closed(*this, why);
}

void MqttLink::start_read() {
  if (in_.size() - in_used_ < kReadChunk / 2) in_.resize(in_used_ + kReadChunk);
  const unsigned generation = generation_;
  socket_.async_read_some(
      asio::buffer(in_.data() + in_used_, in_.size() - in_used_),
      [this, generation](const boost::system::error_code& ec, std::size_t bytes) {
        if (generation != generation_) return;
        on_read(ec, bytes);
      });
}

void MqttLink::on_read(const boost::system::error_code& error, std::size_t bytes) {
  if (error) {
    close(error == asio::error::eof ? "closed by broker" : "read: " + error.message());
    return;
  }
  in_used_ += bytes;
  if (!dispatch()) return;
  start_read();
}

bool MqttLink::dispatch() {
  const unsigned generation = generation_;
  corked_ = true;
  std::size_t consumed = 0;
  bool alive = true;
  while (alive) {
    const std::string_view data(in_.data() + consumed, in_used_ - consumed);
    const auto frame = broker::next_frame(data, kMaxIncomingPacket);
    if (frame.status == broker::FrameResult::Status::incomplete) {
      if (frame.header_known && frame.header.frame_size() > in_.size() - consumed)
        in_.resize(consumed + frame.header.frame_size() + kReadChunk);
      break;
    }
    if (frame.status == broker::FrameResult::Status::error) {
      corked_ = false;
      close("bad packet from broker: " + std::string(broker::to_string(frame.error)));
      return false;
    }
    const auto size = frame.header.frame_size();
    const auto decoded = broker::decode(frame.header, data.substr(0, size));
    if (!decoded.ok()) {
      corked_ = false;
      close("bad packet from broker: " + std::string(broker::to_string(decoded.error)));
      return false;
    }
    if (const auto* publish = std::get_if<broker::PublishPacket>(&decoded.packet)) {
      if (state_ == State::established)
        handler_.on_publish(*this, publish->topic, publish->payload);
    } else if (const auto* connack = std::get_if<broker::ConnackPacket>(&decoded.packet)) {
      const auto code = static_cast<std::uint8_t>(connack->return_code);
      if (state_ == State::awaiting_connack && code == 0) state_ = State::established;
      handler_.on_connack(*this, code);
      if (generation == generation_ && code != 0)
        close("connection refused, code " + std::to_string(code));
    } else if (const auto* suback = std::get_if<broker::SubackPacket>(&decoded.packet)) {
      handler_.on_suback(*this, suback->packet_id);
    }
    consumed += size;
    alive = generation == generation_;
  }
  if (!alive) return false;
  corked_ = false;
  if (consumed > 0) {
    std::memmove(in_.data(), in_.data() + consumed, in_used_ - consumed);
    in_used_ -= consumed;
  }
  flush();
  return generation == generation_;
}

void MqttLink::send(std::string_view bytes) {
  last_sent_ = std::chrono::steady_clock::now();
  out_.append(bytes);
  if (!corked_) flush();
}

void MqttLink::flush() {
  if (writing_active_ || out_.empty() || state_ == State::closed) return;
  // Most writes of a few hundred bytes complete at once on a non-blocking socket: no reactor
  // turn, no allocation. Only what the kernel did not take waits for an asynchronous write.
  boost::system::error_code ec;
  const auto written = socket_.write_some(asio::buffer(out_), ec);
  if (ec && !would_block(ec)) {
    // Report the failure from the reactor, not from inside the caller's publish().
    const unsigned generation = generation_;
    state_ = State::connecting;  // refuse further publishes until closed
    asio::post(socket_.get_executor(), [this, generation, why = "write: " + ec.message()] {
      if (generation == generation_) close(why);
    });
    return;
  }
  out_.erase(0, ec ? 0 : written);
  if (!out_.empty()) start_async_write();
}

void MqttLink::start_async_write() {
  writing_active_ = true;
  writing_.swap(out_);
  out_.clear();
  const unsigned generation = generation_;
  asio::async_write(socket_, asio::buffer(writing_),
                    [this, generation](const boost::system::error_code& ec, std::size_t) {
                      if (generation != generation_) return;
                      writing_active_ = false;
                      writing_.clear();
                      if (ec) {
                        close("write: " + ec.message());
                        return;
                      }
                      flush();
                    });
}

}  // namespace fabomatic::board_sim
