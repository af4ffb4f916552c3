// The dashboard's model: what makes a machine online, and what survives a reload from the
// database (last heard, online) when the admin edits machines.
#include "backend/live_status.hpp"

#include <gtest/gtest.h>

namespace fabomatic::backend {
namespace {

MachineStatus machine(db::Id id, double last_heard = 0) {
  MachineStatus s;
  s.machine_id = id;
  s.name = "M" + std::to_string(id);
  s.last_heard = last_heard;
  return s;
}

constexpr double kNow = 1'800'000'000;

TEST(LiveStatus, HeardBeforeThisProcessIsLastSeenButNotOnline) {
  LiveStatus live(90);
  live.reset({machine(1, kNow - 10)});  // from the database: heard 10 s before a restart
  EXPECT_DOUBLE_EQ(live.machine(1)->last_heard, kNow - 10);
  EXPECT_FALSE(live.machine(1)->online);
  EXPECT_FALSE(live.is_online(1, kNow));  // a remote start is refused as offline at once
  live.heard(1, kNow);
  EXPECT_TRUE(live.is_online(1, kNow + 90));
  EXPECT_FALSE(live.is_online(1, kNow + 91));
}

TEST(LiveStatus, AReloadKeepsOnlineAndTheNewestLastHeard) {
  LiveStatus live(90);
  live.reset({machine(1), machine(2)});
  live.heard(1, kNow);
  // The database's last_seen is written in batches: it may be older than what the model heard.
  live.reset({machine(1, kNow - 30), machine(2, kNow - 500)});
  EXPECT_TRUE(live.machine(1)->online);
  EXPECT_DOUBLE_EQ(live.machine(1)->last_heard, kNow);
  EXPECT_FALSE(live.machine(2)->online);
  EXPECT_DOUBLE_EQ(live.machine(2)->last_heard, kNow - 500);
}

TEST(LiveStatus, ABoardHeardBeforeItsMachineExistedIsOnlineWithinTheWindow) {
  LiveStatus live(90);
  std::vector<LiveEvent> events;
  live.add_listener([&](const LiveEvent& e) { events.push_back(e); });
  live.reset({machine(7), machine(8)});
  events.clear();
  live.heard_at(7, kNow - 20, kNow);
  EXPECT_TRUE(live.machine(7)->online);
  EXPECT_DOUBLE_EQ(live.machine(7)->last_heard, kNow - 20);
  ASSERT_EQ(events.size(), 1u);  // the dashboard hears it
  EXPECT_TRUE(events[0].machine.online);
  live.heard_at(8, kNow - 91, kNow);  // silent for longer than the window
  EXPECT_FALSE(live.machine(8)->online);
  EXPECT_DOUBLE_EQ(live.machine(8)->last_heard, kNow - 91);
  live.expire(kNow + 71);
  EXPECT_FALSE(live.machine(7)->online);
}

}  // namespace
}  // namespace fabomatic::backend
