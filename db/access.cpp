#include "db/access.hpp"

#include "db/authorizations_repository.hpp"
#include "db/lookup_cache.hpp"
#include "db/repository.hpp"
#include "db/unknown_cards_repository.hpp"
#include "db/users_repository.hpp"

namespace fabomatic::db {

namespace {

struct RoleFlags {
  bool authorize_all = false;
  bool maintenance = false;
};

RoleFlags role_flags(Connection& conn, Id role_id) {
  auto stmt = conn.prepare_cached("SELECT authorize_all, maintenance FROM roles WHERE role_id = ?");
  stmt->bind(1, role_id);
  if (!stmt->step()) return {};  // a dangling role grants nothing
  return RoleFlags{stmt->get<bool>(0), stmt->get<bool>(1)};
}

struct MachineAccess {
  bool blocked = false;
  bool no_authorization_needed = false;
};

std::optional<MachineAccess> machine_access(Connection& conn, Id machine_id) {
  auto stmt = conn.prepare_cached(
      "SELECT m.blocked, COALESCE(t.access_management, 0) FROM machines m "
      "LEFT JOIN machine_types t ON t.type_id = m.machine_type_id WHERE m.machine_id = ?");
  stmt->bind(1, machine_id);
  if (!stmt->step()) return std::nullopt;
  return MachineAccess{stmt->get<bool>(0), stmt->get<std::int64_t>(1) == 1};
}

AccessDecision refuse(AccessDecision decision, AccessReason reason) {
  decision.authorized = false;
  decision.reason = reason;
  decision.level = 0;
  return decision;
}

AccessDecision grant(AccessDecision decision, AccessReason reason, const RoleFlags& role) {
  decision.authorized = true;
  decision.reason = reason;
  decision.level = staff_level(role.authorize_all, role.maintenance);
  return decision;
}

}  // namespace

int staff_level(bool authorize_all, bool maintenance) {
  return authorize_all || maintenance ? 2 : 1;
}

AccessDecision decide_access(Connection& conn, Id machine_id, std::string_view card) {
  AccessDecision decision;
  auto user = UsersRepository(conn).by_card(card);
  // 1. A deleted user no longer owns a card (legacy rows may still show one).
  if (!user || user->deleted) return refuse(decision, AccessReason::UnknownCard);
  decision.user = std::move(user);
  // 2.
  if (decision.user->disabled) return refuse(std::move(decision), AccessReason::Disabled);
  // 3.
  const RoleFlags role = role_flags(conn, decision.user->role_id);
  if (role.authorize_all) return grant(std::move(decision), AccessReason::AuthorizeAll, role);
  const auto machine = machine_access(conn, machine_id);
  if (!machine) return refuse(std::move(decision), AccessReason::UnknownMachine);
  // 4.
  if (machine->blocked) return refuse(std::move(decision), AccessReason::Blocked);
  // 5.
  if (machine->no_authorization_needed)
    return grant(std::move(decision), AccessReason::NoAuthorizationNeeded, role);
  // 6.
  if (AuthorizationsRepository(conn).exists(decision.user->id, machine_id))
    return grant(std::move(decision), AccessReason::Authorized, role);
  return refuse(std::move(decision), AccessReason::NotAuthorized);
}

AccessDecision check_user(LookupCache& lookups, Id machine_id, std::string_view card, Timestamp now,
                          UnknownTapRecorder* recorder) {
  auto decision = lookups.access(machine_id, card);
  if (decision.unknown_card() && lookups.machine(machine_id) &&
      (!recorder || recorder->due(card, machine_id, now))) {
    // The only write: a known card's answer stays a read (no transaction of its own).
    Transaction tx(lookups.connection());
    if (recorder) {
      recorder->record(lookups.connection(), card, machine_id, now);
    } else {
      UnknownCardsRepository(lookups.connection()).record(card, machine_id, now);
    }
    tx.commit();
  }
  return decision;
}

std::vector<CachedCard> authorized_cards(Connection& conn, Id machine_id) {
  const auto machine = machine_access(conn, machine_id);
  if (!machine) return {};
  // The decision above as one query: authorize all, or (not blocked and (no authorization
  // needed or authorized)). A missing role row grants nothing beyond level 1 (role_flags). A
  // card some other row holds first (card_holder_order: cards differing only by case, a card
  // left on a deleted member) is that row's, as checkuser decides: listed for it or not at all.
  static const std::string sql =
      "SELECT u.user_id, u.\"card_UUID\", COALESCE(r.authorize_all, 0), "
      "COALESCE(r.maintenance, 0) FROM users u LEFT JOIN roles r ON r.role_id = u.role_id "
      "WHERE u.disabled = 0 AND u.deleted = 0 AND u.\"card_UUID\" IS NOT NULL "
      "AND u.\"card_UUID\" <> '' AND (r.authorize_all <> 0 OR (?1 = 0 AND (?2 <> 0 OR "
      "u.user_id IN (SELECT user_id FROM authorizations WHERE machine_id = ?3)))) "
      "AND NOT EXISTS (SELECT 1 FROM users o WHERE lower(o.\"card_UUID\") = "
      "lower(u.\"card_UUID\") AND (" +
      card_holder_order("o") + ") < (" + card_holder_order("u") + ")) ORDER BY u.user_id";
  auto stmt = conn.prepare_cached(sql);
  stmt->bind(1, machine->blocked);
  stmt->bind(2, machine->no_authorization_needed);
  stmt->bind(3, machine_id);
  std::vector<CachedCard> cards;
  while (stmt->step()) {
    cards.push_back(CachedCard{.user_id = stmt->get<Id>(0),
                               .card = normalize_card(stmt->get<std::string>(1)),
                               .level = staff_level(stmt->get<bool>(2), stmt->get<bool>(3))});
  }
  return cards;
}

}  // namespace fabomatic::db
