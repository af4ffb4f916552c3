#include "app/cli.hpp"

#include <vector>

#include "backend/settings.hpp"

namespace fabomatic::app {

namespace {

/// Parsing state: the arguments and where we are in them.
class Parser {
 public:
  explicit Parser(std::span<const std::string_view> args) : args_(args) {}

  std::variant<CommandLine, CommandLineError> run() {
    while (next_ < args_.size()) {
      const std::string_view arg = args_[next_++];
      if (arg.starts_with("--")) {
        long_option(arg);
      } else if (arg.starts_with("-") && arg.size() > 1) {
        short_options(arg);
      } else if (words_.empty() && arg != "board-account" && arg != "admin") {
        fail("unexpected argument '" + std::string(arg) + "'");
      } else {
        words_.push_back(arg);
      }
      if (error_) return CommandLineError{*error_ + " (see --help)"};
    }
    if (!words_.empty()) {
      if (words_[0] == "admin") {
        admin_subcommand();
      } else {
        subcommand();
      }
    }
    if (json_ && !result_.board_account && !result_.admin) {
      fail("--json goes with board-account or admin");
    }
    if ((result_.board_account || result_.admin) && (result_.purge || result_.weekly_summary)) {
      fail(std::string(words_[0]) + " cannot be combined with --purge or --weekly-summary");
    }
    if (error_) return CommandLineError{*error_ + " (see --help)"};
    if (result_.purge && result_.weekly_summary) {
      return CommandLineError{"--purge and --weekly-summary cannot be combined (see --help)"};
    }
    return result_;
  }

 private:
  // admin list, admin set-password EMAIL, admin grant EMAIL.
  void admin_subcommand() {
    AdminCommand command;
    command.json = json_;
    if (words_.size() < 2) return fail("admin needs an action: list, set-password or grant");
    const std::string_view action = words_[1];
    using Action = AdminCommand::Action;
    if (action == "list") {
      command.action = Action::list;
    } else if (action == "set-password") {
      command.action = Action::set_password;
    } else if (action == "grant") {
      command.action = Action::grant;
    } else {
      return fail("unknown admin action '" + std::string(action) +
                  "' (list, set-password or grant)");
    }
    const std::size_t wanted = command.action == Action::list ? 2 : 3;
    if (words_.size() < wanted) {
      return fail("admin " + std::string(action) + " needs the account's e-mail");
    }
    if (words_.size() > wanted) {
      return fail("unexpected argument '" + std::string(words_[wanted]) + "'");
    }
    if (wanted == 3) {
      const std::string_view email = words_[2];
      if (email.find('@') == std::string_view::npos || email.size() > 254) {
        return fail("admin " + std::string(action) + ": '" + std::string(email) +
                    "' is not an e-mail address");
      }
      command.email = email;
    }
    result_.admin = command;
  }

  // board-account create|rotate|revoke MACHINE_ID, board-account list.
  void subcommand() {
    BoardAccountCommand command;
    command.json = json_;
    if (words_.size() < 2) {
      return fail("board-account needs an action: create, rotate, revoke or list");
    }
    const std::string_view action = words_[1];
    using Action = BoardAccountCommand::Action;
    if (action == "create") {
      command.action = Action::create;
    } else if (action == "rotate") {
      command.action = Action::rotate;
    } else if (action == "revoke") {
      command.action = Action::revoke;
    } else if (action == "list") {
      command.action = Action::list;
    } else {
      return fail("unknown board-account action '" + std::string(action) +
                  "' (create, rotate, revoke or list)");
    }
    const std::size_t wanted = command.action == Action::list ? 2 : 3;
    if (words_.size() < wanted) {
      return fail("board-account " + std::string(action) + " needs a machine id");
    }
    if (words_.size() > wanted) {
      return fail("unexpected argument '" + std::string(words_[wanted]) + "'");
    }
    if (wanted == 3) {
      const std::string_view id = words_[2];
      std::int64_t value = 0;
      const bool digits = !id.empty() && id.size() <= 15 &&
                          id.find_first_not_of("0123456789") == std::string_view::npos;
      for (const char c : id)
        value = value * 10 + (c - '0');
      if (!digits || value <= 0) {
        return fail("board-account " + std::string(action) + ": '" + std::string(id) +
                    "' is not a machine id");
      }
      command.machine_id = value;
    }
    result_.board_account = command;
  }

  void fail(std::string message) {
    if (!error_) error_ = std::move(message);
  }

  /// The value of an option: the inline part ("--config=x", "-lN") or the next argument.
  std::optional<std::string_view> value(std::string_view option,
                                        std::optional<std::string_view> inline_value) {
    if (inline_value) return inline_value;
    // Like argparse, an option-looking word is not taken as the value ("--config --purge").
    if (next_ < args_.size() && !(args_[next_].starts_with("-") && args_[next_].size() > 1)) {
      return args_[next_++];
    }
    fail(std::string(option) + " needs a value");
    return std::nullopt;
  }

  void set_config(std::string_view option, std::optional<std::string_view> text) {
    if (!text) return;
    if (text->empty()) return fail(std::string(option) + " needs a file name, got ''");
    result_.config = std::filesystem::path(*text);
  }

  void set_log_level(std::string_view option, std::optional<std::string_view> text) {
    if (!text) return;
    const auto level = backend::parse_log_level(*text);
    if (!level) {
      return fail(std::string(option) +
                  " must be a level from 0 to 50 (10 debug, 20 info, 30 warning, 40 error) "
                  "or a name (debug, info, warning, error), got '" +
                  std::string(*text) + "'");
    }
    result_.log_level = level;
  }

  void long_option(std::string_view arg) {
    std::string_view name = arg;
    std::optional<std::string_view> inline_value;
    if (const auto equals = arg.find('='); equals != std::string_view::npos) {
      name = arg.substr(0, equals);
      inline_value = arg.substr(equals + 1);
    }
    const bool takes_value = name == "--config" || name == "--loglevel";
    if (!takes_value && inline_value) {
      return fail(std::string(name) + " takes no value, got '" + std::string(arg) + "'");
    }
    if (name == "--config") return set_config(name, value(name, inline_value));
    if (name == "--loglevel") return set_log_level(name, value(name, inline_value));
    if (name == "--purge") {
      result_.purge = true;
    } else if (name == "--weekly-summary") {
      result_.weekly_summary = true;
    } else if (name == "--help") {
      result_.help = true;
    } else if (name == "--version") {
      result_.version = true;
    } else if (name == "--json") {
      json_ = true;
    } else {
      fail("unknown option '" + std::string(arg) + "'");
    }
  }

  /// "-p", "-l 20", "-l20", "-pw", "-pl20".
  void short_options(std::string_view arg) {
    for (std::size_t i = 1; i < arg.size(); ++i) {
      const char letter = arg[i];
      const std::string option = std::string("-") + letter;
      switch (letter) {
        case 'p':
          result_.purge = true;
          break;
        case 'w':
          result_.weekly_summary = true;
          break;
        case 'h':
          result_.help = true;
          break;
        case 'l': {
          const auto rest = arg.substr(i + 1);
          set_log_level(
              option,
              value(option, rest.empty() ? std::nullopt : std::optional<std::string_view>(rest)));
          return;
        }
        default:
          return fail("unknown option '" + option + "' in '" + std::string(arg) + "'");
      }
    }
  }

  std::span<const std::string_view> args_;
  std::size_t next_ = 0;
  std::vector<std::string_view> words_;  // arguments that are no option: a subcommand's
  bool json_ = false;
  CommandLine result_;
  std::optional<std::string> error_;
};

}  // namespace

std::variant<CommandLine, CommandLineError> parse_command_line(
    std::span<const std::string_view> args) {
  return Parser(args).run();
}

std::variant<CommandLine, CommandLineError> parse_command_line(int argc, const char* const* argv) {
  std::vector<std::string_view> args;
  for (int i = 1; i < argc; ++i)
    args.emplace_back(argv[i]);
  return parse_command_line(args);
}

std::string usage_text() {
  return "usage: fabomatic [--config FILE] [-p|--purge] [-l|--loglevel N] [-w|--weekly-summary]\n"
         "                 [-h|--help] [--version]\n"
         "       fabomatic [--config FILE] board-account create|rotate|revoke MACHINE_ID [--json]\n"
         "       fabomatic [--config FILE] board-account list [--json]\n"
         "       fabomatic [--config FILE] admin list|set-password EMAIL|grant EMAIL [--json]\n"
         "\n"
         "The FabLab access appliance: MQTT broker, board backend and admin portal in one.\n"
         "\n"
         "options:\n"
         "  --config FILE         settings.toml to use; without it the first of\n"
         "                        ~/.config/FabOMatic/settings.toml, /etc/FabOMatic/settings.toml\n"
         "                        and ./settings.toml (created with defaults when none exists)\n"
         "  -p, --purge           purge old data (uses, interventions, unknown cards) and exit\n"
         "  -w, --weekly-summary  send the weekly summary mails and exit\n"
         "  -l, --loglevel N      log level: 10 debug, 20 info, 30 warning, 40 error, or the name\n"
         "                        (default: [backend] log_level, else info)\n"
         "  -h, --help            show this help and exit\n"
         "  --version             show the version and exit\n"
         "\n"
         "board-account: the MQTT account of a machine's board (user board-<id>), then exit\n"
         "  create MACHINE_ID     create it; prints the user name and the secret (shown once)\n"
         "  rotate MACHINE_ID     a new secret; the old one stops working\n"
         "  revoke MACHINE_ID     delete it; its board can no longer log in\n"
         "  list                  the accounts\n"
         "  --json                print JSON (for provisioning scripts)\n"
         "A board connected with a secret rotated or revoked here keeps its connection until it\n"
         "reconnects or fabomatic receives SIGHUP; the portal disconnects it at once.\n"
         "\n"
         "admin: the accounts of the admin portal (the way back in), then exit\n"
         "  list                  the accounts that may sign in\n"
         "  set-password EMAIL    a new password, read from standard input (typed twice on a\n"
         "                        terminal); the account's sessions and reset links end\n"
         "  grant EMAIL           let the account sign in to the portal, whatever its role\n";
}

}  // namespace fabomatic::app
