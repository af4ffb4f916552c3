// The in-memory retained store: MQTT 3.1.1 section 3.3.1.3 (retain) and the matching of section
// 4.7, checked against topic_matches() on random topics and filters.
#include <gtest/gtest.h>
#include <malloc.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "broker/codec/topic.hpp"
#include "broker/core/retained_store.hpp"

using fabomatic::broker::is_valid_topic_filter;
using fabomatic::broker::make_memory_retained_store;
using fabomatic::broker::make_message;
using fabomatic::broker::MessagePtr;
using fabomatic::broker::RetainedStore;
using fabomatic::broker::topic_matches;

namespace {

void retain(RetainedStore& store, std::string topic, std::string payload) {
  store.store(make_message(std::move(topic), std::move(payload), 0, true));
}

// (topic, payload) of every visit, in visiting order.
std::vector<std::pair<std::string, std::string>> visits(const RetainedStore& store,
                                                        std::string_view filter) {
  std::vector<std::pair<std::string, std::string>> seen;
  store.match(filter, [&](const MessagePtr& m) { seen.emplace_back(m->topic, m->payload); });
  return seen;
}

// Topics visited, sorted; fails the test when a message is visited twice.
std::vector<std::string> topics(const RetainedStore& store, std::string_view filter) {
  std::vector<std::string> seen;
  for (auto& [topic, payload] : visits(store, filter))
    seen.push_back(topic);
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(std::adjacent_find(seen.begin(), seen.end()), seen.end())
      << "a retained message was visited twice for " << filter;
  return seen;
}

using Topics = std::vector<std::string>;

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

}  // namespace

TEST(RetainedStore, MQTT_3_3_1_5_NewMessageReplacesTheRetainedOne) {
  auto store = make_memory_retained_store();
  EXPECT_EQ(store->size(), 0u);
  retain(*store, "machine/1/status", "on");
  retain(*store, "machine/1/status", "off");
  EXPECT_EQ(store->size(), 1u);
  const auto seen = visits(*store, "machine/1/status");
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].second, "off");
}

TEST(RetainedStore, MQTT_3_3_1_10_EmptyPayloadRemovesTheRetainedMessage) {
  auto store = make_memory_retained_store();
  retain(*store, "a/b", "x");
  retain(*store, "a/b/c", "y");
  retain(*store, "a/b", "");
  EXPECT_EQ(store->size(), 1u);
  EXPECT_EQ(topics(*store, "#"), (Topics{"a/b/c"}));
  retain(*store, "a/b/c", "");
  EXPECT_EQ(store->size(), 0u);
  EXPECT_TRUE(visits(*store, "#").empty());
}

TEST(RetainedStore, MQTT_3_3_1_11_ZeroByteMessageIsNotStored) {
  auto store = make_memory_retained_store();
  retain(*store, "a/b", "");
  EXPECT_EQ(store->size(), 0u);
  EXPECT_TRUE(visits(*store, "a/b").empty());
  EXPECT_TRUE(visits(*store, "#").empty());
}

TEST(RetainedStore, MatchesWildcardsAndEmptyLevels) {
  auto store = make_memory_retained_store();
  for (const char* t : {"sport", "sport/", "sport/tennis", "sport/tennis/player1",
                        "sport/tennis/player1/ranking", "/finance", "finance", "a//b", "Sport"}) {
    retain(*store, t, "p");
  }
  EXPECT_EQ(store->size(), 9u);
  EXPECT_EQ(topics(*store, "sport"), (Topics{"sport"}));
  EXPECT_EQ(topics(*store, "sport/#"),
            (Topics{"sport", "sport/", "sport/tennis", "sport/tennis/player1",
                    "sport/tennis/player1/ranking"}));
  EXPECT_EQ(topics(*store, "sport/+"), (Topics{"sport/", "sport/tennis"}));
  EXPECT_EQ(topics(*store, "sport/tennis/+"), (Topics{"sport/tennis/player1"}));
  EXPECT_EQ(topics(*store, "+"), (Topics{"Sport", "finance", "sport"}));
  EXPECT_EQ(topics(*store, "+/+"), (Topics{"/finance", "sport/", "sport/tennis"}));
  EXPECT_EQ(topics(*store, "/+"), (Topics{"/finance"}));
  EXPECT_EQ(topics(*store, "a/+/b"), (Topics{"a//b"}));
  EXPECT_EQ(topics(*store, "+/tennis/#"),
            (Topics{"sport/tennis", "sport/tennis/player1", "sport/tennis/player1/ranking"}));
  EXPECT_EQ(topics(*store, "#").size(), 9u);
  EXPECT_TRUE(topics(*store, "sports/#").empty());
  EXPECT_TRUE(topics(*store, "sport/tennis/player1/ranking/x").empty());
}

TEST(RetainedStore, MQTT_4_7_2_1_DollarTopicsNotMatchedByLeadingWildcard) {
  auto store = make_memory_retained_store();
  retain(*store, "$SYS", "1");
  retain(*store, "$SYS/broker/uptime", "2");
  retain(*store, "$SYS/monitor/Clients", "3");
  retain(*store, "a/$x", "4");
  EXPECT_EQ(topics(*store, "#"), (Topics{"a/$x"}));
  EXPECT_TRUE(topics(*store, "+").empty());
  EXPECT_TRUE(topics(*store, "+/monitor/Clients").empty());
  EXPECT_EQ(topics(*store, "$SYS/#"),
            (Topics{"$SYS", "$SYS/broker/uptime", "$SYS/monitor/Clients"}));
  EXPECT_EQ(topics(*store, "$SYS/monitor/+"), (Topics{"$SYS/monitor/Clients"}));
  EXPECT_EQ(topics(*store, "a/+"), (Topics{"a/$x"}));
}

TEST(RetainedStore, VisitMayChangeTheStore) {
  auto store = make_memory_retained_store();
  for (int i = 0; i < 50; ++i)
    retain(*store, "t/" + std::to_string(i), "p");
  int visited = 0;
  store->match("t/#", [&](const MessagePtr& m) {
    ++visited;
    retain(*store, m->topic, "");  // clear each retained message while walking
    retain(*store, "u/" + m->topic, "q");
  });
  EXPECT_EQ(visited, 50);
  EXPECT_TRUE(visits(*store, "t/#").empty());
  EXPECT_EQ(store->size(), 50u);
}

TEST(RetainedStore, MemoryReturnsToBaselineAfterClearing) {
  if (!heap_is_measurable()) GTEST_SKIP() << "allocator does not report through mallinfo2";
  auto store = make_memory_retained_store();
  std::vector<MessagePtr> messages;
  std::vector<MessagePtr> clears;
  for (int i = 0; i < 2000; ++i) {
    const std::string topic = "machine/" + std::to_string(i) + "/status/" + std::to_string(i % 7);
    messages.push_back(make_message(topic, "on", 0, true));
    clears.push_back(make_message(topic, "", 0, true));
  }
  const std::size_t baseline = heap_in_use();
  for (const auto& m : messages)
    store->store(m);
  const std::size_t peak = heap_in_use();
  for (const auto& m : clears)
    store->store(m);
  const std::size_t after = heap_in_use();
  EXPECT_EQ(store->size(), 0u);
  ASSERT_GT(peak, baseline + 200 * 1024) << "the store should have grown measurably";
  EXPECT_LT(after, baseline + 8 * 1024) << "baseline " << baseline << ", after " << after;
}

// Topics may legally be 65535 bytes, that is 65536 levels: no recursion per level.
TEST(RetainedStore, MQTT_4_7_3_3_DeepestTopicsNeedNoRecursion) {
  const std::string slashes(65535, '/');
  std::string as = "a";
  while (as.size() + 2 <= 65535)
    as += "/a";
  std::string pluses = "+";
  while (pluses.size() + 2 <= 65535)
    pluses += "/+";
  auto store = make_memory_retained_store();
  retain(*store, slashes, "1");
  retain(*store, as, "2");
  EXPECT_EQ(topics(*store, "#"), (Topics{slashes, as}));
  EXPECT_EQ(topics(*store, pluses), (Topics{as}));
  EXPECT_EQ(topics(*store, slashes), (Topics{slashes}));
  retain(*store, slashes, "");
  EXPECT_EQ(store->size(), 1u);
  EXPECT_EQ(topics(*store, "#"), (Topics{as}));
  // The store is destroyed here with the deep "a" chain still in it.
}

// Random topics and filters over a small alphabet; each filter must visit exactly the retained
// messages that a brute-force topic_matches() selects, each once, with its latest payload.
TEST(RetainedStore, RandomizedCrossCheckAgainstTopicMatches) {
  std::mt19937 rng(7031);
  const std::vector<std::string> names = {"a", "b", "", "$x", "$SYS", "A", "7"};
  auto pick = [&](std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
  };
  auto random_topic = [&] {
    std::string topic;
    const std::size_t depth = 1 + pick(4);
    for (std::size_t i = 0; i < depth; ++i)
      topic += (i ? "/" : "") + names[pick(names.size())];
    return topic.empty() ? std::string("a") : topic;
  };
  auto random_filter = [&] {
    std::string filter;
    const std::size_t depth = 1 + pick(4);
    for (std::size_t i = 0; i < depth; ++i) {
      if (i) filter += "/";
      if (i + 1 == depth && pick(4) == 0) {
        filter += "#";
      } else {
        filter += pick(3) == 0 ? std::string("+") : names[pick(names.size())];
      }
    }
    return filter.empty() ? std::string("+") : filter;
  };

  auto store = make_memory_retained_store();
  std::map<std::string, std::string> reference;  // topic -> payload
  for (int round = 0; round < 4; ++round) {
    for (int i = 0; i < 300; ++i) {
      const std::string topic = random_topic();
      // One in three clears the topic.
      const std::string payload = pick(3) == 0 ? "" : "p" + std::to_string(round * 1000 + i);
      retain(*store, topic, payload);
      if (payload.empty()) {
        reference.erase(topic);
      } else {
        reference[topic] = payload;
      }
    }
    ASSERT_EQ(store->size(), reference.size());
    for (int i = 0; i < 500; ++i) {
      const std::string filter = random_filter();
      ASSERT_TRUE(is_valid_topic_filter(filter)) << filter;
      std::vector<std::pair<std::string, std::string>> expected;
      for (const auto& [topic, payload] : reference) {
        if (topic_matches(filter, topic)) expected.emplace_back(topic, payload);
      }
      auto seen = visits(*store, filter);
      std::sort(seen.begin(), seen.end());
      ASSERT_EQ(seen, expected) << "filter " << filter;
    }
  }
}
