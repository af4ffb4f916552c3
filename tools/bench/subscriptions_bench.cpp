// Subscription-tree micro-benchmark: match time per publish with 1k, 10k and 50k filters shaped
// like the appliance's (every board on machine/<n>/reply and machine/<n>/request, the backend
// and a few monitors on wildcards), and heap bytes per subscription (mallinfo2 before/after).
//
//   subscriptions_bench [publishes per size, default 1000000]
#include <malloc.h>
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "broker/core/subscription_tree.hpp"

using fabomatic::broker::Subscriber;
using fabomatic::broker::SubscriberId;
using fabomatic::broker::SubscriptionTree;

namespace {

// Time this thread spent on the CPU: the figures stay meaningful on a machine shared with builds.
std::chrono::nanoseconds cpu_now() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

std::size_t heap_in_use() {
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

// The wildcard filters of the appliance: the backend, monitoring clients, a catch-all.
const char* const kWildcardFilters[] = {"machine/+/request", "machine/+", "machine/#",    "#",
                                        "+/+/reply",         "$SYS/#",    "machine/+/+/x"};

struct Subscription {
  std::string filter;
  SubscriberId id;
};

// `count` subscriptions: the wildcard ones, then two per board until the count is reached.
std::vector<Subscription> appliance_subscriptions(std::size_t count) {
  std::vector<Subscription> subs;
  SubscriberId id = 1'000'000;
  for (const char* f : kWildcardFilters)
    subs.push_back({f, id++});
  for (std::size_t board = 0; subs.size() < count; ++board) {
    const std::string prefix = "machine/" + std::to_string(board) + "/";
    subs.push_back({prefix + "reply", static_cast<SubscriberId>(board)});
    if (subs.size() < count) subs.push_back({prefix + "request", static_cast<SubscriberId>(board)});
  }
  return subs;
}

void run(std::size_t filters, std::size_t publishes) {
  const std::vector<Subscription> subs = appliance_subscriptions(filters);
  const std::size_t boards = (filters - std::size(kWildcardFilters) + 1) / 2;

  // Topics published: requests from and replies to random boards, plus some misses.
  std::mt19937 rng(42);
  std::uniform_int_distribution<std::size_t> board(0, boards + boards / 10);
  std::vector<std::string> topics;
  for (int i = 0; i < 4096; ++i) {
    topics.push_back("machine/" + std::to_string(board(rng)) + (i % 2 ? "/reply" : "/request"));
  }

  const std::size_t heap_before = heap_in_use();
  SubscriptionTree tree;
  const auto add_start = cpu_now();
  for (const Subscription& s : subs)
    tree.add(s.filter, s.id, 1);
  const auto add_end = cpu_now();
  const std::size_t heap_after = heap_in_use();
  const std::size_t nodes = tree.node_count();

  std::vector<Subscriber> out;
  out.reserve(64);
  std::size_t delivered = 0;
  const auto match_start = cpu_now();
  for (std::size_t i = 0; i < publishes; ++i) {
    out.clear();
    tree.match(topics[i % topics.size()], out);
    delivered += out.size();
  }
  const auto match_end = cpu_now();

  const auto remove_start = cpu_now();
  for (const Subscription& s : subs)
    tree.remove(s.filter, s.id);
  const auto remove_end = cpu_now();
  const std::size_t heap_emptied = heap_in_use();

  using ns = std::chrono::duration<double, std::nano>;
  const double match_ns = ns(match_end - match_start).count() / static_cast<double>(publishes);
  const double add_ns = ns(add_end - add_start).count() / static_cast<double>(subs.size());
  const double remove_ns = ns(remove_end - remove_start).count() / static_cast<double>(subs.size());
  std::printf(
      "%7zu filters  %5.0f ns/match  %5.2f subscribers/match  add %4.0f ns  remove %4.0f ns  "
      "%5.0f bytes/subscription  %6zu nodes  heap %+lld bytes after removing all\n",
      subs.size(), match_ns, static_cast<double>(delivered) / static_cast<double>(publishes),
      add_ns, remove_ns,
      static_cast<double>(heap_after - heap_before) / static_cast<double>(subs.size()), nodes,
      static_cast<long long>(heap_emptied - heap_before));
}

// Heap bytes that one board adds with just its reply subscription, the appliance's usual case.
void bytes_per_board(std::size_t boards) {
  std::vector<std::string> filters;
  for (std::size_t b = 0; b < boards; ++b)
    filters.push_back("machine/" + std::to_string(b) + "/reply");
  SubscriptionTree tree;
  const std::size_t before = heap_in_use();
  for (std::size_t b = 0; b < boards; ++b)
    tree.add(filters[b], static_cast<SubscriberId>(b), 0);
  const std::size_t after = heap_in_use();
  std::printf("%7zu boards with machine/<n>/reply only: %.0f bytes per subscription (%zu nodes)\n",
              boards, static_cast<double>(after - before) / static_cast<double>(boards),
              tree.node_count());
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t publishes = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1'000'000;
  std::printf(
      "match(): %zu publishes per size, topics machine/<n>/{request,reply}; thread CPU time\n",
      publishes);
  for (const std::size_t filters : {1'000u, 10'000u, 50'000u})
    run(filters, publishes);
  for (const std::size_t boards : {1'000u, 5'000u})
    bytes_per_board(boards);
  return 0;
}
