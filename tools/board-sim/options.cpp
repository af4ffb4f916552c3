#include "tools/board-sim/options.hpp"

#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <type_traits>

namespace fabomatic::board_sim {

namespace {

template <typename T>
T parse_number(std::string_view option, std::string_view text, T min, T max) {
  T value{};
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc{} || ptr != end || text.empty() || value < min || value > max ||
      (std::is_floating_point_v<T> && !std::isfinite(static_cast<double>(value))))
    throw UsageError(std::string(option) + ": expected a number from " + std::to_string(min) +
                     " to " + std::to_string(max) + ", got '" + std::string(text) + "'");
  return value;
}

}  // namespace

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> items;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const auto item = text.substr(0, comma);
    if (!item.empty()) items.emplace_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return items;
}

std::vector<int> parse_id_list(std::string_view text) {
  std::vector<int> ids;
  constexpr int kMax = std::numeric_limits<int>::max();
  for (const auto& item : split_list(text)) {
    const auto dash = item.find('-');
    if (dash == std::string::npos) {
      ids.push_back(parse_number<int>("--machine-ids", item, 0, kMax));
      continue;
    }
    const int first =
        parse_number<int>("--machine-ids", std::string_view(item).substr(0, dash), 0, kMax);
    const int last =
        parse_number<int>("--machine-ids", std::string_view(item).substr(dash + 1), 0, kMax);
    if (last < first || last - first >= 100000)
      throw UsageError("--machine-ids: bad range '" + item + "'");
    for (int id = first; id <= last; ++id)
      ids.push_back(id);
  }
  if (ids.empty()) throw UsageError("--machine-ids: no id given");
  return ids;
}

std::array<double, kActionCount> parse_mix(std::string_view text) {
  std::array<double, kActionCount> weights{};
  for (const auto& item : split_list(text)) {
    const auto eq = item.find('=');
    const auto name = std::string_view(item).substr(0, eq);
    const auto action = parse_action(name);
    if (!action || *action == Action::alive)
      throw UsageError("--mix: unknown or unanswered action '" + std::string(name) + "'");
    weights[static_cast<std::size_t>(*action)] =
        eq == std::string::npos
            ? 1.0
            : parse_number<double>("--mix", std::string_view(item).substr(eq + 1), 0.0, 1e9);
  }
  double total = 0;
  for (double w : weights)
    total += w;
  if (total <= 0) throw UsageError("--mix: every weight is zero");
  return weights;
}

std::vector<int> fleet_machine_ids(const Options& options) {
  if (!options.machine_ids.empty()) return options.machine_ids;
  std::vector<int> ids;
  for (int i = 0; i < options.boards; ++i)
    ids.push_back(options.first_machine_id + i);
  return ids;
}

Options parse_options(int argc, const char* const* argv) {
  if (argc < 2) throw UsageError("missing mode (fleet, bench or query)");
  Options o;
  const std::string_view mode = argv[1];
  if (mode == "fleet")
    o.mode = Options::Mode::fleet;
  else if (mode == "bench")
    o.mode = Options::Mode::bench;
  else if (mode == "query")
    o.mode = Options::Mode::query;
  else
    throw UsageError("unknown mode '" + std::string(mode) + "' (fleet, bench or query)");
  o.mix[static_cast<std::size_t>(Action::checkmachine)] = 1;
  o.mix[static_cast<std::size_t>(Action::checkuser)] = 1;
  o.mix[static_cast<std::size_t>(Action::inuse)] = 1;

  for (int i = 2; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const auto value = [&]() -> std::string_view {
      if (i + 1 >= argc) throw UsageError(std::string(arg) + ": missing value");
      return argv[++i];
    };
    if (arg == "--host")
      o.host = value();
    else if (arg == "--port")
      o.port = parse_number<std::uint16_t>(arg, value(), 1, 65535);
    else if (arg == "--username")
      o.username = value();
    else if (arg == "--password")
      o.password = value();
    else if (arg == "--accounts") {
      const std::string file(value());
      std::ifstream in(file);
      if (!in) throw UsageError("--accounts: cannot read " + file);
      std::ostringstream text;
      text << in.rdbuf();
      o.accounts = parse_accounts(text.str());
    } else if (arg == "--client-prefix")
      o.client_prefix = value();
    else if (arg == "--random-client-ids")
      o.random_client_ids = true;
    else if (arg == "--topic-prefix")
      o.topic_prefix = value();
    else if (arg == "--boards")
      o.boards = parse_number<int>(arg, value(), 1, 100000);
    else if (arg == "--first-machine-id")
      o.first_machine_id = parse_number<int>(arg, value(), 0, 1 << 30);
    else if (arg == "--machine-id" || arg == "--machine-ids")
      o.machine_ids = parse_id_list(value());
    else if (arg == "--cards") {
      o.cards = split_list(value());
      if (o.cards.empty()) throw UsageError("--cards: no card given");
    } else if (arg == "--duration")
      o.duration_s = parse_number<double>(arg, value(), 0.0, 1e7);
    else if (arg == "--count")
      o.count =
          parse_number<std::uint64_t>(arg, value(), 1, std::numeric_limits<std::uint64_t>::max());
    else if (arg == "--warmup")
      o.warmup_s = parse_number<double>(arg, value(), 0.0, 3600.0);
    else if (arg == "--time-scale")
      o.time_scale = parse_number<double>(arg, value(), 0.001, 1e6);
    else if (arg == "--seed")
      o.seed =
          parse_number<std::uint64_t>(arg, value(), 0, std::numeric_limits<std::uint64_t>::max());
    else if (arg == "--timeout-ms")
      o.timeout_ms = parse_number<int>(arg, value(), 1, 3600000);
    else if (arg == "--rate")
      o.rate = parse_number<double>(arg, value(), 0.0, 1e6);
    else if (arg == "--mix")
      o.mix = parse_mix(value());
    else if (arg == "--tap-rate")
      o.tap_rate = parse_number<double>(arg, value(), 0.0, 1e6);
    else if (arg == "--stdin")
      o.control_stdin = true;
    else if (arg == "--log")
      o.log = true;
    else if (arg == "--payload")
      o.payload = value();
    else if (arg == "--action") {
      const auto name = value();
      o.action = parse_action(name);
      if (!o.action) throw UsageError("--action: unknown action '" + std::string(name) + "'");
    } else if (arg == "--uid")
      o.uid = value();
    else if (arg == "--query-duration")
      o.duration =
          parse_number<std::int64_t>(arg, value(), std::numeric_limits<std::int64_t>::min(),
                                     std::numeric_limits<std::int64_t>::max());
    else if (arg == "--replay")
      o.replay = true;
    else if (arg == "--topic")
      o.topic = value();
    else
      throw UsageError("unknown option '" + std::string(arg) + "' (see --help)");
  }
  if (!o.machine_ids.empty()) o.boards = static_cast<int>(o.machine_ids.size());
  if (o.mode == Options::Mode::query) {
    if (o.payload.empty() && !o.action)
      throw UsageError("query: give --payload JSON or --action NAME");
    if (o.boards != 1) throw UsageError("query: one board only");
  }
  return o;
}

std::pair<std::string, std::string> credentials_for(const Options& options, int machine_id) {
  const auto it = options.accounts.find(machine_id);
  if (it != options.accounts.end()) return it->second;
  return {options.username, options.password};
}

std::map<int, std::pair<std::string, std::string>> parse_accounts(std::string_view text) {
  std::map<int, std::pair<std::string, std::string>> accounts;
  std::istringstream lines{std::string(text)};
  std::string line;
  int number = 0;
  while (std::getline(lines, line)) {
    ++number;
    std::istringstream words(line);
    std::string id, user, secret;
    if (!(words >> id) || id.starts_with("#")) continue;
    if (!(words >> user >> secret)) {
      throw UsageError("--accounts: line " + std::to_string(number) +
                       ": want <machine id> <user name> <secret>");
    }
    accounts[parse_number<int>("--accounts", id, 0, 1'000'000'000)] = {user, secret};
  }
  return accounts;
}

std::string usage_text() {
  return R"(usage: board-sim fleet|bench|query [options]

  fleet   N boards behaving as the firmware (alive, 30 s checkmachine/inuse, 2 min alive,
          card taps, remote start/stop, 2 s timeout, buffering and replay); prints a JSON
          summary at the end (--duration, or SIGINT/SIGTERM, or 'quit' on stdin)
  bench   N boards in a closed loop (or --rate per board) sending the --mix of queries;
          prints reply latency p50/p90/p99/max and replies/s, then 'RESULT {json}'
  query   one board sends ONE payload and prints the reply exactly, or NO REPLY
          (exit status 0 with a reply, 1 without, 2 on a usage or connection error)

common:  --host H (127.0.0.1)  --port N (1883)  --username U  --password P
         --accounts FILE (lines "<machine id> <user> <secret>": each board its account)
         --boards N (1)  --first-machine-id N (1)  --machine-ids 1,5,10-20
         --client-prefix BOARD  --random-client-ids  --topic-prefix machine
         --cards uid,uid,...  --timeout-ms N (2000)  --seed N  --log
fleet:   --duration S  --time-scale F  --tap-rate TAPS_PER_S  --stdin
         stdin commands: 'tap <machine> <uid>', 'summary' (prints the JSON now), 'quit'
bench:   --duration S (5)  --count N  --warmup S (1)  --rate Q_PER_S_PER_BOARD
         --mix checkmachine=1,checkuser=1,inuse=1
query:   --payload JSON | --action NAME [--uid UID] [--query-duration N] [--replay]
         --machine-id N  --topic T (instead of <prefix>/<machine id>)
)";
}

}  // namespace fabomatic::board_sim
