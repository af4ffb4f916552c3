// Who may sign in to the admin portal, as far as the database says: a member whose role has
// backend_admin, or who was granted the portal on their own (table portal_grants of ours: the
// accounts that the old portal let in and ours would not, and `fabomatic admin grant`). The
// sign-in rules on top (enabled, not deleted, an e-mail) are web/auth/account.hpp's.
//
// The Python FabOMatic let in a role with *authorize all* or *backend admin*; ours asks for
// backend_admin, which the old portal never required — no role of a real 0.4.0 file has it.
// Upgrading such a file grants the portal to each member of an *authorize all* role, so that
// everyone who could sign in before still can, and no one else (new members of those roles
// get no portal).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/models.hpp"
#include "db/sqlite.hpp"

namespace fabomatic::db {

/// Why a member has the portal.
enum class PortalVia { none, role, grant };

struct PortalGrant {
  Id user_id = 0;
  Timestamp granted = 0;
  std::string reason;  // "legacy upgrade", "command line", "portal"
};

class PortalGrantsRepository {
 public:
  explicit PortalGrantsRepository(Connection& conn) : conn_(conn) {}

  /// Grants the portal to the member; false when it had a grant already.
  bool grant(Id user_id, Timestamp now, std::string_view reason);
  /// Takes the member's own grant away; false when it had none.
  bool revoke(Id user_id);
  std::optional<PortalGrant> get(Id user_id);

 private:
  Connection& conn_;
};

/// Whether `user` has the portal through its role or a grant (not whether it may sign in now:
/// that also needs the account enabled, not deleted, with an e-mail).
PortalVia portal_via(Connection& conn, const User& user);

/// A member that may sign in: not deleted, not disabled, with an e-mail, and the portal through
/// its role or a grant.
struct SignInAccount {
  User user;
  std::string role_name;
  PortalVia via = PortalVia::none;
  bool has_password() const { return user.password_hash && !user.password_hash->empty(); }
};

/// Every member that may sign in, by user id.
std::vector<SignInAccount> sign_in_accounts(Connection& conn);

/// For a file of the Python FabOMatic (right after its conversion): grants the portal to every
/// member that is not deleted and whose role has authorize_all but not backend_admin (the
/// Anonymous role excepted). Returns their ids.
std::vector<Id> grant_portal_to_legacy_admins(Connection& conn, Timestamp now);

}  // namespace fabomatic::db
