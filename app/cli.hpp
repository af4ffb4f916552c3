// The command line, compatible with the old Python tool:
//   fabomatic [--config FILE] [-p|--purge] [-l|--loglevel N] [-w|--weekly-summary]
//             [-h|--help] [--version]
// Like the old argparse parser it accepts --opt=value, -lN, bundled short flags (-pl 20) and
// repeated options (the last one wins). Ours, for provisioning scripts:
//   fabomatic [--config FILE] board-account create|rotate|revoke MACHINE_ID [--json]
//   fabomatic [--config FILE] board-account list [--json]
//   fabomatic [--config FILE] admin list|set-password EMAIL|grant EMAIL [--json]
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "common/log.hpp"

namespace fabomatic::app {

/// `fabomatic board-account ...`: manage the MQTT accounts of the boards and exit.
struct BoardAccountCommand {
  enum class Action { create, rotate, revoke, list };
  Action action = Action::list;
  std::int64_t machine_id = 0;  // create, rotate, revoke
  bool json = false;            // --json: one JSON document on stdout
};

/// `fabomatic admin ...`: the portal's accounts from the command line (the way back in).
struct AdminCommand {
  enum class Action { list, set_password, grant };
  Action action = Action::list;
  std::string email;  // set-password, grant
  bool json = false;  // --json: one JSON document on stdout
};

struct CommandLine {
  std::optional<std::filesystem::path> config;  // --config FILE; unset: search the usual places
  bool purge = false;                           // -p, --purge: purge old data and exit
  bool weekly_summary = false;                  // -w, --weekly-summary: send the mails and exit
  std::optional<log::Level> log_level;          // -l, --loglevel; unset: [backend] log_level
  bool help = false;                            // -h, --help: print usage_text() and exit 0
  bool version = false;                         // --version: print the version and exit 0
  std::optional<BoardAccountCommand> board_account;  // board-account ...: manage, then exit
  std::optional<AdminCommand> admin;                 // admin ...: portal accounts, then exit
};

/// A command line that cannot be used; `message` says which argument and why.
struct CommandLineError {
  std::string message;
};

/// Parses the arguments after the program name.
std::variant<CommandLine, CommandLineError> parse_command_line(
    std::span<const std::string_view> args);

/// Same, from main()'s argc/argv (argv[0] is skipped).
std::variant<CommandLine, CommandLineError> parse_command_line(int argc, const char* const* argv);

/// The --help text.
std::string usage_text();

}  // namespace fabomatic::app
