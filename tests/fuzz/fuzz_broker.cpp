// libFuzzer target: the broker core's input path. A few clients attach and feed it bytes in
// chunks the input decides, time moves on, connections drop; the broker has accounts, an ACL,
// the FabLab-like veto of a hook and small limits, so every path (CONNECT refusals, access
// checks, takeovers, shared client ids, queues, retained limits, expiry) can be reached.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "broker/auth/access_control.hpp"
#include "broker/core/broker.hpp"

using namespace fabomatic::broker;

namespace {

class FuzzTransport final : public Transport {
 public:
  void send(std::string_view bytes) override { sent_ += bytes.size(); }
  std::size_t pending_bytes() const override { return pending_; }
  void close() override { closed = true; }
  bool closed = false;
  std::size_t pending_ = 0;
  std::size_t sent_ = 0;
};

class Veto final : public BrokerHooks {
 public:
  Veto() : BrokerHooks(HookEvent::authorize_publish | HookEvent::authorize_subscribe) {}
  bool authorize_publish(const ClientInfo&, std::string_view topic) override {
    return !topic.ends_with("/request");
  }
  bool authorize_subscribe(const ClientInfo&, std::string_view filter) override {
    return filter != "forbidden/#";
  }
};

struct Fixture {
  Fixture() : access(true) {
    auto passwords = std::make_shared<auth::PasswordFile>();
    *passwords = auth::PasswordFile::parse(
        "alice:" + auth::PasswordFile::pbkdf2_entry("a", "123456789012", 1) + "\n");
    passwords->add_plain("bob", "b");
    std::vector<std::string> errors;
    auto acl = std::make_shared<const auth::AclFile>(auth::AclFile::parse(
        "topic read public/#\nuser alice\ntopic readwrite #\nuser bob\ntopic deny x/#\n"
        "topic write +/in\npattern readwrite c/%c/#\npattern read u/%u/#\n",
        errors));
    access.set_files(passwords, acl);
  }
  auth::AccessControl access;
  Veto veto;
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  BrokerConfig config;
  config.sys_interval = std::chrono::seconds(1);
  config.max_connect_size = 512;
  config.max_packet_size = 4096;
  config.max_inflight = 3;
  config.max_queued = 8;
  config.max_output_total = 4096;
  config.max_retained_messages = 4;
  config.max_retained_bytes = 256;
  config.max_persistent_sessions = 2;
  config.persistent_session_expiry = std::chrono::seconds(5);
  config.max_subscriptions_per_client = 4;
  config.max_connections_per_address = 3;
  config.use_username_as_clientid = size > 0 && (data[0] & 1);
  config.logger = [](fabomatic::log::Level, std::string_view) {};
  Clock::time_point now{};
  Broker broker(config, now);
  broker.add_hooks(fixture().veto);
  broker.add_hooks(fixture().access);
  broker.subscribe("machine/+", [](const Message&) {});

  // Each slot: a transport and the broker's connection on it, while the broker keeps it (it
  // calls close() on the transport when it ends the connection itself).
  constexpr std::size_t kClients = 4;
  struct Slot {
    std::unique_ptr<FuzzTransport> transport;
    ClientConnection* client = nullptr;
    bool live() const { return client != nullptr && !transport->closed; }
  };
  std::vector<Slot> slots(kClients);
  std::vector<std::unique_ptr<FuzzTransport>> retired;  // the broker may still hold them
  const auto attach = [&](std::size_t i) {
    if (slots[i].transport) retired.push_back(std::move(slots[i].transport));
    slots[i].transport = std::make_unique<FuzzTransport>();
    slots[i].client =
        broker.attach(*slots[i].transport, "10.0.0." + std::to_string(i % 3) + ":1", now);
  };
  for (std::size_t i = 0; i < kClients; ++i)
    attach(i);

  std::size_t pos = 1;
  while (pos + 1 < size) {
    const std::uint8_t op = data[pos++];
    Slot& slot = slots[op % kClients];
    switch ((op >> 2) % 8) {
      case 0:  // time moves on
        now += std::chrono::milliseconds(100 * (data[pos++] + 1));
        broker.tick(now);
        break;
      case 1:  // the socket dies
        if (slot.live()) broker.on_transport_closed(*slot.client);
        slot.client = nullptr;
        break;
      case 2:  // a new connection in that slot
        if (slot.live()) broker.on_transport_closed(*slot.client);
        attach(op % kClients);
        break;
      case 3: {  // an in-process publish (the backend)
        const std::uint8_t qos = data[pos] % 3;
        const std::string_view payload(reinterpret_cast<const char*>(data), pos % 8);
        ++pos;
        broker.publish("machine/1/reply", payload, qos, false);
        break;
      }
      case 4:  // the socket stops reading (QoS 0 output piles up)
        slot.transport->pending_ = data[pos++] * 64;
        break;
      default: {  // bytes from the slot's client
        const std::size_t wanted = data[pos++];
        const std::size_t length = std::min<std::size_t>(wanted, size - pos);
        if (slot.live()) {
          broker.on_data(*slot.client,
                         std::string_view(reinterpret_cast<const char*>(data) + pos, length), now);
          if (slot.live()) (void)broker.accepts_input(*slot.client, now);
        }
        pos += length;
        break;
      }
    }
    (void)broker.shared_client_ids();
    if (broker.retained_count() > config.max_retained_messages) std::abort();
    if (broker.retained_bytes() > config.max_retained_bytes) std::abort();
    if (broker.persistent_session_count() > config.max_persistent_sessions) std::abort();
  }
  broker.review_clients(fixture().access);
  broker.close_all();
  return 0;
}
