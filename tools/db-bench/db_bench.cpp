// db_bench: does the board path cost the same with a year or ten of history?
//
// For each size it creates a fresh database (open_database: schema, steps, seed), adds 50
// machines with two maintenance plans each (one never serviced, the worst case of a "sum since
// the last intervention", one serviced now and then), 500 members with cards, and bulk-inserts
// the uses (one transaction, time-ordered, spread over the machines, the latest use of every
// other machine still open). Then it times, per call, what a board message costs the database:
// maintenance due (checkmachine), the open-use lookup (startuse/inuse/stopuse), the latest closed
// use (duplicate stopuse), user by card (checkuser), the whole checkuser decision, and a
// committed start+close cycle. For comparison it also times the plain SUM over the uses since the
// last intervention, which grows with the history.
//
//   db_bench [--sizes 10000,100000,1000000] [--dir DIR] [--keep]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <functional>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "db/access.hpp"
#include "db/database.hpp"
#include "db/maintenance_due.hpp"
#include "db/purge.hpp"
#include "db/users_repository.hpp"
#include "db/uses_repository.hpp"

namespace fs = std::filesystem;
using namespace fabomatic::db;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kMachines = 50;
constexpr int kUsers = 500;
constexpr double kEpoch = 1'600'000'000;  // September 2020

struct Fixture {
  std::vector<Id> machines;
  std::vector<std::string> cards;
  Id user = 0;
};

std::string card_of(int i) {
  char text[9];
  std::snprintf(text, sizeof text, "%08x", 0x10000000u + static_cast<unsigned>(i) * 7919u);
  return text;
}

Fixture populate(Connection& conn, std::int64_t uses) {
  Fixture fx;
  std::mt19937 random(42);
  Transaction tx(conn);
  const Id type = conn.query_one<Id>("SELECT MIN(type_id) FROM machine_types");
  conn.execute(
      "INSERT INTO roles (role_name, authorize_all, reserved, maintenance, backend_admin) "
      "VALUES ('Bench users', 0, 0, 0, 0)");
  const Id role = conn.last_insert_rowid();
  for (int i = 0; i < kMachines; ++i) {
    conn.execute(
        "INSERT INTO machines (machine_name, machine_type_id, machine_hours, blocked) "
        "VALUES (?, ?, 0, 0)",
        "BENCH " + std::to_string(i), type);
    const Id machine = conn.last_insert_rowid();
    fx.machines.push_back(machine);
    conn.execute(
        "INSERT INTO maintenances (hours_between, description, machine_id, lcd_message) "
        "VALUES (1000000, 'never serviced', ?, 'Never'), (100, 'serviced', ?, 'Oil')",
        machine, machine);
  }
  std::vector<Id> users;
  for (int i = 0; i < kUsers; ++i) {
    fx.cards.push_back(card_of(i));
    conn.execute(
        "INSERT INTO users (name, surname, role_id, \"card_UUID\", disabled, deleted) "
        "VALUES (?, 'Bench', ?, ?, 0, 0)",
        "User" + std::to_string(i), role, fx.cards.back());
    users.push_back(conn.last_insert_rowid());
    if (i % 3 == 0)  // a third of the members are authorized on every machine
      for (Id machine : fx.machines)
        conn.execute("INSERT INTO authorizations (user_id, machine_id) VALUES (?, ?)", users.back(),
                     machine);
  }
  fx.user = users.front();

  // Uses in time order, machine after machine, about 3 years of history at 1 M rows.
  auto insert = conn.prepare(
      "INSERT INTO uses (user_id, machine_id, start_timestamp, last_seen, end_timestamp, replay) "
      "VALUES (?, ?, ?, ?, ?, 0)");
  auto intervention = conn.prepare(
      "INSERT INTO interventions (maintenance_id, machine_id, user_id, timestamp, replay) "
      "VALUES ((SELECT MAX(maintenance_id) FROM maintenances WHERE machine_id = ?1), ?1, ?2, ?3, "
      "0)");
  std::uniform_int_distribution<int> duration(60, 3600);
  const double step = 95;
  for (std::int64_t i = 0; i < uses; ++i) {
    const Id machine = fx.machines[static_cast<std::size_t>(i % kMachines)];
    const double start = kEpoch + static_cast<double>(i) * step;
    const bool open = i >= uses - kMachines && i % 2 == 0;  // latest use of every other machine
    const double end = start + duration(random);
    insert.bind_all(users[random() % users.size()], machine, start, open ? start + 30 : end);
    if (open)
      insert.bind(5, nullptr);
    else
      insert.bind(5, end);
    insert.run();
    insert.reset();
    if (i % 2000 == 1999) {  // a service of the second plan now and then
      intervention.bind_all(machine, fx.user, end + 1);
      intervention.run();
      intervention.reset();
    }
  }
  conn.execute(
      "UPDATE machines SET machine_hours = (SELECT COALESCE(SUM(end_timestamp - "
      "start_timestamp), 0) / 3600.0 FROM uses WHERE uses.machine_id = "
      "machines.machine_id AND end_timestamp IS NOT NULL)");
  tx.commit();
  return fx;
}

// CPU time of this thread, in microseconds. The figures are CPU time rather than wall time so
// that they stay comparable on a machine shared with other work (builds, other benchmarks);
// the database is in the page cache, so the lookups are CPU-bound either way.
double cpu_us() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) * 1e6 + static_cast<double>(now.tv_nsec) / 1e3;
}

// Mean microseconds per call of `call(i)` over `calls` calls.
double per_call_us(int calls, const std::function<void(int)>& call) {
  for (int i = 0; i < std::min(calls, 100); ++i)
    call(i);  // warm the statement cache and the page cache
  const double start = cpu_us();
  for (int i = 0; i < calls; ++i)
    call(i);
  return (cpu_us() - start) / calls;
}

// CPU microseconds of one run of `work`.
double once_us(const std::function<void()>& work) {
  const double start = cpu_us();
  work();
  return cpu_us() - start;
}

std::vector<std::int64_t> parse_sizes(const std::string& text) {
  std::vector<std::int64_t> sizes;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');)
    sizes.push_back(std::stoll(item));
  return sizes;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::int64_t> sizes{10'000, 100'000, 1'000'000};
  fs::path dir = fs::temp_directory_path() / "fabomatic-db-bench";
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--sizes" && i + 1 < argc) {
      sizes = parse_sizes(argv[++i]);
    } else if (arg == "--dir" && i + 1 < argc) {
      dir = argv[++i];
    } else if (arg == "--keep") {
      keep = true;
    } else {
      std::fprintf(stderr, "usage: %s [--sizes 10000,100000,1000000] [--dir DIR] [--keep]\n",
                   argv[0]);
      return 2;
    }
  }
  fs::create_directories(dir);

  // operation -> one figure per size
  std::vector<std::string> order;
  std::map<std::string, std::vector<double>> rows;
  auto record = [&](const std::string& name, double value) {
    if (!rows.count(name)) order.push_back(name);
    rows[name].push_back(value);
  };

  for (const auto size : sizes) {
    const auto path = (dir / ("bench-" + std::to_string(size) + ".sqldb")).string();
    fs::remove(path);
    fs::remove(path + "-wal");
    fs::remove(path + "-shm");
    auto db = open_database(path, OpenOptions{.default_admin_email = "bench@example.org"});
    auto& conn = db.conn;

    const auto started = Clock::now();
    const auto fx = populate(conn, size);
    std::fprintf(stderr, "%lld uses: filled in %.1f s\n", static_cast<long long>(size),
                 std::chrono::duration<double>(Clock::now() - started).count());

    UsesRepository uses(conn);
    UsersRepository users(conn);
    const auto machine = [&](int i) {
      return fx.machines[static_cast<std::size_t>(i % kMachines)];
    };
    const int calls = 20'000;

    record("maintenance due (checkmachine)",
           per_call_us(calls, [&](int i) { due_plans(conn, machine(i)); }));
    record("open use of a machine", per_call_us(calls, [&](int i) { uses.open_use(machine(i)); }));
    record("latest closed use (dup. stopuse)",
           per_call_us(calls, [&](int i) { uses.latest_closed(machine(i)); }));
    record("user by card", per_call_us(calls, [&](int i) {
             users.by_card(fx.cards[static_cast<std::size_t>(i % kUsers)]);
           }));
    record("checkuser decision", per_call_us(calls, [&](int i) {
             decide_access(conn, machine(i), fx.cards[static_cast<std::size_t>(i % kUsers)]);
           }));
    record("start+close use, committed", per_call_us(2'000, [&](int i) {
             Transaction tx(conn);
             const double now = 2e9 + i * 10.0;
             const Id id = uses.start(fx.user, machine(i), now, now, false);
             uses.close(id, now + 5, now + 5);
             tx.commit();
           }));
    // For comparison: the same answer as a SUM since the last intervention, per plan.
    record("(naive) SUM since last intervention", per_call_us(200, [&](int i) {
             auto stmt = conn.prepare_cached(
                 "SELECT p.maintenance_id, (SELECT COALESCE(SUM(u.end_timestamp - "
                 "u.start_timestamp), 0) FROM uses u WHERE u.machine_id = p.machine_id AND "
                 "u.end_timestamp IS NOT NULL AND u.start_timestamp > (SELECT "
                 "COALESCE(MAX(timestamp), 0) FROM interventions i WHERE i.maintenance_id = "
                 "p.maintenance_id)) FROM maintenances p WHERE p.machine_id = ?");
             stmt->bind(1, machine(i));
             while (stmt->step()) {
             }
           }));
    record("(startup) rebuild all counters", once_us([&] { rebuild(conn); }));
    record("(admin) delete a use, recount machine", per_call_us(20, [&](int i) {
             const auto oldest =
                 uses.list({.machine_id = machine(i), .descending = false}, {.limit = 1});
             uses.remove(oldest.at(0).id);
           }));
    // Half of the history is older than the retention period.
    const double purge_at = kEpoch + static_cast<double>(size) * 95 / 2 + 365 * 86400.0;
    record("(daily) purge, half the history", once_us([&] { purge(conn, purge_at); }));
    record("(daily) purge again, nothing to do", once_us([&] { purge(conn, purge_at); }));

    if (!keep) {
      fs::remove(path);
      fs::remove(path + "-wal");
      fs::remove(path + "-shm");
    }
  }

  std::printf("%-38s", "CPU time per call (us)");
  for (const auto size : sizes)
    std::printf(" %12lld", static_cast<long long>(size));
  std::printf("   uses\n");
  for (const auto& name : order) {
    std::printf("%-38s", name.c_str());
    for (const double value : rows[name])
      std::printf(" %12.1f", value);
    std::printf("\n");
  }
  return 0;
}
