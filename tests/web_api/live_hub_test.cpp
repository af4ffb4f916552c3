// The live hub's side of the link: a page on screen says so ({"type":"visible"}) and keeps its
// sign-in session; anything else a page sends is ignored.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "backend/live_status.hpp"
#include "web/http/websocket_session.hpp"
#include "web/live/hub.hpp"

namespace fabomatic::web::test {
namespace {

class FakeSession : public WebSocketSession {
 public:
  bool send(std::string text) override {
    sent.push_back(std::move(text));
    return true;
  }
  void close() override { open = false; }
  void close_session_ended() override { open = false; }
  bool is_open() const override { return open; }
  std::size_t queued_bytes() const override { return 0; }
  const std::string& remote_address() const override { return address; }
  std::uint64_t id() const override { return 7; }

  std::vector<std::string> sent;
  bool open = true;
  std::string address = "192.0.2.9";
};

TEST(LiveHub, APageOnScreenKeepsItsSessionAndNothingElseDoes) {
  backend::LiveStatus status;
  LiveHub hub(status, [] { return 0.0; });
  std::vector<std::string> kept;  // the cookies whose sessions were refreshed
  const WebSocketRoute route =
      hub.route([](const Request&) { return std::nullopt; }, [](const Request&) { return true; },
                [&kept](const Request& upgrade) {
                  kept.push_back(std::string(upgrade.header("Cookie").value_or("")));
                });
  auto session = std::make_shared<FakeSession>();
  Request upgrade;
  upgrade.headers.add("Cookie", "fabomatic_session=abc");
  route.on_open(session, upgrade);
  ASSERT_EQ(session->sent.size(), 1u);  // the snapshot

  for (const char* other : {"", "visible", "[]", R"({"type":7})", R"({"type":"hidden"})",
                            R"({"kind":"visible"})", "{\"type\":\"visible\"", "\x01\xff"})
    route.on_message(*session, other);
  EXPECT_TRUE(kept.empty());

  route.on_message(*session, R"({"type":"visible"})");
  EXPECT_EQ(kept, std::vector<std::string>{"fabomatic_session=abc"});

  // A session the hub no longer follows keeps nothing alive.
  route.on_close(*session);
  route.on_message(*session, R"({"type":"visible"})");
  EXPECT_EQ(kept.size(), 1u);
}

}  // namespace
}  // namespace fabomatic::web::test
