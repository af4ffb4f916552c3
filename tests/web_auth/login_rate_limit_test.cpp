// Login rate limiting through the route: per account and address, per client address, Retry-After,
// and the window passing (test options: 3 failures per account, 5 per address, 15 minutes).
#include <gtest/gtest.h>

#include <deque>

#include "auth_fixture.hpp"
#include "web/http/request_target.hpp"

namespace fabomatic::web::test {
namespace {

using namespace std::chrono_literals;

// An account's failures block it from the address they came from: guesses from one laptop
// cannot lock the admin out from every other address of the lab.
TEST(LoginRateLimit, AccountIsBlockedFromTheAddressOfItsFailures) {
  AuthHarness h;
  const std::string laptop = "198.51.100.66";
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(Browser(h, laptop).login(kAdminEmail, "bad-guess").status, 401);
  // Even the right password waits there: the account is blocked from that address.
  const Response blocked = Browser(h, laptop).login(kAdminEmail, kAdminPassword);
  EXPECT_EQ(blocked.status, 429);
  EXPECT_EQ(error_code(blocked), "rate_limited");
  const auto retry = std::stoi(std::string(blocked.headers.get("Retry-After").value_or("0")));
  EXPECT_GT(retry, 14 * 60);
  EXPECT_LE(retry, 15 * 60);
  // E-mail case does not make a new account key.
  EXPECT_EQ(Browser(h, laptop).login("Admin@LAB.test", kAdminPassword).status, 429);
  // The admin at another address signs in.
  EXPECT_EQ(Browser(h, "198.51.100.10").login(kAdminEmail, kAdminPassword).status, 200);

  h.clock().advance(15min);
  EXPECT_EQ(Browser(h, laptop).login(kAdminEmail, kAdminPassword).status, 200);
}

TEST(LoginRateLimit, AddressIsBlockedAfterFailuresOnManyAccounts) {
  AuthHarness h;
  const std::string address = "203.0.113.66";
  for (int i = 0; i < 5; ++i) {
    const Response response =
        Browser(h, address).login("guess" + std::to_string(i) + "@lab.test", "bad-guess");
    EXPECT_EQ(response.status, 401) << i;
  }
  const Response blocked = Browser(h, address).login(kAdminEmail, kAdminPassword);
  EXPECT_EQ(blocked.status, 429);
  EXPECT_TRUE(blocked.headers.contains("Retry-After"));
  // Other addresses are not affected.
  EXPECT_EQ(Browser(h, "203.0.113.67").login(kAdminEmail, kAdminPassword).status, 200);
}

TEST(LoginRateLimit, SuccessClearsTheAccountsFailures) {
  AuthHarness h;
  EXPECT_EQ(Browser(h).login(kAdminEmail, "bad-guess").status, 401);
  EXPECT_EQ(Browser(h).login(kAdminEmail, "bad-guess").status, 401);
  EXPECT_EQ(Browser(h).login(kAdminEmail, kAdminPassword).status, 200);
  EXPECT_EQ(Browser(h).login(kAdminEmail, "bad-guess").status, 401);
  EXPECT_EQ(Browser(h).login(kAdminEmail, "bad-guess").status, 401);
  EXPECT_EQ(Browser(h).login(kAdminEmail, kAdminPassword).status, 200);
}

// A failure is counted when the guess arrives, before its hash is checked: guesses sent all
// at once, before any answer, get no more checks than the limit (3 per account here).
TEST(LoginRateLimit, GuessesSentAtOnceGetNoMoreChecksThanTheLimit) {
  std::deque<PasswordJob> queued;  // the hashing thread, run by hand below
  AuthOptions options = test_auth_options();
  options.password_work = [&](PasswordJob job) {
    queued.push_back(std::move(job));
    return true;
  };
  AuthHarness h(options);
  std::vector<Response> answers;
  const auto login = [&](const std::string& address, const std::string& password) {
    Request request;
    request.method = Method::post;
    request.target = "/api/v1/auth/login";
    request.body = nlohmann::json{{"email", kAdminEmail}, {"password", password}}.dump();
    request.headers.set("Content-Type", "application/json");
    request.remote_address = address;
    const auto target = parse_target(request.target);
    request.path = target.target.path;
    const RouteMatch match = h.router().find(request.method, target.target.segments);
    dispatch(
        match, request, [](std::string_view) {},
        [&answers](Response response) { answers.push_back(std::move(response)); });
  };
  for (int i = 0; i < 10; ++i)
    login("198.51.100.7", "bad-guess");
  EXPECT_EQ(queued.size(), 3u) << "3 checks queued, the other 7 refused at once";
  ASSERT_EQ(answers.size(), 7u);
  for (const auto& answer : answers)
    EXPECT_EQ(answer.status, 429);
  while (!queued.empty()) {
    auto then = queued.front()();
    queued.pop_front();
    then();
  }
  ASSERT_EQ(answers.size(), 10u);
  for (std::size_t i = 7; i < answers.size(); ++i)
    EXPECT_EQ(answers[i].status, 401);

  // The right password takes back the failure it was counted as.
  h.clock().advance(15min);
  login("198.51.100.7", kAdminPassword);
  queued.front()()();
  queued.pop_front();
  EXPECT_EQ(answers.back().status, 200);
  for (int i = 0; i < 2; ++i) {
    login("198.51.100.7", "bad-guess");
    queued.front()()();
    queued.pop_front();
    EXPECT_EQ(answers.back().status, 401);
  }
  login("198.51.100.7", kAdminPassword);  // 2 failures since the success: still allowed
  ASSERT_EQ(queued.size(), 1u);
}

TEST(LoginRateLimit, BlockedAttemptsCostNoHashing) {
  AuthHarness h;
  for (int i = 0; i < 3; ++i)
    Browser(h).login(kAdminEmail, "bad-guess");
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 200; ++i)
    ASSERT_EQ(Browser(h).login(kAdminEmail, "bad-guess").status, 429);
  // 200 argon2id verifications would take many seconds; refusals take microseconds each.
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

}  // namespace
}  // namespace fabomatic::web::test
