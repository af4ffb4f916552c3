// What the access checks cost, in CPU time per call: the figures behind "accounts and ACL within
// 5 % of the open broker", which a round-trip benchmark on two shared cores cannot resolve (its
// runs spread by more than that). Per message the broker asks a client's rights once per topic
// and then compares the topic with the last one allowed (broker_publish.cpp); per CONNECT a
// board account's secret is one HMAC. Printed next to what a reply costs end to end.
//
//   access_check_bench [calls per figure, default 2000000]
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "backend/board_accounts.hpp"
#include "backend/board_topics.hpp"
#include "backend/mqtt_auth.hpp"
#include "broker/auth/access_control.hpp"
#include "broker/auth/acl_file.hpp"

namespace {

using namespace fabomatic;

// Time this thread spent on the CPU: meaningful on a machine shared with builds.
std::chrono::nanoseconds cpu_now() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

// Keeps the compiler from dropping a call whose answer is unused.
volatile std::size_t g_sink = 0;

template <typename F>
void figure(const char* what, std::size_t calls, F&& call) {
  std::size_t allowed = 0;
  const auto t0 = cpu_now();
  for (std::size_t i = 0; i < calls; ++i)
    allowed += call(i) ? 1 : 0;
  const auto spent = cpu_now() - t0;
  g_sink = g_sink + allowed;
  std::printf("  %-62s %8.1f ns  (%zu of %zu allowed)\n", what,
              static_cast<double>(spent.count()) / static_cast<double>(calls), allowed, calls);
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t calls = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 2'000'000;
  std::printf("access checks, thread CPU time per call (%zu calls each)\n", calls);

  // 200 boards' topics, as the appliance names them.
  const backend::BoardTopics topics;
  std::vector<std::string> own, other;
  for (int m = 1; m <= 200; ++m) {
    own.push_back(topics.prefix + "/" + std::to_string(m));
    other.push_back(topics.prefix + "/" + std::to_string(m % 200 + 1));
  }
  std::vector<backend::BoardAccess> boards;
  for (db::Id m = 1; m <= 200; ++m)
    boards.emplace_back(topics, m);
  const broker::ClientInfo board_client{.client_id = "BOARD417", .account = "board-7"};

  std::printf("per PUBLISH of a board (the broker asks once per topic, then compares):\n");
  figure("board account: first PUBLISH on its own machine's topic", calls, [&](std::size_t i) {
    return boards[i % 200].may_publish(board_client, own[i % 200], false);
  });
  figure("board account: PUBLISH for another machine (refused)", calls, [&](std::size_t i) {
    return boards[i % 200].may_publish(board_client, other[i % 200], false);
  });
  std::string allowed_topic;  // the broker's per-client memory of the last allowed topic
  figure("every later PUBLISH: topic == last allowed topic", calls, [&](std::size_t i) {
    const std::string& topic = own[(i / 1000) % 200];
    if (allowed_topic == topic) return true;
    allowed_topic.assign(topic);
    return false;
  });

  std::vector<std::string> errors;
  const auto acl = broker::auth::AclFile::parse(
      "user monitor\ntopic read machine/#\ntopic read $SYS/#\npattern readwrite clients/%c/#\n"
      "user board-1\ntopic write machine/1\ntopic read machine/1/reply\n",
      errors);
  if (!errors.empty()) {
    std::fprintf(stderr, "ACL: %s\n", errors.front().c_str());
    return 1;
  }
  std::printf("Mosquitto ACL file (README's example, a pattern with %%c):\n");
  figure("monitor publishes to clients/<its id>/status (pattern)", calls, [&](std::size_t) {
    return acl.may_publish("monitor", "tool-3", "clients/tool-3/status");
  });
  figure("monitor subscribes to machine/# (user rule)", calls,
         [&](std::size_t) { return acl.may_subscribe("monitor", "tool-3", "machine/#"); });

  std::printf("per CONNECT of a board account (keyed hash, no password hashing):\n");
  const backend::BoardSecrets secrets(std::string(32, 'k'));
  const std::string secret = backend::BoardSecrets::generate();
  const std::string stored = secrets.hash(secret);
  const std::size_t connects = calls / 10;
  figure("its secret checked (HMAC-SHA256, constant-time compare)", connects,
         [&](std::size_t) { return secrets.verify(secret, stored); });
  return 0;
}
