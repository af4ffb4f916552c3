#include "backend/heartbeats.hpp"

#include "db/machines_repository.hpp"
#include "db/sqlite.hpp"
#include "db/uses_repository.hpp"

namespace fabomatic::backend {

void Heartbeats::write(db::Connection& db) {
  if (empty()) return;
  // A savepoint inside the caller's transaction; alone, a commit nobody waits for: not synced.
  db::Transaction tx(db, db::TransactionKind::Immediate, db::Durability::relaxed);
  db::MachinesRepository machines(db);
  for (const auto& [id, when] : machines_)
    machines.touch(id, when);
  db::UsesRepository uses(db);
  for (const auto& [id, when] : uses_)
    uses.refresh(id, when);
  tx.commit();
  machines_.clear();
  uses_.clear();
}

}  // namespace fabomatic::backend
