// A member's new password (create, change, unknown card converted) is hashed through
// ApiContext::password_work before the handler runs — in the portal, on the password worker
// rather than the reactor — and what is stored is a hash of exactly that password.
#include <optional>
#include <thread>

#include "db/passwords.hpp"
#include "db/unknown_cards_repository.hpp"
#include "db/users_repository.hpp"
#include "support_api.hpp"
#include "web/api/password_first.hpp"

namespace fabomatic::web::api::test {
namespace {

class PasswordFirstTest : public ApiTest {
 protected:
  // Runs each job on a thread of its own, then its continuation here, as the portal's worker
  // and reactor would (one after the other, so the synchronous harness gets its answer).
  void hash_on_another_thread() {
    context_.password_work = [this](std::function<std::function<void()>()> job) {
      ++jobs_;
      std::function<void()> then;
      std::thread worker([&] {
        worker_thread_ = std::this_thread::get_id();
        then = job();
      });
      worker.join();
      if (then) then();
      return true;
    };
  }
  std::string stored_hash(db::Id id) {
    const auto user = db::UsersRepository(db_).get(id);
    return user && user->password_hash ? *user->password_hash : "";
  }

  int jobs_ = 0;
  std::thread::id worker_thread_;
};

TEST_F(PasswordFirstTest, ANewMembersPasswordIsHashedOnTheWorkerAndStoredAsThatHash) {
  hash_on_another_thread();
  const db::Id id =
      create("members", json{{"name", "Anna"}, {"role_id", 3}, {"password", "first secret"}});
  ASSERT_NE(id, 0);
  EXPECT_EQ(jobs_, 1);
  EXPECT_NE(worker_thread_, std::this_thread::get_id());
  EXPECT_TRUE(db::verify_password("first secret", stored_hash(id)));

  const std::string url = "/api/v1/members/" + std::to_string(id);
  ASSERT_EQ(patch(url, {{"password", "second secret"}}).status, 200);
  EXPECT_EQ(jobs_, 2);
  EXPECT_TRUE(db::verify_password("second secret", stored_hash(id)));
  EXPECT_FALSE(db::verify_password("first secret", stored_hash(id)));

  // No password, or one the API refuses for its length: nothing is hashed.
  ASSERT_EQ(patch(url, {{"surname", "Neri"}}).status, 200);
  EXPECT_EQ(patch(url, {{"password", "short"}}).field("password"), "at least 8 characters");
  EXPECT_EQ(jobs_, 2);
  EXPECT_TRUE(db::verify_password("second secret", stored_hash(id)));
}

TEST_F(PasswordFirstTest, AConvertedUnknownCardsPasswordIsHashedOnTheWorker) {
  hash_on_another_thread();
  const db::Id tap = db::UnknownCardsRepository(db_).record("aabbccdd", 1, now_);
  const Reply reply = post("/api/v1/unknown-cards/" + std::to_string(tap) + "/convert",
                           {{"name", "Anna"}, {"role_id", 3}, {"password", "card secret"}});
  ASSERT_EQ(reply.status, 201) << reply.body.dump();
  EXPECT_EQ(jobs_, 1);
  EXPECT_TRUE(
      db::verify_password("card secret", stored_hash(reply.body["member"]["id"].get<db::Id>())));
}

TEST_F(PasswordFirstTest, AFullHashingQueueIsBusyAndChangesNothing) {
  context_.password_work = [](std::function<std::function<void()>()>) { return false; };
  const auto members_before = count_rows("users");
  const Response response =
      respond(Method::post, "/api/v1/members",
              json{{"name", "Anna"}, {"role_id", 3}, {"password", "a long secret"}}.dump());
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(response.headers.get("Retry-After").value_or(""), "1");
  EXPECT_NE(response.body.find("\"busy\""), std::string::npos) << response.body;
  EXPECT_EQ(count_rows("users"), members_before);
  // Without a password there is nothing to hash: the queue does not matter.
  EXPECT_NE(create("members", json{{"name", "Bruno"}, {"role_id", 3}}), 0);
}

TEST(HashFor, UsesThePrecomputedHashOnlyForItsOwnPassword) {
  const HashedPassword made{"the password", "precomputed"};
  EXPECT_EQ(hash_for("the password", made), "precomputed");
  const std::string other = hash_for("another password", made);
  EXPECT_TRUE(db::verify_password("another password", other));
  EXPECT_TRUE(db::verify_password("the password", hash_for("the password", std::nullopt)));
}

}  // namespace
}  // namespace fabomatic::web::api::test
