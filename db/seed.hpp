// The content a new FabOMatic database starts with, as the reference backend creates it, and the
// Anonymous role and user that purge (GDPR) moves old history to.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "db/sqlite.hpp"

namespace fabomatic::db {

inline constexpr std::string_view kAnonymousRoleName = "Anonymous";
inline constexpr std::string_view kAnonymousUserName = "Anonymous";

// Fills a database that has the schema but no rows: machine type "Default type" (logoff 480,
// grace 2, access management 0); roles "admins" (every flag), "Fab Staff" (authorize all,
// maintenance), "Fab Users" (authorize all), "Anonymous" (reserved); users "admin admin"
// (`admin_email`, no card and no password: the first start's setup code sets it, see
// web/auth/setup.hpp) and "Anonymous" (disabled, no card); machine "MACHINE1". Unlike the
// reference backend, nothing anyone could know: no password "admin", no card 12345678 that
// would open every machine. Needs our schema steps applied.
void seed_new_database(Connection& conn, std::string_view admin_email);

// Creates the Anonymous role and user when missing; true when it created something.
bool ensure_anonymous(Connection& conn);

// The Anonymous user (the first user with the Anonymous role), if there is one.
std::optional<std::int64_t> anonymous_user_id(Connection& conn);

}  // namespace fabomatic::db
