// The subscription tree: MQTT 3.1.1 matching (section 4.7) through the trie, agreement with
// topic_matches() on random filters and topics, and the bookkeeping that makes memory return
// after unsubscribing.
#include "broker/core/subscription_tree.hpp"

#include <gtest/gtest.h>
#include <malloc.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "broker/codec/topic.hpp"

using fabomatic::broker::is_valid_topic_filter;
using fabomatic::broker::is_valid_topic_name;
using fabomatic::broker::Subscriber;
using fabomatic::broker::SubscriberId;
using fabomatic::broker::SubscriptionTree;
using fabomatic::broker::topic_matches;

namespace {

using Entry = std::pair<SubscriberId, int>;  // (id, qos), printable by GoogleTest

std::vector<Entry> sorted(const std::vector<Subscriber>& subscribers) {
  std::vector<Entry> entries;
  for (const Subscriber& s : subscribers)
    entries.emplace_back(s.id, s.qos);
  std::sort(entries.begin(), entries.end());
  return entries;
}

std::vector<Entry> match(const SubscriptionTree& tree, std::string_view topic) {
  std::vector<Subscriber> out;
  tree.match(topic, out);
  return sorted(out);
}

// Bytes handed out by malloc, or 0 when the allocator does not report through mallinfo2 (the
// sanitizer runtimes have their own allocator).
std::size_t heap_in_use() {
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

bool heap_is_measurable() {
  const std::size_t before = heap_in_use();
  std::vector<std::unique_ptr<char[]>> blocks;
  for (int i = 0; i < 1000; ++i)
    blocks.push_back(std::make_unique<char[]>(256));
  // Blocks taken from malloc's per-thread cache were already counted: expect half of them.
  return heap_in_use() >= before + 500 * 256;
}

std::string board_topic(int board, const char* sub) {
  return "machine/" + std::to_string(board) + "/" + sub;
}

}  // namespace

TEST(SubscriptionTree, EmptyTreeMatchesNothing) {
  SubscriptionTree tree;
  EXPECT_EQ(tree.size(), 0u);
  EXPECT_EQ(tree.node_count(), 0u);
  EXPECT_TRUE(match(tree, "a/b").empty());
}

TEST(SubscriptionTree, ExactFilterMatchesItsTopicOnly) {
  SubscriptionTree tree;
  EXPECT_TRUE(tree.add("machine/7/reply", 7, 0));
  EXPECT_EQ(match(tree, "machine/7/reply"), (std::vector<Entry>{{7, 0}}));
  EXPECT_TRUE(match(tree, "machine/7").empty());
  EXPECT_TRUE(match(tree, "machine/7/reply/x").empty());
  EXPECT_TRUE(match(tree, "machine/8/reply").empty());
  EXPECT_TRUE(match(tree, "Machine/7/reply").empty());  // case-sensitive
}

TEST(SubscriptionTree, MQTT_3_8_4_3_ResubscribeReplacesQos) {
  SubscriptionTree tree;
  EXPECT_TRUE(tree.add("a/b", 1, 0));
  EXPECT_FALSE(tree.add("a/b", 1, 2));
  EXPECT_EQ(tree.size(), 1u);
  EXPECT_EQ(match(tree, "a/b"), (std::vector<Entry>{{1, 2}}));
  EXPECT_TRUE(tree.add("a/#", 1, 1));
  EXPECT_FALSE(tree.add("a/#", 1, 2));
  EXPECT_EQ(tree.size(), 2u);
  EXPECT_EQ(match(tree, "a/b"), (std::vector<Entry>{{1, 2}, {1, 2}}));
}

TEST(SubscriptionTree, MQTT_3_3_5_1_OverlappingFiltersGiveOneEntryPerFilter) {
  SubscriptionTree tree;
  tree.add("sport/tennis/+", 1, 1);
  tree.add("sport/#", 1, 2);
  tree.add("sport/tennis/player1", 2, 0);
  EXPECT_EQ(match(tree, "sport/tennis/player1"), (std::vector<Entry>{{1, 1}, {1, 2}, {2, 0}}));
}

TEST(SubscriptionTree, MultiLevelWildcardMatchesParentAndChildren) {
  SubscriptionTree tree;
  tree.add("sport/#", 1, 0);
  tree.add("#", 2, 0);
  EXPECT_EQ(match(tree, "sport"), (std::vector<Entry>{{1, 0}, {2, 0}}));
  EXPECT_EQ(match(tree, "sport/"), (std::vector<Entry>{{1, 0}, {2, 0}}));
  EXPECT_EQ(match(tree, "sport/tennis/player1"), (std::vector<Entry>{{1, 0}, {2, 0}}));
  EXPECT_EQ(match(tree, "sports"), (std::vector<Entry>{{2, 0}}));
  EXPECT_EQ(match(tree, "/"), (std::vector<Entry>{{2, 0}}));
}

TEST(SubscriptionTree, SingleLevelWildcardMatchesOneLevelIncludingEmpty) {
  SubscriptionTree tree;
  tree.add("+", 1, 0);
  tree.add("+/+", 2, 0);
  tree.add("/+", 3, 0);
  tree.add("sport/+", 4, 0);
  tree.add("+/#", 5, 0);
  EXPECT_EQ(match(tree, "/finance"), (std::vector<Entry>{{2, 0}, {3, 0}, {5, 0}}));
  EXPECT_EQ(match(tree, "/"), (std::vector<Entry>{{2, 0}, {3, 0}, {5, 0}}));
  EXPECT_EQ(match(tree, "sport"), (std::vector<Entry>{{1, 0}, {5, 0}}));
  EXPECT_EQ(match(tree, "sport/"), (std::vector<Entry>{{2, 0}, {4, 0}, {5, 0}}));
  EXPECT_EQ(match(tree, "sport/tennis/x"), (std::vector<Entry>{{5, 0}}));
}

TEST(SubscriptionTree, EmptyLevelsAreRealLevels) {
  SubscriptionTree tree;
  tree.add("a//b", 1, 0);
  tree.add("a/b", 2, 0);
  tree.add("a/", 3, 0);
  tree.add("/a", 4, 0);
  EXPECT_EQ(match(tree, "a//b"), (std::vector<Entry>{{1, 0}}));
  EXPECT_EQ(match(tree, "a/b"), (std::vector<Entry>{{2, 0}}));
  EXPECT_EQ(match(tree, "a/"), (std::vector<Entry>{{3, 0}}));
  EXPECT_EQ(match(tree, "/a"), (std::vector<Entry>{{4, 0}}));
  EXPECT_TRUE(match(tree, "a").empty());
}

TEST(SubscriptionTree, MQTT_4_7_2_1_DollarTopicsNotMatchedByLeadingWildcard) {
  SubscriptionTree tree;
  tree.add("#", 1, 0);
  tree.add("+/monitor/Clients", 2, 0);
  tree.add("+/#", 3, 0);
  tree.add("$SYS/#", 4, 0);
  tree.add("$SYS/monitor/+", 5, 0);
  tree.add("a/+", 6, 0);
  EXPECT_EQ(match(tree, "$SYS/monitor/Clients"), (std::vector<Entry>{{4, 0}, {5, 0}}));
  EXPECT_EQ(match(tree, "$SYS"), (std::vector<Entry>{{4, 0}}));
  EXPECT_EQ(match(tree, "x/monitor/Clients"), (std::vector<Entry>{{1, 0}, {2, 0}, {3, 0}}));
  // Only a leading '$' is special.
  EXPECT_EQ(match(tree, "a/$x"), (std::vector<Entry>{{1, 0}, {3, 0}, {6, 0}}));
}

TEST(SubscriptionTree, RemoveReturnsWhetherTheSubscriptionExisted) {
  SubscriptionTree tree;
  tree.add("a/+/c", 1, 0);
  tree.add("a/+/c", 2, 1);
  EXPECT_FALSE(tree.remove("a/+/c", 3));
  EXPECT_FALSE(tree.remove("a/b/c", 1));
  EXPECT_FALSE(tree.remove("a/+", 1));
  EXPECT_FALSE(tree.remove("a/+/c/#", 1));
  EXPECT_TRUE(tree.remove("a/+/c", 1));
  EXPECT_FALSE(tree.remove("a/+/c", 1));
  EXPECT_EQ(tree.size(), 1u);
  EXPECT_EQ(match(tree, "a/b/c"), (std::vector<Entry>{{2, 1}}));
}

TEST(SubscriptionTree, RemoveFreesTheNodesLeftUnused) {
  SubscriptionTree tree;
  tree.add("a/b/c", 1, 0);
  EXPECT_EQ(tree.node_count(), 3u);
  tree.add("a/b/#", 1, 0);  // "#" lives in its parent node
  EXPECT_EQ(tree.node_count(), 3u);
  tree.add("a/+/c", 1, 0);
  EXPECT_EQ(tree.node_count(), 5u);
  tree.add("a", 2, 0);
  EXPECT_EQ(tree.node_count(), 5u);

  EXPECT_TRUE(tree.remove("a/b/c", 1));
  EXPECT_EQ(tree.node_count(), 4u);  // "a/b" still holds "a/b/#"
  EXPECT_TRUE(tree.remove("a/b/#", 1));
  EXPECT_EQ(tree.node_count(), 3u);
  EXPECT_TRUE(tree.remove("a/+/c", 1));
  EXPECT_EQ(tree.node_count(), 1u);  // "a" still has a subscriber
  EXPECT_TRUE(tree.remove("a", 2));
  EXPECT_EQ(tree.node_count(), 0u);
  EXPECT_EQ(tree.size(), 0u);
  EXPECT_TRUE(match(tree, "a/b/c").empty());
}

TEST(SubscriptionTree, ManySubscribersOnOneFilterGrowAndShrink) {
  SubscriptionTree tree;
  for (SubscriberId id = 0; id < 1000; ++id)
    EXPECT_TRUE(tree.add("news", id, id % 3));
  std::vector<Subscriber> out;
  tree.match("news", out);
  ASSERT_EQ(out.size(), 1000u);
  for (SubscriberId id = 0; id < 1000; id += 2)
    EXPECT_TRUE(tree.remove("news", id));
  const auto left = match(tree, "news");
  ASSERT_EQ(left.size(), 500u);
  for (std::size_t i = 0; i < left.size(); ++i) {
    EXPECT_EQ(left[i].first, 2 * i + 1);
    EXPECT_EQ(left[i].second, static_cast<int>((2 * i + 1) % 3));
  }
  for (SubscriberId id = 1; id < 1000; id += 2)
    EXPECT_TRUE(tree.remove("news", id));
  EXPECT_EQ(tree.node_count(), 0u);
}

// The shape of the appliance: every board has its reply and request topics, the backend and
// some monitors use wildcards. A level with thousands of names switches to a hash index and
// back; matching stays exact through it.
TEST(SubscriptionTree, ThousandsOfBoardsThenMassUnsubscribe) {
  constexpr int kBoards = 5000;
  constexpr SubscriberId kBackend = 100000;
  constexpr SubscriberId kMonitor = 100001;
  constexpr SubscriberId kEverything = 100002;
  SubscriptionTree tree;
  tree.add("machine/+/request", kBackend, 1);
  tree.add("machine/#", kMonitor, 0);
  tree.add("#", kEverything, 0);
  const std::size_t wildcard_nodes = tree.node_count();
  for (int b = 0; b < kBoards; ++b) {
    tree.add(board_topic(b, "reply"), b, 0);
    tree.add(board_topic(b, "request"), kBoards + b, 0);
  }
  EXPECT_EQ(tree.size(), 3u + 2 * kBoards);
  EXPECT_EQ(tree.node_count(), wildcard_nodes + 3 * kBoards);

  EXPECT_EQ(
      match(tree, "machine/4321/request"),
      (std::vector<Entry>{{kBoards + 4321, 0}, {kBackend, 1}, {kMonitor, 0}, {kEverything, 0}}));
  EXPECT_EQ(match(tree, "machine/17/reply"),
            (std::vector<Entry>{{17, 0}, {kMonitor, 0}, {kEverything, 0}}));
  EXPECT_EQ(match(tree, "machine/5000/reply"),
            (std::vector<Entry>{{kMonitor, 0}, {kEverything, 0}}));

  // Unsubscribe all but a few boards: the level shrinks back below the hash-index threshold.
  for (int b = 3; b < kBoards; ++b) {
    EXPECT_TRUE(tree.remove(board_topic(b, "reply"), b));
    EXPECT_TRUE(tree.remove(board_topic(b, "request"), kBoards + b));
  }
  EXPECT_EQ(tree.node_count(), wildcard_nodes + 3 * 3);
  EXPECT_EQ(match(tree, "machine/2/reply"),
            (std::vector<Entry>{{2, 0}, {kMonitor, 0}, {kEverything, 0}}));
  EXPECT_EQ(match(tree, "machine/4321/reply"),
            (std::vector<Entry>{{kMonitor, 0}, {kEverything, 0}}));
  for (int b = 0; b < 3; ++b) {
    EXPECT_TRUE(tree.remove(board_topic(b, "reply"), b));
    EXPECT_TRUE(tree.remove(board_topic(b, "request"), kBoards + b));
  }
  EXPECT_EQ(tree.node_count(), wildcard_nodes);
  EXPECT_TRUE(tree.remove("machine/+/request", kBackend));
  EXPECT_TRUE(tree.remove("machine/#", kMonitor));
  EXPECT_TRUE(tree.remove("#", kEverything));
  EXPECT_EQ(tree.node_count(), 0u);
  EXPECT_EQ(tree.size(), 0u);
}

TEST(SubscriptionTree, MemoryReturnsToBaselineAfterMassUnsubscribe) {
  if (!heap_is_measurable()) GTEST_SKIP() << "allocator does not report through mallinfo2";
  SubscriptionTree tree;
  const std::size_t baseline = heap_in_use();
  for (int b = 0; b < 3000; ++b) {
    tree.add(board_topic(b, "reply"), b, 0);
    tree.add(board_topic(b, "request"), b, 0);
    tree.add("machine/+/status", b, 1);
  }
  const std::size_t peak = heap_in_use();
  for (int b = 0; b < 3000; ++b) {
    tree.remove(board_topic(b, "reply"), b);
    tree.remove(board_topic(b, "request"), b);
    tree.remove("machine/+/status", b);
  }
  const std::size_t after = heap_in_use();
  ASSERT_GT(peak, baseline + 500 * 1024) << "the tree should have grown measurably";
  // malloc's per-thread caches keep a few freed blocks counted as in use: allow a little.
  EXPECT_LT(after, baseline + 8 * 1024) << "baseline " << baseline << ", after " << after;
}

// The budget is about 3.6 KB per idle board connection with its subscription, socket and session;
// the tree's part for one board's `machine/<n>/reply` must stay a small fraction of it.
TEST(SubscriptionTree, BytesPerBoardSubscriptionStaySmall) {
  if (!heap_is_measurable()) GTEST_SKIP() << "allocator does not report through mallinfo2";
  constexpr int kBoards = 4000;
  SubscriptionTree tree;
  std::vector<std::string> topics;
  for (int b = 0; b < kBoards; ++b)
    topics.push_back(board_topic(b, "reply"));
  const std::size_t before = heap_in_use();
  for (int b = 0; b < kBoards; ++b)
    tree.add(topics[b], b, 0);
  const std::size_t per_subscription = (heap_in_use() - before) / kBoards;
  EXPECT_LE(per_subscription, 400u);
}

// Filters may legally be 65535 bytes, that is 65536 empty levels: adding, matching, removing and
// destroying must not recurse once per level.
TEST(SubscriptionTree, MQTT_4_7_3_3_DeepestFiltersNeedNoRecursion) {
  const std::string slashes(65535, '/');
  std::string pluses = "+";
  while (pluses.size() + 2 <= 65535)
    pluses += "/+";
  std::string as = "a";
  while (as.size() + 2 <= 65535)
    as += "/a";
  ASSERT_TRUE(is_valid_topic_filter(slashes));
  ASSERT_TRUE(is_valid_topic_filter(pluses));
  ASSERT_TRUE(is_valid_topic_name(as));

  SubscriptionTree tree;
  tree.add(slashes, 1, 0);
  tree.add(pluses, 2, 0);
  tree.add(as, 3, 0);
  tree.add(pluses.substr(0, pluses.size() - 1) + "#", 4, 0);
  EXPECT_EQ(match(tree, slashes), (std::vector<Entry>{{1, 0}, {4, 0}}));
  // "a/a/.../a" follows both the "+" and the "a" branch at every level.
  EXPECT_EQ(match(tree, as), (std::vector<Entry>{{2, 0}, {3, 0}, {4, 0}}));
  EXPECT_TRUE(tree.remove(slashes, 1));
  EXPECT_TRUE(tree.remove(as, 3));
  EXPECT_EQ(tree.node_count(), as.size() / 2 + 1);
  // The tree is destroyed here with the "+" chain still in it.
}

// A topic whose every level has both an exact and a "+" branch keeps one pending branch per
// level: past the match stack's inline frames it must spill and still find everything.
TEST(SubscriptionTree, ManyPendingBranchesAtOnce) {
  SubscriptionTree tree;
  std::string prefix;
  for (SubscriberId k = 0; k < 100; ++k) {
    tree.add(prefix + "+", k, 0);  // k levels of "a", then "+"
    prefix += "a/";
  }
  std::string topic = "a";
  for (int level = 2; level <= 100; ++level)
    topic += "/a";
  tree.add(topic, 1000, 1);
  EXPECT_EQ(match(tree, topic), (std::vector<Entry>{{99, 0}, {1000, 1}}));
  EXPECT_EQ(match(tree, "a/a/a"), (std::vector<Entry>{{2, 0}}));
  EXPECT_EQ(match(tree, topic + "/a"), (std::vector<Entry>{}));
}

// Random filters and topics over a given alphabet of level names; the tree must give exactly
// what a brute-force topic_matches() over every subscription gives, through adds, QoS
// replacements and removals.
class RandomCrossCheck {
 public:
  RandomCrossCheck(std::vector<std::string> names, unsigned seed, std::size_t max_depth,
                   SubscriberId ids)
      : names_(std::move(names)), rng_(seed), max_depth_(max_depth), ids_(ids) {}

  void round(int adds, int removes, int topics) {
    for (int i = 0; i < adds; ++i) {
      const std::string filter = random_filter();
      ASSERT_TRUE(is_valid_topic_filter(filter)) << filter;
      const auto id = static_cast<SubscriberId>(pick(ids_));
      const auto qos = static_cast<std::uint8_t>(pick(3));
      const bool is_new = reference_.find({filter, id}) == reference_.end();
      EXPECT_EQ(tree_.add(filter, id, qos), is_new) << filter;
      reference_[{filter, id}] = qos;
    }
    for (int i = 0; i < removes && !reference_.empty(); ++i) {
      if (pick(4) == 0) {  // often a subscription that does not exist
        const std::string filter = random_filter();
        const auto id = static_cast<SubscriberId>(pick(ids_));
        EXPECT_EQ(tree_.remove(filter, id), reference_.erase({filter, id}) == 1) << filter;
      } else {
        auto it = reference_.begin();
        std::advance(it, static_cast<std::ptrdiff_t>(pick(reference_.size())));
        EXPECT_TRUE(tree_.remove(it->first.first, it->first.second)) << it->first.first;
        reference_.erase(it);
      }
    }
    ASSERT_EQ(tree_.size(), reference_.size());
    for (int i = 0; i < topics; ++i) {
      const std::string topic = random_topic();
      ASSERT_TRUE(is_valid_topic_name(topic)) << topic;
      std::vector<Entry> expected;
      for (const auto& [key, qos] : reference_) {
        if (topic_matches(key.first, topic)) expected.emplace_back(key.second, qos);
      }
      std::sort(expected.begin(), expected.end());
      ASSERT_EQ(match(tree_, topic), expected) << "topic " << topic;
    }
  }

  void remove_all() {
    for (const auto& [key, qos] : reference_)
      EXPECT_TRUE(tree_.remove(key.first, key.second));
    reference_.clear();
    EXPECT_EQ(tree_.size(), 0u);
    EXPECT_EQ(tree_.node_count(), 0u);
  }

 private:
  std::size_t pick(std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_);
  }
  const std::string& name() { return names_[pick(names_.size())]; }
  std::string random_topic() {
    std::string topic;
    const std::size_t depth = 1 + pick(max_depth_);
    for (std::size_t i = 0; i < depth; ++i)
      topic += (i ? "/" : "") + name();
    return topic.empty() ? std::string("a") : topic;
  }
  std::string random_filter() {
    std::string filter;
    const std::size_t depth = 1 + pick(max_depth_);
    for (std::size_t i = 0; i < depth; ++i) {
      if (i) filter += "/";
      if (i + 1 == depth && pick(4) == 0) {
        filter += "#";
      } else {
        filter += pick(3) == 0 ? std::string("+") : name();
      }
    }
    return filter.empty() ? std::string("+") : filter;
  }

  std::vector<std::string> names_;
  std::mt19937 rng_;
  std::size_t max_depth_;
  SubscriberId ids_;
  SubscriptionTree tree_;
  std::map<std::pair<std::string, SubscriberId>, int> reference_;  // (filter, id) -> qos
};

// Few names, so that filters overlap a lot; '$' names at the first and later levels.
TEST(SubscriptionTree, RandomizedCrossCheckAgainstTopicMatches) {
  RandomCrossCheck check({"a", "b", "", "$x", "$SYS", "A", "machine", "7"}, 20240611, 4, 30);
  for (int round = 0; round < 3; ++round)
    check.round(400, 200, 700);
  check.remove_all();
}

// Many names per level, so that levels switch to the hash index and back as they fill and
// empty.
TEST(SubscriptionTree, RandomizedCrossCheckWithWideLevels) {
  std::vector<std::string> names = {"", "$x", "a"};
  for (int i = 0; i < 80; ++i)
    names.push_back(std::to_string(i));
  RandomCrossCheck check(names, 4242, 3, 4);
  for (int round = 0; round < 3; ++round)
    check.round(1500, 300, 200);
  for (int round = 0; round < 3; ++round)
    check.round(100, 1200, 200);
  check.remove_all();
}
