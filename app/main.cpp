// fabomatic: the FabLab access appliance in one process.
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include "app/admin_command.hpp"
#include "app/app.hpp"
#include "app/board_account_command.hpp"
#include "app/cli.hpp"
#include "app/mail_center.hpp"
#include "backend/housekeeping.hpp"
#include "backend/settings.hpp"
#include "common/clock.hpp"
#include "common/log.hpp"
#include "db/database.hpp"
#include "db/purge.hpp"
#include "web/mail/mailer.hpp"

namespace {

using namespace fabomatic;

// --config FILE, else the first file of the search order, else a commented default file
// created in the working directory (first start).
backend::Settings load(const app::CommandLine& cli) {
  if (cli.config) return backend::load_settings(*cli.config);
  if (const auto found = backend::find_settings_file()) return backend::load_settings(*found);
  const auto created = std::filesystem::current_path() / "settings.toml";
  backend::write_default_settings(created);
  log::info("config", "no settings file found: created " + created.string());
  return backend::load_settings(created);
}

// Every board, browser and database file is a descriptor, and the usual soft limit (1024) is
// below what [MQTT] max_connections allows: take what the hard limit grants.
void raise_descriptor_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  const rlim_t wanted = limit.rlim_max;
  limit.rlim_cur = wanted;
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    log::warning("main", "could not raise the open-files limit; connections may be refused");
  }
}

}  // namespace

int main(int argc, char** argv) {
  // Every file fabomatic creates (the database and its journal, backups, the certificate's key,
  // the board-account key, a default settings file) is for its own user only: the database
  // holds password hashes and the members' cards. (The Debian unit sets UMask=0077 too.)
  ::umask(::umask(0) | 0077);
  const auto parsed = app::parse_command_line(argc, argv);
  if (const auto* error = std::get_if<app::CommandLineError>(&parsed)) {
    std::fprintf(stderr, "fabomatic: %s\n%s", error->message.c_str(), app::usage_text().c_str());
    return 2;
  }
  const auto& cli = std::get<app::CommandLine>(parsed);
  if (cli.help) {
    std::fputs(app::usage_text().c_str(), stdout);
    return 0;
  }
  if (cli.version) {
    std::puts("fabomatic " FABOMATIC_VERSION);
    return 0;
  }

  backend::Settings settings;
  try {
    settings = load(cli);
  } catch (const backend::SettingsError& e) {
    for (const auto& line : e.errors())
      log::error("config", line);
    return 1;
  }
  // A command's output (JSON for scripts) is not mixed with the appliance's log lines.
  const log::Level quiet =
      cli.board_account || cli.admin ? log::Level::error : settings.backend.log_level;
  log::set_level(cli.log_level.value_or(quiet));
  log::info("main",
            "fabomatic " FABOMATIC_VERSION " starting with settings " +
                (settings.source.empty() ? std::string("(defaults)") : settings.source.string()));

  try {
    if (cli.purge) {
      auto opened = app::open_configured_database(settings);
      const auto result =
          db::purge(opened.conn, unix_now(), backend::purge_policy(settings.backend));
      log::info("main", "purge changed " + std::to_string(result.total()) + " row(s)");
      return 0;
    }
    if (cli.board_account) return app::run_board_account_command(*cli.board_account, settings);
    if (cli.admin) return app::run_admin_command(*cli.admin, settings);
    if (cli.weekly_summary) {
      auto opened = app::open_configured_database(settings);
      const auto& e = settings.email;
      web::SmtpMailer mailer({e.server, e.port, e.use_tls, e.username, e.password, e.sender});
      const auto queued = app::send_weekly_summary(opened.conn, mailer, unix_now(),
                                                   settings.weekly_summary.language);
      mailer.flush();  // delivered (or failed, logged) before the process ends
      log::info("main", "weekly summary sent to " + std::to_string(queued) + " member(s)");
      return 0;
    }
    raise_descriptor_limit();
    bool restart = false;
    int status = 0;
    {
      app::App app(std::move(settings));
      app.start();
      status = app.run();
      restart = app.restart_requested();
    }  // everything closed: sockets, database, threads
    if (restart) {
      // The same program with the same arguments, in this process (systemd keeps tracking it;
      // it reads its settings again). Descriptors still open are not handed on.
      close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
      execv("/proc/self/exe", argv);
      log::error("main", std::string("restart failed: ") + std::strerror(errno));
      return 1;
    }
    return status;
  } catch (const std::exception& e) {
    log::error("main", e.what());
    return 1;
  }
}
