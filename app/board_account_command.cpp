#include "app/board_account_command.hpp"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "app/app.hpp"
#include "backend/board_accounts.hpp"
#include "common/clock.hpp"
#include "db/machines_repository.hpp"
#include "db/repository.hpp"

namespace fabomatic::app {

namespace {

using Json = nlohmann::json;
using Action = BoardAccountCommand::Action;

Json account_json(const db::BoardAccount& account) {
  return Json{{"machine_id", account.machine_id},
              {"username", account.username},
              {"created", account.created},
              {"rotated", account.rotated}};
}

void print_secret(const BoardAccountCommand& command, const backend::IssuedSecret& issued,
                  const std::string& machine_name) {
  if (command.json) {
    Json out = account_json(issued.account);
    out["secret"] = issued.secret;
    std::puts(out.dump().c_str());
    return;
  }
  std::printf(
      "board account of machine %lld (%s)\n"
      "  MQTT user:     %s\n"
      "  MQTT password: %s\n"
      "Type both into the board's configuration portal; the password is shown this once.\n",
      static_cast<long long>(issued.account.machine_id), machine_name.c_str(),
      issued.account.username.c_str(), issued.secret.c_str());
}

int fail(const std::string& message) {
  std::fprintf(stderr, "fabomatic board-account: %s\n", message.c_str());
  return 1;
}

}  // namespace

int run_board_account_command(const BoardAccountCommand& command,
                              const backend::Settings& settings) {
  auto opened = open_configured_database(settings);
  db::Connection& conn = opened.conn;
  const auto secrets = backend::BoardSecrets::load_or_create(
      settings.backend.data_dir / std::string(backend::kBoardKeyFileName));
  backend::BoardAccounts accounts(conn, secrets, unix_now);
  const auto name_of = [&](db::Id id) {
    const auto machine = db::MachinesRepository(conn).get(id);
    return machine ? machine->name : std::string();
  };
  switch (command.action) {
    case Action::list: {
      const auto all = accounts.list();
      if (command.json) {
        Json items = Json::array();
        for (const auto& account : all) {
          Json item = account_json(account);
          item["machine_name"] = name_of(account.machine_id);
          items.push_back(std::move(item));
        }
        std::puts(items.dump().c_str());
        return 0;
      }
      if (all.empty()) std::puts("no board accounts");
      for (const auto& account : all) {
        std::printf("machine %-6lld %-16s %s\n", static_cast<long long>(account.machine_id),
                    account.username.c_str(), name_of(account.machine_id).c_str());
      }
      return 0;
    }
    case Action::create: {
      if (!db::MachinesRepository(conn).get(command.machine_id)) {
        return fail("there is no machine " + std::to_string(command.machine_id));
      }
      try {
        db::Transaction tx(conn);
        const auto issued = accounts.create(command.machine_id);
        tx.commit();
        print_secret(command, issued, name_of(command.machine_id));
      } catch (const db::Conflict&) {
        return fail("machine " + std::to_string(command.machine_id) +
                    " has a board account already: rotate its secret or revoke it");
      }
      return 0;
    }
    case Action::rotate: {
      db::Transaction tx(conn);
      const auto issued = accounts.rotate(command.machine_id);
      if (!issued) {
        return fail("machine " + std::to_string(command.machine_id) + " has no board account");
      }
      tx.commit();
      print_secret(command, *issued, name_of(command.machine_id));
      return 0;
    }
    case Action::revoke: {
      if (!accounts.revoke(command.machine_id)) {
        return fail("machine " + std::to_string(command.machine_id) + " has no board account");
      }
      if (command.json) {
        std::puts(Json{{"machine_id", command.machine_id}, {"revoked", true}}.dump().c_str());
      } else {
        std::printf("board account of machine %lld revoked\n",
                    static_cast<long long>(command.machine_id));
      }
      return 0;
    }
  }
  return 1;
}

}  // namespace fabomatic::app
