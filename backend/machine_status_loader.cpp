#include "backend/machine_status_loader.hpp"

#include <algorithm>

#include "db/boards_repository.hpp"
#include "db/machines_repository.hpp"
#include "db/maintenance_due.hpp"
#include "db/users_repository.hpp"
#include "db/uses_repository.hpp"

namespace fabomatic::backend {

namespace {

MachineStatus status_of(db::Connection& db, const db::Machine& machine) {
  MachineStatus s;
  s.machine_id = machine.id;
  s.name = machine.name;
  s.blocked = machine.blocked;
  s.maintenance_due = db::any_due(db, machine.id);
  // When it was heard before this process started: "last seen 3 days ago", not "never". It is
  // not online for it; only a message heard by this process (LiveStatus::heard) makes it so.
  s.last_heard = static_cast<double>(machine.last_seen.value_or(0));
  if (const auto use = db::UsesRepository(db).open_use(machine.id)) {
    s.user_id = use->user_id;
    s.in_use_since = use->start;
    if (const auto user = db::UsersRepository(db).get(use->user_id)) {
      s.user_name = user->name + " " + user->surname;
    }
  }
  if (const auto board = db::BoardsRepository(db).by_machine(machine.id)) {
    s.board_ip = board->ip_address;
    s.board_version = board->fw_version;
    s.board_serial = board->serial.value_or("");
    s.board_heap = board->heap.value_or(0);
    s.last_heard = std::max(s.last_heard, static_cast<double>(board->last_seen));
  }
  return s;
}

}  // namespace

std::optional<MachineStatus> load_machine_status(db::Connection& db, db::Id machine_id) {
  const auto machine = db::MachinesRepository(db).get(machine_id);
  if (!machine) return std::nullopt;
  return status_of(db, *machine);
}

std::vector<MachineStatus> load_all_machine_statuses(db::Connection& db) {
  std::vector<MachineStatus> out;
  for (const auto& machine : db::MachinesRepository(db).list())
    out.push_back(status_of(db, machine));
  return out;
}

}  // namespace fabomatic::backend
