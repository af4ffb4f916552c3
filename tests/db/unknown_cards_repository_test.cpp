#include "db/unknown_cards_repository.hpp"

#include "db/repository.hpp"
#include "repo_support.hpp"

namespace fabomatic::db::test {
namespace {

class UnknownCardsRepositoryTest : public RepoTest {
 protected:
  UnknownCardsRepository taps{conn};
  Id m1 = add_machine("M1");
  Id m2 = add_machine("M2");
};

std::vector<Id> ids(const std::vector<UnknownCard>& list) {
  std::vector<Id> out;
  for (const auto& t : list)
    out.push_back(t.id);
  return out;
}

TEST_F(UnknownCardsRepositoryTest, RecordStoresLowercaseAndGetReadsBack) {
  const Id id = taps.record("DEADBEEF", m1, 123.5);
  const auto tap = taps.get(id);
  ASSERT_TRUE(tap);
  EXPECT_EQ(tap->card, "deadbeef");
  EXPECT_EQ(tap->machine_id, m1);
  EXPECT_EQ(tap->timestamp, 123.5);
  EXPECT_FALSE(taps.get(id + 1));
  try {
    taps.record("deadbeef", 999, 1);
    FAIL() << "expected Conflict";
  } catch (const Conflict& conflict) {
    EXPECT_EQ(conflict.field(), "machine");
  }
}

TEST_F(UnknownCardsRepositoryTest, ListNewestFirstWithFiltersAndPaging) {
  const Id a = taps.record("aaaa0001", m1, 10);
  const Id b = taps.record("bbbb0002", m2, 30);
  const Id c = taps.record("aaaa0001", m2, 20);
  EXPECT_EQ(ids(taps.list()), (std::vector<Id>{b, c, a}));
  EXPECT_EQ(taps.count(), 3);
  EXPECT_EQ(ids(taps.list({.machine_id = m2})), (std::vector<Id>{b, c}));
  EXPECT_EQ(ids(taps.list({.card = "AAAA0001"})), (std::vector<Id>{c, a}));
  EXPECT_EQ(taps.count({.machine_id = m1, .card = "aaaa0001"}), 1);
  EXPECT_EQ(ids(taps.list({}, {.limit = 1, .offset = 1})), (std::vector<Id>{c}));
}

TEST_F(UnknownCardsRepositoryTest, RemoveAndRemoveCardInAnyCase) {
  const Id a = taps.record("aaaa0001", m1, 10);
  taps.record("aaaa0001", m2, 20);
  const Id keep = taps.record("bbbb0002", m1, 30);
  conn.execute(
      "INSERT INTO unknown_cards (\"card_UUID\", timestamp, machine_id) VALUES "
      "('AAAA0001', 40, ?)",
      m1);  // a legacy tap in upper case
  EXPECT_TRUE(taps.remove(a));
  EXPECT_FALSE(taps.remove(a));
  EXPECT_EQ(taps.remove_card("AaAa0001"), 2);
  EXPECT_EQ(ids(taps.list()), (std::vector<Id>{keep}));
}

}  // namespace
}  // namespace fabomatic::db::test
