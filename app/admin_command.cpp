#include "app/admin_command.hpp"

#include <termios.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "app/app.hpp"
#include "common/clock.hpp"
#include "common/text.hpp"
#include "db/passwords.hpp"
#include "db/portal_access.hpp"
#include "db/reset_tokens_repository.hpp"
#include "db/roles_repository.hpp"
#include "db/users_repository.hpp"
#include "web/auth/account.hpp"
#include "web/auth/audit_log.hpp"
#include "web/auth/routes.hpp"

namespace fabomatic::app {

namespace {

using Json = nlohmann::json;
using Action = AdminCommand::Action;

constexpr std::string_view kWhere = "command line";  // the audit log's address of these changes

int fail(const std::string& message) {
  std::fprintf(stderr, "fabomatic admin: %s\n", message.c_str());
  return 1;
}

std::string via_text(db::PortalVia via) {
  switch (via) {
    case db::PortalVia::role:
      return "role";
    case db::PortalVia::grant:
      return "grant";
    case db::PortalVia::none:
      break;
  }
  return "none";
}

std::string display_name(const db::User& user) {
  if (user.surname.empty()) return user.name;
  if (user.name.empty()) return user.surname;
  return user.name + " " + user.surname;
}

// Why an account with the portal still cannot sign in; empty when it can.
std::string sign_in_obstacle(const db::User& user) {
  if (user.deleted) return "it is deleted";
  if (user.disabled) return "it is disabled";
  if (!user.email || user.email->empty()) return "it has no e-mail";
  return "";
}

// One line of `input` without its line end; nullopt at end of input.
std::optional<std::string> read_line(std::FILE* input) {
  std::string line;
  int c = 0;
  bool any = false;
  while ((c = std::fgetc(input)) != EOF) {
    any = true;
    if (c == '\n') break;
    line += static_cast<char>(c);
    if (line.size() > 4096) break;  // far beyond any password we accept
  }
  if (!any) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

// Typed on a terminal without echo, or one line of a pipe.
std::optional<std::string> read_password(std::FILE* input, const char* prompt) {
  const int fd = ::fileno(input);
  termios saved{};
  const bool terminal = ::isatty(fd) && ::tcgetattr(fd, &saved) == 0;
  if (!terminal) return read_line(input);
  std::fputs(prompt, stderr);
  std::fflush(stderr);
  termios quiet = saved;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  ::tcsetattr(fd, TCSAFLUSH, &quiet);
  auto line = read_line(input);
  ::tcsetattr(fd, TCSAFLUSH, &saved);
  std::fputs("\n", stderr);
  return line;
}

int list(const AdminCommand& command, db::Connection& conn) {
  const auto accounts = db::sign_in_accounts(conn);
  if (command.json) {
    Json items = Json::array();
    for (const auto& account : accounts) {
      items.push_back(Json{{"id", account.user.id},
                           {"email", account.user.email.value_or("")},
                           {"name", display_name(account.user)},
                           {"role", account.role_name},
                           {"portal", via_text(account.via)},
                           {"has_password", account.has_password()},
                           {"password_change_required", account.user.password_change_required}});
    }
    std::puts(items.dump().c_str());
    return 0;
  }
  if (accounts.empty()) {
    std::puts(
        "no account may sign in to the portal: grant it to one (fabomatic admin grant EMAIL)");
  }
  for (const auto& account : accounts) {
    std::printf("%-32s %-24s role %-16s portal by %-5s %s\n",
                account.user.email.value_or("").c_str(), display_name(account.user).c_str(),
                account.role_name.c_str(), via_text(account.via).c_str(),
                account.has_password() ? "password set" : "no password yet");
  }
  return 0;
}

int set_password(const AdminCommand& command, db::Connection& conn, std::FILE* input) {
  auto user = db::UsersRepository(conn).by_email(command.email);
  if (!user) return fail("no member has the e-mail " + command.email);
  const auto password = read_password(input, "New password: ");
  if (!password) return fail("no password on standard input");
  if (::isatty(::fileno(input))) {
    const auto again = read_password(input, "Again: ");
    if (!again || *again != *password) return fail("the two passwords differ");
  }
  const web::AuthOptions limits;
  const std::size_t length = text::utf8_length(*password);
  if (length < limits.min_password_length || password->size() > limits.max_password_length) {
    return fail("a password has " + std::to_string(limits.min_password_length) + " to " +
                std::to_string(limits.max_password_length) + " characters");
  }
  const std::string hash = db::hash_password(*password);
  db::Transaction tx(conn);
  db::store_chosen_password(conn, user->id, hash);
  // A reset link mailed before no longer sets a password; the running appliance ends the
  // account's sessions at their next request (web/auth/sessions.hpp).
  db::ResetTokensRepository(conn).revoke_for_user(user->id, unix_now());
  web::AuditLog(conn).record_unauthenticated(std::nullopt, "", kWhere, "password_set", "user",
                                             user->id);
  tx.commit();
  const auto via = db::portal_via(conn, *user);
  const std::string obstacle = sign_in_obstacle(*user);
  if (command.json) {
    std::puts(Json{{"email", *user->email},
                   {"password_set", true},
                   {"may_sign_in", via != db::PortalVia::none && obstacle.empty()}}
                  .dump()
                  .c_str());
  } else {
    std::printf("password of %s set; its sessions and reset links end\n", user->email->c_str());
  }
  if (via == db::PortalVia::none) {
    std::fprintf(stderr,
                 "fabomatic admin: %s may not sign in to the portal: grant it with "
                 "fabomatic admin grant %s\n",
                 user->email->c_str(), user->email->c_str());
  } else if (!obstacle.empty()) {
    std::fprintf(stderr, "fabomatic admin: %s cannot sign in yet: %s\n", user->email->c_str(),
                 obstacle.c_str());
  }
  return 0;
}

int grant(const AdminCommand& command, db::Connection& conn) {
  const auto user = db::UsersRepository(conn).by_email(command.email);
  if (!user) return fail("no member has the e-mail " + command.email);
  bool granted = false;
  if (db::portal_via(conn, *user) == db::PortalVia::none) {
    db::Transaction tx(conn);
    granted = db::PortalGrantsRepository(conn).grant(user->id, unix_now(), "command line");
    web::AuditLog(conn).record_unauthenticated(std::nullopt, "", kWhere, "portal_grant", "user",
                                               user->id);
    tx.commit();
  }
  const std::string obstacle = sign_in_obstacle(*user);
  const bool has_password = user->password_hash && !user->password_hash->empty();
  if (command.json) {
    std::puts(Json{{"email", *user->email},
                   {"granted", granted},
                   {"portal", via_text(db::portal_via(conn, *user))},
                   {"has_password", has_password},
                   {"may_sign_in", obstacle.empty()}}
                  .dump()
                  .c_str());
  } else if (granted) {
    std::printf("%s may now sign in to the portal\n", user->email->c_str());
  } else {
    std::printf("%s has the portal already (by its %s)\n", user->email->c_str(),
                via_text(db::portal_via(conn, *user)).c_str());
  }
  if (!obstacle.empty()) {
    std::fprintf(stderr, "fabomatic admin: %s cannot sign in yet: %s\n", user->email->c_str(),
                 obstacle.c_str());
  } else if (!has_password) {
    std::fprintf(stderr,
                 "fabomatic admin: %s has no password yet: fabomatic admin set-password %s\n",
                 user->email->c_str(), user->email->c_str());
  }
  return 0;
}

}  // namespace

int run_admin_command(const AdminCommand& command, const backend::Settings& settings,
                      std::FILE* input) {
  auto opened = open_configured_database(settings);
  db::Connection& conn = opened.conn;
  switch (command.action) {
    case Action::list:
      return list(command, conn);
    case Action::set_password:
      return set_password(command, conn, input);
    case Action::grant:
      return grant(command, conn);
  }
  return 1;
}

}  // namespace fabomatic::app
