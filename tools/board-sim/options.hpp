// Command line of board-sim: `board-sim fleet|bench|query [options]`. Pure parsing, so that
// the option rules are unit-tested.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tools/board-sim/payloads.hpp"

namespace fabomatic::board_sim {

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Options {
  enum class Mode : std::uint8_t { fleet, bench, query };
  Mode mode = Mode::fleet;

  // Broker and identity.
  std::string host = "127.0.0.1";
  std::uint16_t port = 1883;
  std::string username = "user";
  std::string password = "password";
  // --accounts FILE: a board account per machine, lines "<machine id> <user name> <secret>"
  // (what `fabomatic board-account create` printed); the others use username/password.
  std::map<int, std::pair<std::string, std::string>> accounts;
  std::string client_prefix = "BOARD";  // client id = prefix + machine id (unique in the fleet)
  bool random_client_ids = false;       // prefix + random 0..999, as the firmware does
  std::string topic_prefix = "machine";

  // Which boards.
  int boards = 1;
  int first_machine_id = 1;
  std::vector<int> machine_ids;  // overrides boards/first_machine_id when given
  std::vector<std::string> cards = {"aabbccd1"};

  // Timing.
  double duration_s = -1;   // <0: the mode's default (fleet: until SIGINT/SIGTERM; bench: 5 s)
  std::uint64_t count = 0;  // bench: stop after this many measured replies (0: use duration)
  double warmup_s = 1.0;    // bench: replies in this first period are not measured
  double time_scale = 1.0;  // fleet: periods (30 s, 2 min, 45 s) divided by this
  std::uint64_t seed = 1;
  int timeout_ms = 2000;  // reply timeout

  // bench
  double rate = 0;  // queries per second per board, 0 = closed loop (next query on reply)
  std::array<double, kActionCount> mix{};  // relative weights per action

  // fleet
  double tap_rate = 0;         // card taps per second over the whole fleet
  bool control_stdin = false;  // read commands (tap, request, summary, quit) from stdin
  bool log = false;            // one line per message on stderr

  // query
  std::string payload;           // sent verbatim when given
  std::optional<Action> action;  // otherwise built from action + uid + duration (+ replay)
  std::string uid = "aabbccd1";
  std::int64_t duration = 0;
  bool replay = false;
  std::string topic;  // overrides <topic_prefix>/<machine id> (e.g. machine/007)
};

/// Parses argv (argv[1] is the mode). Throws UsageError with a one-line reason.
Options parse_options(int argc, const char* const* argv);

std::string usage_text();

/// The machine ids of the fleet, in order.
std::vector<int> fleet_machine_ids(const Options& options);

/// "1,3,10-12" → {1,3,10,11,12}. Throws UsageError.
std::vector<int> parse_id_list(std::string_view text);
/// "checkmachine=2,inuse=1" → weights; unnamed actions weigh 0. Throws UsageError.
std::array<double, kActionCount> parse_mix(std::string_view text);
/// The user name and password of the board of `machine_id` (its account, or the common ones).
std::pair<std::string, std::string> credentials_for(const Options& options, int machine_id);

/// "<machine id> <user name> <secret>" lines ('#' comments, blank lines skipped). Throws
/// UsageError.
std::map<int, std::pair<std::string, std::string>> parse_accounts(std::string_view text);

/// "a,b,c" → {"a","b","c"}; empty items are dropped.
std::vector<std::string> split_list(std::string_view text);

}  // namespace fabomatic::board_sim
