// The command line: every form the old tool accepted, ours, and precise errors.
#include "app/cli.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace fabomatic::app {
namespace {

CommandLine parsed(std::vector<std::string_view> args) {
  auto result = parse_command_line(args);
  if (auto* error = std::get_if<CommandLineError>(&result)) {
    ADD_FAILURE() << error->message;
    return {};
  }
  return std::get<CommandLine>(result);
}

std::string error_of(std::vector<std::string_view> args) {
  auto result = parse_command_line(args);
  if (auto* error = std::get_if<CommandLineError>(&result)) return error->message;
  ADD_FAILURE() << "accepted";
  return {};
}

TEST(CommandLine, NoArgumentsRunsTheAppliance) {
  const CommandLine cli = parsed({});
  EXPECT_FALSE(cli.config);
  EXPECT_FALSE(cli.purge);
  EXPECT_FALSE(cli.weekly_summary);
  EXPECT_FALSE(cli.log_level);
  EXPECT_FALSE(cli.help);
  EXPECT_FALSE(cli.version);
}

TEST(CommandLine, Config) {
  EXPECT_EQ(parsed({"--config", "/etc/fab.toml"}).config, "/etc/fab.toml");
  EXPECT_EQ(parsed({"--config=conf/fab.toml"}).config, "conf/fab.toml");
  EXPECT_EQ(parsed({"--config", "a.toml", "--config", "b.toml"}).config, "b.toml");
}

TEST(CommandLine, Purge) {
  EXPECT_TRUE(parsed({"-p"}).purge);
  EXPECT_TRUE(parsed({"--purge"}).purge);
}

TEST(CommandLine, WeeklySummary) {
  EXPECT_TRUE(parsed({"--weekly-summary"}).weekly_summary);
  EXPECT_TRUE(parsed({"-w"}).weekly_summary);
}

TEST(CommandLine, LogLevelAsPythonNumbers) {
  EXPECT_EQ(parsed({"-l", "10"}).log_level, log::Level::debug);
  EXPECT_EQ(parsed({"-l", "20"}).log_level, log::Level::info);
  EXPECT_EQ(parsed({"--loglevel", "30"}).log_level, log::Level::warning);
  EXPECT_EQ(parsed({"--loglevel=40"}).log_level, log::Level::error);
  EXPECT_EQ(parsed({"-l40"}).log_level, log::Level::error);
  EXPECT_EQ(parsed({"-l", "10", "-l", "30"}).log_level, log::Level::warning);
}

TEST(CommandLine, LogLevelAsNames) {
  EXPECT_EQ(parsed({"-l", "debug"}).log_level, log::Level::debug);
  EXPECT_EQ(parsed({"--loglevel", "INFO"}).log_level, log::Level::info);
  EXPECT_EQ(parsed({"--loglevel=warning"}).log_level, log::Level::warning);
  EXPECT_EQ(parsed({"-lerror"}).log_level, log::Level::error);
}

TEST(CommandLine, BundledShortOptions) {
  const CommandLine cli = parsed({"-pl", "20"});
  EXPECT_TRUE(cli.purge);
  EXPECT_EQ(cli.log_level, log::Level::info);
  const CommandLine inline_value = parsed({"-pl10"});
  EXPECT_TRUE(inline_value.purge);
  EXPECT_EQ(inline_value.log_level, log::Level::debug);
}

TEST(CommandLine, HelpAndVersion) {
  EXPECT_TRUE(parsed({"--help"}).help);
  EXPECT_TRUE(parsed({"-h"}).help);
  EXPECT_TRUE(parsed({"--version"}).version);
  EXPECT_TRUE(parsed({"--config", "x.toml", "--help"}).help);
}

TEST(CommandLine, Everything) {
  const CommandLine cli = parsed({"--config", "fab.toml", "--purge", "--loglevel", "30"});
  EXPECT_EQ(cli.config, "fab.toml");
  EXPECT_TRUE(cli.purge);
  EXPECT_EQ(cli.log_level, log::Level::warning);
}

TEST(CommandLine, FromArgv) {
  const char* argv[] = {"fabomatic", "-p", "--config", "x.toml"};
  auto result = parse_command_line(4, argv);
  ASSERT_TRUE(std::holds_alternative<CommandLine>(result));
  EXPECT_TRUE(std::get<CommandLine>(result).purge);
  EXPECT_EQ(std::get<CommandLine>(result).config, "x.toml");
}

TEST(CommandLine, Errors) {
  EXPECT_EQ(error_of({"--config"}), "--config needs a value (see --help)");
  EXPECT_EQ(error_of({"--config", "--purge"}), "--config needs a value (see --help)");
  EXPECT_EQ(error_of({"--config="}), "--config needs a file name, got '' (see --help)");
  EXPECT_EQ(error_of({"-l"}), "-l needs a value (see --help)");
  EXPECT_EQ(error_of({"--loglevel"}), "--loglevel needs a value (see --help)");
  EXPECT_EQ(error_of({"-l", "loud"}),
            "-l must be a level from 0 to 50 (10 debug, 20 info, 30 warning, 40 error) or a "
            "name (debug, info, warning, error), got 'loud' (see --help)");
  EXPECT_EQ(error_of({"--loglevel=99"}),
            "--loglevel must be a level from 0 to 50 (10 debug, 20 info, 30 warning, 40 error) "
            "or a name (debug, info, warning, error), got '99' (see --help)");
  EXPECT_EQ(error_of({"--verbose"}), "unknown option '--verbose' (see --help)");
  EXPECT_EQ(error_of({"-x"}), "unknown option '-x' in '-x' (see --help)");
  EXPECT_EQ(error_of({"-px"}), "unknown option '-x' in '-px' (see --help)");
  EXPECT_EQ(error_of({"settings.toml"}), "unexpected argument 'settings.toml' (see --help)");
  EXPECT_EQ(error_of({"-"}), "unexpected argument '-' (see --help)");
  EXPECT_EQ(error_of({"--purge=yes"}), "--purge takes no value, got '--purge=yes' (see --help)");
  EXPECT_EQ(error_of({"--", "-p"}), "unknown option '--' (see --help)");
  EXPECT_EQ(error_of({"-p", "-w"}), "--purge and --weekly-summary cannot be combined (see --help)");
  EXPECT_EQ(error_of({"--bogus", "--also-bogus"}), "unknown option '--bogus' (see --help)")
      << "the first problem is reported";
}

TEST(CommandLine, BoardAccounts) {
  using Action = BoardAccountCommand::Action;
  const CommandLine create = parsed({"board-account", "create", "7"});
  ASSERT_TRUE(create.board_account);
  EXPECT_EQ(create.board_account->action, Action::create);
  EXPECT_EQ(create.board_account->machine_id, 7);
  EXPECT_FALSE(create.board_account->json);
  const CommandLine rotate =
      parsed({"--config", "s.toml", "board-account", "rotate", "12", "--json"});
  EXPECT_EQ(rotate.config, "s.toml");
  EXPECT_EQ(rotate.board_account->action, Action::rotate);
  EXPECT_EQ(rotate.board_account->machine_id, 12);
  EXPECT_TRUE(rotate.board_account->json);
  EXPECT_EQ(parsed({"board-account", "revoke", "3", "-l", "debug"}).board_account->action,
            Action::revoke);
  EXPECT_EQ(parsed({"board-account", "list"}).board_account->action, Action::list);
  EXPECT_FALSE(parsed({"-p"}).board_account);

  EXPECT_EQ(error_of({"board-account"}),
            "board-account needs an action: create, rotate, revoke or list (see --help)");
  EXPECT_EQ(error_of({"board-account", "make", "1"}),
            "unknown board-account action 'make' (create, rotate, revoke or list) (see --help)");
  EXPECT_EQ(error_of({"board-account", "create"}),
            "board-account create needs a machine id (see --help)");
  EXPECT_EQ(error_of({"board-account", "create", "x7"}),
            "board-account create: 'x7' is not a machine id (see --help)");
  EXPECT_EQ(error_of({"board-account", "list", "7"}), "unexpected argument '7' (see --help)");
  EXPECT_EQ(error_of({"--json"}), "--json goes with board-account or admin (see --help)");
  EXPECT_EQ(error_of({"-p", "board-account", "list"}),
            "board-account cannot be combined with --purge or --weekly-summary (see --help)");
}

TEST(CommandLine, Admin) {
  using Action = AdminCommand::Action;
  const CommandLine list = parsed({"--config", "s.toml", "admin", "list"});
  ASSERT_TRUE(list.admin);
  EXPECT_EQ(list.admin->action, Action::list);
  EXPECT_FALSE(list.board_account);
  const CommandLine set = parsed({"admin", "set-password", "boss@lab.org", "--json"});
  EXPECT_EQ(set.admin->action, Action::set_password);
  EXPECT_EQ(set.admin->email, "boss@lab.org");
  EXPECT_TRUE(set.admin->json);
  EXPECT_EQ(parsed({"admin", "grant", "lucia@lab.org"}).admin->action, Action::grant);

  EXPECT_EQ(error_of({"admin"}), "admin needs an action: list, set-password or grant (see --help)");
  EXPECT_EQ(error_of({"admin", "delete", "x@y"}),
            "unknown admin action 'delete' (list, set-password or grant) (see --help)");
  EXPECT_EQ(error_of({"admin", "grant"}), "admin grant needs the account's e-mail (see --help)");
  EXPECT_EQ(error_of({"admin", "grant", "lucia"}),
            "admin grant: 'lucia' is not an e-mail address (see --help)");
  EXPECT_EQ(error_of({"admin", "list", "x@y"}), "unexpected argument 'x@y' (see --help)");
  EXPECT_EQ(error_of({"-p", "admin", "list"}),
            "admin cannot be combined with --purge or --weekly-summary (see --help)");
}

TEST(CommandLine, UsageNamesEveryOption) {
  const std::string usage = usage_text();
  for (const char* option :
       {"--config FILE", "-p, --purge", "-l, --loglevel N", "-w, --weekly-summary", "-h, --help",
        "--version", "~/.config/FabOMatic/settings.toml", "/etc/FabOMatic/settings.toml",
        "./settings.toml", "board-account create|rotate|revoke MACHINE_ID", "--json",
        "admin list|set-password EMAIL|grant EMAIL"}) {
    EXPECT_NE(usage.find(option), std::string::npos) << option;
  }
}

}  // namespace
}  // namespace fabomatic::app
