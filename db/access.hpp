// The authorization decision of the board protocol (docs/board-protocol.md,
// "checkuser: the authorization decision") and the list of cards a board may cache (synccache).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/models.hpp"
#include "db/sqlite.hpp"

namespace fabomatic::db {

class UnknownTapRecorder;

class LookupCache;

// Which step of the decision settled it.
enum class AccessReason {
  UnknownCard,            // 1. no (non-deleted) user has the card
  Disabled,               // 2. the user is disabled
  AuthorizeAll,           // 3. the role authorizes everywhere, even on a blocked machine
  UnknownMachine,         //    no such machine (the backend answers "Invalid machine ID" first)
  Blocked,                // 4. the machine is blocked
  NoAuthorizationNeeded,  // 5. the machine type's access management is 1
  Authorized,             // 6. an authorization (user, machine) exists
  NotAuthorized,          // 6. it does not
};

// Level a board gives an authorized user: 2 (staff, may register maintenance) when the role
// has authorize all or maintenance (docs/board-protocol.md; differs from the Python backend),
// else 1.
int staff_level(bool authorize_all, bool maintenance);

struct AccessDecision {
  bool authorized = false;
  AccessReason reason = AccessReason::UnknownCard;
  std::optional<User> user;  // the card's user, unless the card is unknown
  int level = 0;             // 0 when not authorized, else staff_level() of the role

  bool unknown_card() const { return reason == AccessReason::UnknownCard; }
};

// The decision for `card` on `machine_id`; reads only.
AccessDecision decide_access(Connection& conn, Id machine_id, std::string_view card);

// checkuser: the decision (as `lookups` remembers it), and for an unknown card on an existing
// machine the tap recorded in unknown_cards at `now` (one transaction) — every tap, or as
// `recorder` lets through when given.
AccessDecision check_user(LookupCache& lookups, Id machine_id, std::string_view card, Timestamp now,
                          UnknownTapRecorder* recorder = nullptr);

struct CachedCard {
  Id user_id = 0;
  std::string card;  // lowercase
  int level = 0;
};

// synccache: the users authorized on the machine by the rule above (enabled, not deleted, with
// a card), with their level, in user id order. Empty for an unknown machine.
std::vector<CachedCard> authorized_cards(Connection& conn, Id machine_id);

}  // namespace fabomatic::db
