// `fabomatic admin ...`: the way back into the portal from the appliance's command line — list
// the accounts that may sign in, set an account's password, grant the portal to an account.
// For a lab locked out (a forgotten password, a legacy database whose administrators lost the
// portal) and for scripts that set an appliance up.
#pragma once

#include <cstdio>
#include <optional>
#include <string>

#include "app/cli.hpp"
#include "backend/settings.hpp"

namespace fabomatic::app {

/// Runs the command on the configured database, printing to stdout (errors to stderr); returns
/// the exit status. set-password reads the new password from `input` (one line; when it is a
/// terminal, typed twice without echo).
int run_admin_command(const AdminCommand& command, const backend::Settings& settings,
                      std::FILE* input = stdin);

}  // namespace fabomatic::app
