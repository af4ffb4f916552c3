// /api/v1/members: the lab's members (table users). Soft delete (the row stays for history,
// the card is freed); password hashes are never part of an answer.
#pragma once

#include <optional>
#include <string>

#include "db/models.hpp"
#include "web/api/context.hpp"
#include "web/api/json.hpp"
#include "web/api/password_first.hpp"

namespace fabomatic::web::api {

/// The member as the API shows it (role name included, no password hash); `reserved`: it is
/// the Anonymous member, which cannot be edited or deleted.
Json member_json(const db::User& user, const std::string& role_name, bool reserved);
/// The same, reading the role's name and whether the member is the Anonymous one.
Json member_json(db::Connection& db, const db::User& user);

/// Creates a member from a request body inside the caller's transaction and records it in the
/// audit log; `card` (when set) is the card to give instead of a body field (the unknown-card
/// conversion); `hashed`, the body's password hashed beforehand (api_password_first.hpp). Taps
/// of the member's card are removed from the unknown cards. Returns the new member's JSON.
Json create_member(ApiContext& context, const Principal& who, Body& body,
                   const std::optional<std::string>& card,
                   const std::optional<HashedPassword>& hashed);

}  // namespace fabomatic::web::api
