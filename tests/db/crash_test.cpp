// Durability under SIGKILL: a child process records uses in transactions (as the board path
// does) and reports each id once its transaction has committed; the parent kills it at random
// moments, many times, and after each kill reopens the database: integrity_check must say ok,
// every reported row must be there, and no transaction may be half applied.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <random>
#include <set>

#include "db/database.hpp"
#include "support_tempdir.hpp"

namespace fabomatic::db {
namespace {

using Clock = std::chrono::steady_clock;

// Runs in the child: never returns. Each transaction inserts a use and an unknown-card tap with
// a large payload (so commits span several pages and the WAL checkpoints now and then) and
// counts it on the machine; the id goes to the parent only after COMMIT returned.
[[noreturn]] void write_forever(const std::string& path, int report_fd) {
  try {
    auto db = open_database(path);
    auto& conn = db.conn;
    const std::string payload(3000, 'c');
    for (double t = 1.0;; t += 1.0) {
      Transaction tx(conn);
      conn.execute(
          "INSERT INTO uses (user_id, machine_id, start_timestamp, last_seen, end_timestamp, "
          "replay) VALUES (1, 1, ?, ?, ?, 0)",
          t, t, t + 1.0);
      const std::int64_t id = conn.last_insert_rowid();
      conn.execute(
          "INSERT INTO unknown_cards (\"card_UUID\", timestamp, machine_id) VALUES (?, ?, 1)",
          payload, t);
      conn.execute("UPDATE machines SET machine_hours = machine_hours + 1 WHERE machine_id = 1");
      tx.commit();
      if (write(report_fd, &id, sizeof id) != sizeof id) _exit(2);
    }
  } catch (...) {
    _exit(1);
  }
}

// Reads whole ids from the pipe until `deadline` (or EOF when deadline is max()).
void collect(int fd, std::set<std::int64_t>& ids, std::string& partial,
             Clock::time_point deadline) {
  while (true) {
    int timeout = -1;
    if (deadline != Clock::time_point::max()) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return;
      timeout = static_cast<int>(left);
    }
    pollfd pfd{fd, POLLIN, 0};
    if (poll(&pfd, 1, timeout) <= 0) return;
    char buffer[4096];
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n <= 0) return;  // EOF: the child is gone
    partial.append(buffer, static_cast<std::size_t>(n));
    while (partial.size() >= sizeof(std::int64_t)) {
      std::int64_t id;
      std::memcpy(&id, partial.data(), sizeof id);
      ids.insert(id);
      partial.erase(0, sizeof id);
    }
  }
}

TEST(Crash, EveryCommittedRowSurvivesSigkill) {
  test::TempDir dir;
  const auto path = dir.file("crash.sqldb");
  open_database(path);  // create and seed (user 1, machine 1)

  const auto seed = static_cast<unsigned>(Clock::now().time_since_epoch().count());
  std::mt19937 rng(seed);
  SCOPED_TRACE("random seed " + std::to_string(seed));
  std::set<std::int64_t> committed;
  const auto started = Clock::now();
  constexpr int kRounds = 30;

  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    int fds[2];
    ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      close(fds[0]);
      write_forever(path, fds[1]);
    }
    close(fds[1]);

    // Kill at a random moment: sometimes while it is still opening the file, mostly mid-loop.
    const auto run_for = std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 60)(rng));
    std::string partial;
    std::set<std::int64_t> reported;
    collect(fds[0], reported, partial, Clock::now() + run_for);
    ASSERT_EQ(kill(child, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the writer stopped by itself, status " << status;
    collect(fds[0], reported, partial, Clock::time_point::max());  // what it wrote before dying
    close(fds[0]);
    committed.insert(reported.begin(), reported.end());

    auto db = open_database(path);  // what the backend does at its next start
    auto& conn = db.conn;
    ASSERT_EQ(conn.query_one<std::string>("PRAGMA integrity_check"), "ok");
    for (const auto id : committed)
      ASSERT_EQ(conn.query_one<int>("SELECT count(*) FROM uses WHERE use_id = ?", id), 1)
          << "committed use " << id << " lost";
    // Each transaction is all or nothing.
    const auto uses = conn.query_one<std::int64_t>("SELECT count(*) FROM uses");
    EXPECT_EQ(conn.query_one<std::int64_t>("SELECT count(*) FROM unknown_cards"), uses);
    EXPECT_EQ(conn.query_one<double>("SELECT machine_hours FROM machines WHERE machine_id = 1"),
              static_cast<double>(uses));
    EXPECT_GE(uses, static_cast<std::int64_t>(committed.size()));
  }
  EXPECT_GT(committed.size(), 0u) << "the writer never committed anything";
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(30));
  std::cout << "[ crash    ] " << kRounds << " kills, " << committed.size()
            << " reported commits verified\n";
}

}  // namespace
}  // namespace fabomatic::db
