// `fabomatic board-account ...`: creates, rotates, revokes and lists board accounts in the
// configured database, for provisioning scripts and for a lab without the portal at hand.
#pragma once

#include "app/cli.hpp"
#include "backend/settings.hpp"

namespace fabomatic::app {

/// Runs the command, printing to stdout (errors to stderr); returns the exit status.
int run_board_account_command(const BoardAccountCommand& command,
                              const backend::Settings& settings);

}  // namespace fabomatic::app
