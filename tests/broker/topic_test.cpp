// MQTT 3.1.1 section 4.7: topic names, topic filters and how they match.
#include "broker/codec/topic.hpp"

#include <gtest/gtest.h>

#include <string>

using fabomatic::broker::is_valid_topic_filter;
using fabomatic::broker::is_valid_topic_name;
using fabomatic::broker::topic_matches;

TEST(Topic, MQTT_4_7_3_1_EmptyNamesAndFiltersAreInvalid) {
  EXPECT_FALSE(is_valid_topic_name(""));
  EXPECT_FALSE(is_valid_topic_filter(""));
  EXPECT_TRUE(is_valid_topic_name("a"));
  EXPECT_TRUE(is_valid_topic_filter("a"));
  EXPECT_FALSE(topic_matches("#", ""));
  EXPECT_FALSE(topic_matches("", "a"));
}

TEST(Topic, MQTT_4_7_1_1_WildcardsAreNotAllowedInTopicNames) {
  EXPECT_FALSE(is_valid_topic_name("#"));
  EXPECT_FALSE(is_valid_topic_name("+"));
  EXPECT_FALSE(is_valid_topic_name("sport/+/player1"));
  EXPECT_FALSE(is_valid_topic_name("sport/tennis/#"));
  EXPECT_FALSE(is_valid_topic_name("sport+"));
  EXPECT_TRUE(is_valid_topic_name("sport/tennis/player1"));
}

TEST(Topic, MQTT_4_7_1_2_MultiLevelWildcardAloneAndLast) {
  EXPECT_TRUE(is_valid_topic_filter("#"));
  EXPECT_TRUE(is_valid_topic_filter("sport/#"));
  EXPECT_TRUE(is_valid_topic_filter("sport/tennis/#"));
  EXPECT_TRUE(is_valid_topic_filter("/#"));
  EXPECT_TRUE(is_valid_topic_filter("+/#"));
  EXPECT_FALSE(is_valid_topic_filter("sport/tennis#"));
  EXPECT_FALSE(is_valid_topic_filter("sport/tennis/#/ranking"));
  EXPECT_FALSE(is_valid_topic_filter("#/"));
  EXPECT_FALSE(is_valid_topic_filter("##"));
  EXPECT_FALSE(is_valid_topic_filter("#a"));
  EXPECT_FALSE(is_valid_topic_filter("a#"));
  EXPECT_FALSE(is_valid_topic_filter("+#"));
  EXPECT_FALSE(is_valid_topic_filter("#/#"));
}

TEST(Topic, MQTT_4_7_1_3_SingleLevelWildcardOccupiesWholeLevel) {
  EXPECT_TRUE(is_valid_topic_filter("+"));
  EXPECT_TRUE(is_valid_topic_filter("+/tennis/#"));
  EXPECT_TRUE(is_valid_topic_filter("sport/+/player1"));
  EXPECT_TRUE(is_valid_topic_filter("+/+"));
  EXPECT_TRUE(is_valid_topic_filter("/+"));
  EXPECT_TRUE(is_valid_topic_filter("+/"));
  EXPECT_TRUE(is_valid_topic_filter("a//+//b"));
  EXPECT_FALSE(is_valid_topic_filter("sport+"));
  EXPECT_FALSE(is_valid_topic_filter("+sport"));
  EXPECT_FALSE(is_valid_topic_filter("sport/+tennis"));
  EXPECT_FALSE(is_valid_topic_filter("sport/ten+nis/x"));
  EXPECT_FALSE(is_valid_topic_filter("++"));
  EXPECT_FALSE(is_valid_topic_filter("+/++"));
}

TEST(Topic, MQTT_4_7_3_2_NullCharacterIsInvalid) {
  const std::string with_null("a\0b", 3);
  EXPECT_FALSE(is_valid_topic_name(with_null));
  EXPECT_FALSE(is_valid_topic_filter(with_null));
  EXPECT_FALSE(is_valid_topic_filter(std::string("a/\0", 3)));
}

TEST(Topic, MQTT_4_7_3_3_AtMost65535Bytes) {
  const std::string longest(65535, 'x');
  const std::string too_long(65536, 'x');
  EXPECT_TRUE(is_valid_topic_name(longest));
  EXPECT_TRUE(is_valid_topic_filter(longest));
  EXPECT_FALSE(is_valid_topic_name(too_long));
  EXPECT_FALSE(is_valid_topic_filter(too_long));
  EXPECT_TRUE(is_valid_topic_filter(std::string(65533, 'x') + "/#"));
  EXPECT_FALSE(is_valid_topic_filter(std::string(65534, 'x') + "/#"));
}

TEST(Topic, SpacesAndOnlySeparatorsAreValid) {
  EXPECT_TRUE(is_valid_topic_name("/"));
  EXPECT_TRUE(is_valid_topic_name("//"));
  EXPECT_TRUE(is_valid_topic_name("a b/c d"));
  EXPECT_TRUE(is_valid_topic_filter("/"));
  EXPECT_TRUE(is_valid_topic_filter("a b/+"));
  EXPECT_TRUE(topic_matches("a b/+", "a b/c d"));
}

TEST(Topic, ExactFiltersMatchOnlyTheSameTopic) {
  EXPECT_TRUE(topic_matches("machine/7/reply", "machine/7/reply"));
  EXPECT_FALSE(topic_matches("machine/7/reply", "machine/7/repl"));
  EXPECT_FALSE(topic_matches("machine/7/reply", "machine/7/reply/x"));
  EXPECT_FALSE(topic_matches("machine/7/reply", "machine/7"));
  EXPECT_FALSE(topic_matches("machine/7", "machine/77"));
}

TEST(Topic, MatchingIsCaseSensitive) {
  EXPECT_FALSE(topic_matches("ACCOUNTS", "Accounts"));
  EXPECT_FALSE(topic_matches("sport/Tennis", "sport/tennis"));
  EXPECT_TRUE(topic_matches("Accounts", "Accounts"));
}

TEST(Topic, MultiLevelWildcardMatchesParentAndAllChildren) {
  EXPECT_TRUE(topic_matches("sport/tennis/player1/#", "sport/tennis/player1"));
  EXPECT_TRUE(topic_matches("sport/tennis/player1/#", "sport/tennis/player1/ranking"));
  EXPECT_TRUE(topic_matches("sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon"));
  EXPECT_TRUE(topic_matches("sport/#", "sport"));
  EXPECT_TRUE(topic_matches("sport/#", "sport/"));
  EXPECT_FALSE(topic_matches("sport/#", "sports"));
  EXPECT_FALSE(topic_matches("sport/tennis/#", "sport"));
  EXPECT_TRUE(topic_matches("#", "sport"));
  EXPECT_TRUE(topic_matches("#", "/"));
  EXPECT_TRUE(topic_matches("#", "a/b/c/d"));
  EXPECT_TRUE(topic_matches("+/#", "a"));
  EXPECT_TRUE(topic_matches("+/#", "a/b/c"));
}

TEST(Topic, SingleLevelWildcardMatchesExactlyOneLevel) {
  EXPECT_TRUE(topic_matches("sport/tennis/+", "sport/tennis/player1"));
  EXPECT_TRUE(topic_matches("sport/tennis/+", "sport/tennis/player2"));
  EXPECT_FALSE(topic_matches("sport/tennis/+", "sport/tennis/player1/ranking"));
  EXPECT_FALSE(topic_matches("sport/+", "sport"));
  EXPECT_TRUE(topic_matches("sport/+", "sport/"));
  EXPECT_TRUE(topic_matches("+", "sport"));
  EXPECT_FALSE(topic_matches("+", "sport/tennis"));
  EXPECT_TRUE(topic_matches("+/+", "/finance"));
  EXPECT_TRUE(topic_matches("/+", "/finance"));
  EXPECT_FALSE(topic_matches("+", "/finance"));
  EXPECT_TRUE(topic_matches("+/tennis/#", "sport/tennis/player1"));
  EXPECT_TRUE(topic_matches("machine/+/reply", "machine/42/reply"));
  EXPECT_FALSE(topic_matches("machine/+/reply", "machine/42/request"));
}

TEST(Topic, EmptyLevelsAreRealLevels) {
  EXPECT_TRUE(topic_matches("a//b", "a//b"));
  EXPECT_FALSE(topic_matches("a/b", "a//b"));
  EXPECT_TRUE(topic_matches("a/+/b", "a//b"));
  EXPECT_TRUE(topic_matches("+/a", "/a"));
  EXPECT_FALSE(topic_matches("a", "/a"));
  EXPECT_FALSE(topic_matches("a", "a/"));
  EXPECT_TRUE(topic_matches("a/+", "a/"));
  EXPECT_TRUE(topic_matches("a/", "a/"));
  EXPECT_TRUE(topic_matches("+/+", "/"));
  EXPECT_FALSE(topic_matches("+", "/"));
  EXPECT_TRUE(topic_matches("/", "/"));
  EXPECT_TRUE(topic_matches("//#", "/"));  // "#" matching the parent (empty) level
  EXPECT_FALSE(topic_matches("//", "/"));
}

TEST(Topic, MQTT_4_7_2_1_DollarTopicsNotMatchedByLeadingWildcard) {
  EXPECT_FALSE(topic_matches("#", "$SYS/broker/uptime"));
  EXPECT_FALSE(topic_matches("+/monitor/Clients", "$SYS/monitor/Clients"));
  EXPECT_FALSE(topic_matches("+", "$SYS"));
  EXPECT_FALSE(topic_matches("+/#", "$SYS/x"));
  EXPECT_FALSE(topic_matches("#", "$"));
}

TEST(Topic, DollarTopicsMatchedByFiltersStartingWithDollar) {
  EXPECT_TRUE(topic_matches("$SYS/#", "$SYS/x"));
  EXPECT_TRUE(topic_matches("$SYS/#", "$SYS"));
  EXPECT_TRUE(topic_matches("$SYS/monitor/+", "$SYS/monitor/Clients"));
  EXPECT_TRUE(topic_matches("$SYS/+/Clients", "$SYS/monitor/Clients"));
  EXPECT_FALSE(topic_matches("$SYS/#", "$SYSTEM/x"));
  // Only a leading '$' is special: wildcards match '$' in later levels.
  EXPECT_TRUE(topic_matches("+/$x", "a/$x"));
  EXPECT_TRUE(topic_matches("a/#", "a/$x"));
  EXPECT_TRUE(topic_matches("a/+", "a/$x"));
}
