#include "web/api/members.hpp"

#include <map>

#include "common/text.hpp"
#include "db/authorizations_repository.hpp"
#include "db/interventions_repository.hpp"
#include "db/passwords.hpp"
#include "db/portal_access.hpp"
#include "db/reset_tokens_repository.hpp"
#include "db/roles_repository.hpp"
#include "db/seed.hpp"
#include "db/sqlite.hpp"
#include "db/unknown_cards_repository.hpp"
#include "db/users_repository.hpp"
#include "db/uses_repository.hpp"
#include "web/api/routes.hpp"
#include "web/auth/password_reset.hpp"
#include "web/auth/sessions.hpp"

namespace fabomatic::web::api {

namespace {

constexpr SortField<db::UserSort> kSorts[] = {{"id", db::UserSort::Id},
                                              {"name", db::UserSort::Name},
                                              {"card", db::UserSort::Card},
                                              {"email", db::UserSort::Email},
                                              {"role", db::UserSort::Role}};

std::map<db::Id, std::string> role_names(db::Connection& db) {
  std::map<db::Id, std::string> names;
  for (const auto& role : db::RolesRepository(db).list())
    names.emplace(role.id, role.name);
  return names;
}

// Reads the writable fields of a member into `user`. The password comes back in clear so that
// it is hashed only once the whole body proved valid.
std::optional<std::string> read_fields(db::Connection& db, Body& body, db::User& user,
                                       bool creating, bool card_in_body) {
  if (creating) {
    body.require("name");
    body.require("role_id");
  }
  if (auto v = body.text("name", {.max_length = 100, .single_line = true}))
    user.name = std::move(*v);
  if (auto v = body.text("surname", {.max_length = 100, .allow_empty = true, .single_line = true}))
    user.surname = std::move(*v);
  if (auto v = body.id("role_id")) {
    if (db::RolesRepository(db).get(*v)) {
      user.role_id = *v;
    } else {
      body.error("role_id", field_error::unknown_reference("role", "no such role"));
    }
  }
  if (card_in_body) {
    if (auto v = body.card("card")) user.card = std::move(*v);
  }
  if (auto v = body.nullable_text("email", {.max_length = 254, .single_line = true})) {
    if (*v && !text::plausible_email(**v)) {
      body.error("email", field_error::pattern("email", "not an e-mail address"));
    } else {
      user.email = std::move(*v);
    }
  }
  if (auto v = body.boolean("disabled")) user.disabled = *v;
  if (auto v = body.boolean("receive_weekly_summary")) user.receive_weekly_summary = *v;
  if (auto v = body.boolean("password_change_required")) user.password_change_required = *v;
  std::optional<std::string> password;
  if (auto v = body.text("password", {.max_length = kMaxMemberPassword, .keep_spaces = true})) {
    if (text::utf8_length(*v) < kMinMemberPassword) {
      body.error("password", field_error::too_short(static_cast<std::int64_t>(kMinMemberPassword)));
    } else {
      password = std::move(*v);
    }
  }
  return password;
}

// An e-mail signs in, so two members that could sign in must not share one.
void refuse_taken_email(db::Connection& db, const db::User& user) {
  if (!user.email) return;
  if (const auto other = db::UsersRepository(db).by_email(*user.email);
      other && other->id != user.id) {
    throw ApiError::conflict("email", field_error::taken("another member has this e-mail address"));
  }
}

void refuse_anonymous(db::Connection& db, db::Id id) {
  if (db::anonymous_user_id(db) == id) {
    throw ApiError::conflict("reserved",
                             field_error::reserved("the Anonymous member stands in for purged "
                                                   "history and cannot be changed"));
  }
}

// An admin must not lock themselves out of the portal by accident.
void refuse_self_lockout(db::Connection& db, const Principal& who, const db::User& after) {
  if (after.id != who.user_id) return;
  if (after.disabled)
    throw ApiError::conflict("disabled", field_error::self("you cannot disable your own account"));
  if (db::portal_via(db, after) == db::PortalVia::none) {
    throw ApiError::conflict(
        "role_id",
        field_error::self("you cannot give yourself a role without backend admin rights"));
  }
}

// What signs a member in: a new password or e-mail ends their sessions and reset links.
bool credentials_changed(const db::User& before, const db::User& after) {
  return before.password_hash != after.password_hash ||
         text::ascii_lowercase(before.email.value_or("")) !=
             text::ascii_lowercase(after.email.value_or(""));
}

// Taps of a card that now belongs to a member are no longer unknown.
void forget_taps(ApiContext& context, const Principal& who, const db::User& user) {
  if (!user.card) return;
  const auto removed = db::UnknownCardsRepository(context.db).remove_card(*user.card);
  if (removed > 0) {
    record_change(context, who, "delete", "unknown_card", std::nullopt,
                  Json{{"card", *user.card}, {"taps", removed}}, std::nullopt);
  }
}

db::User existing(db::Connection& db, db::Id id) {
  auto user = db::UsersRepository(db).get(id);
  if (!user) throw ApiError::not_found("member", id);
  return std::move(*user);
}

Response list(ApiContext& context, const Request& request, const Principal&) {
  Query query(request);
  db::UserFilter filter;
  filter.role_id = query.id("role_id");
  filter.disabled = query.flag("disabled");
  filter.search = query.text("q");
  filter.include_deleted = query.flag("include_deleted").value_or(false);
  std::tie(filter.sort, filter.descending) = query.sort(kSorts, false);
  const db::Page page = query.page();
  query.finish();

  db::UsersRepository users(context.db);
  const auto names = role_names(context.db);
  const auto anonymous = db::anonymous_user_id(context.db);
  Json items = Json::array();
  for (const auto& user : users.list(filter, page)) {
    const auto it = names.find(user.role_id);
    items.push_back(member_json(user, it == names.end() ? "" : it->second, anonymous == user.id));
  }
  return json_response(200, page_json(std::move(items), users.count(filter), page));
}

Response get(ApiContext& context, const Request& request, const Principal&) {
  return json_response(200,
                       member_json(context.db, existing(context.db, path_id(request, "member"))));
}

// What deleting the member leaves behind: nothing is removed (soft delete), the history stays
// with the member's name, the card is freed.
Response cascade(ApiContext& context, const Request& request, const Principal&) {
  const db::User user = existing(context.db, path_id(request, "member"));
  db::UseFilter uses;
  uses.user_id = user.id;
  db::AuthorizationFilter authorizations;
  authorizations.user_id = user.id;
  db::InterventionFilter interventions;
  interventions.user_id = user.id;
  return json_response(
      200, Json{{"uses", db::UsesRepository(context.db).count(uses)},
                {"authorizations", db::AuthorizationsRepository(context.db).count(authorizations)},
                {"interventions", db::InterventionsRepository(context.db).count(interventions)},
                {"card", or_null(user.card)}});
}

// An admin sends a member the mail with a link to choose a password (PasswordResets, the same
// link as "forgot password"); audited there as password_reset_requested.
Response password_reset(ApiContext& context, const Request& request, const Principal& who) {
  const db::Id id = path_id(request, "member");
  const db::User user = existing(context.db, id);
  if (user.deleted) throw ApiError::not_found("member", id);
  if (context.resets == nullptr) {
    throw ApiError(503, "unavailable", "password reset mails are not available");
  }
  switch (context.resets->request_for_user(id, who)) {
    case PasswordResets::AdminOutcome::sent:
      break;
    case PasswordResets::AdminOutcome::not_found:
      throw ApiError::not_found("member", id);
    case PasswordResets::AdminOutcome::no_email:
      throw ApiError(409, "no_email", "the member has no e-mail address to send the link to");
    case PasswordResets::AdminOutcome::no_portal_access:
      throw ApiError(409, "no_portal_access",
                     "the member's role may not sign in to the portal (or the member is "
                     "disabled): a password would open nothing");
    case PasswordResets::AdminOutcome::mail_refused:
      throw ApiError(503, "mail_refused", "the mail could not be queued; try again later");
  }
  return json_response(202, Json{{"message",
                                  "A mail with a link to set a new password is on its "
                                  "way to " +
                                      user.email.value_or("") + "."}});
}

Response create(ApiContext& context, const Request& request, const Principal& who,
                const std::optional<HashedPassword>& hashed) {
  Body body(request);
  db::Transaction tx(context.db);
  Json created = create_member(context, who, body, std::nullopt, hashed);
  tx.commit();
  return json_response(201, created);
}

Response update(ApiContext& context, const Request& request, const Principal& who,
                const std::optional<HashedPassword>& hashed) {
  const db::Id id = path_id(request, "member");
  Body body(request);
  db::Transaction tx(context.db);
  const db::User before = existing(context.db, id);
  refuse_anonymous(context.db, id);
  if (before.deleted)
    throw ApiError::conflict("deleted", field_error::deleted("deleted members cannot be edited"));
  db::User after = before;
  const auto password = read_fields(context.db, body, after, false, true);
  body.finish();
  refuse_taken_email(context.db, after);
  refuse_self_lockout(context.db, who, after);
  if (password) after.password_hash = hash_for(*password, hashed);
  db::UsersRepository(context.db).update(after);
  if (after.card != before.card) forget_taps(context, who, after);
  const bool ends_sessions = credentials_changed(before, after);
  if (ends_sessions) db::ResetTokensRepository(context.db).revoke_for_user(id, context.now());
  Json after_json = member_json(context.db, existing(context.db, id));
  // The hash is never shown, so a new password would look like no change at all.
  Json audited = after_json;
  if (password) audited["password"] = "(changed)";
  record_change(context, who, "update", "user", id, member_json(context.db, before), audited);
  tx.commit();
  // The member signs in again with what was set (an admin changing their own keeps this
  // session); a reset link mailed before sets nothing any more.
  if (ends_sessions && context.auth) {
    context.auth->close_user_sessions(id, id == who.user_id ? &request : nullptr);
  }
  refresh_live(context);
  return json_response(200, after_json);
}

Response remove(ApiContext& context, const Request& request, const Principal& who) {
  const db::Id id = path_id(request, "member");
  db::Transaction tx(context.db);
  const db::User before = existing(context.db, id);
  if (before.deleted) throw ApiError::not_found("member", id);
  refuse_anonymous(context.db, id);
  if (id == who.user_id)
    throw ApiError::conflict("id", field_error::self("you cannot delete your own account"));
  db::UsersRepository(context.db).remove(id);
  Json after_json = member_json(context.db, existing(context.db, id));
  record_change(context, who, "delete", "user", id, member_json(context.db, before), after_json);
  tx.commit();
  refresh_live(context);
  return json_response(200, after_json);
}

}  // namespace

Json member_json(const db::User& user, const std::string& role_name, bool reserved) {
  return Json{{"id", user.id},
              {"name", user.name},
              {"surname", user.surname},
              {"role_id", user.role_id},
              {"role_name", role_name},
              {"card", or_null(user.card)},
              {"email", or_null(user.email)},
              {"disabled", user.disabled},
              {"deleted", user.deleted},
              {"receive_weekly_summary", user.receive_weekly_summary},
              {"password_change_required", user.password_change_required},
              {"has_password", user.password_hash.has_value() && !user.password_hash->empty()},
              {"reserved", reserved}};
}

Json member_json(db::Connection& db, const db::User& user) {
  const auto role = db::RolesRepository(db).get(user.role_id);
  return member_json(user, role ? role->name : "", db::anonymous_user_id(db) == user.id);
}

Json create_member(ApiContext& context, const Principal& who, Body& body,
                   const std::optional<std::string>& card,
                   const std::optional<HashedPassword>& hashed) {
  db::User user;
  const auto password = read_fields(context.db, body, user, true, !card.has_value());
  if (card) user.card = card;
  body.finish();
  refuse_taken_email(context.db, user);
  if (password) user.password_hash = hash_for(*password, hashed);
  db::UsersRepository users(context.db);
  const db::Id id = users.create(user);
  forget_taps(context, who, user);
  Json created = member_json(context.db, existing(context.db, id));
  record_change(context, who, "create", "user", id, std::nullopt, created);
  return created;
}

void add_member_routes(RouteTable& routes, ApiContext& c) {
  const std::string base = "/api/v1/members";
  auto& l = routes.emplace_back(route(Method::get, base, "members", "List members",
                                      [&c](auto& r, auto& w) { return list(c, r, w); }));
  l.query = {{"role_id", "integer", "only members of this role", {}},
             {"disabled", "boolean", "only disabled (true) or enabled (false) members", {}},
             {"q", "string", "substring of name, surname, e-mail or card (any case)", {}},
             {"include_deleted", "boolean", "list soft-deleted members too (default false)", {}}};
  for (auto& p : list_params(sort_names(kSorts)))
    l.query.push_back(std::move(p));
  l.response_schema = "MemberPage";

  auto& c1 = routes.emplace_back(
      password_first_route(c, Method::post, base, "members",
                           "Create a member (taps of the card are removed from the unknown cards)",
                           [&c](auto& r, auto& w, auto& h) { return create(c, r, w, h); }));
  c1.request_schema = "MemberCreate";
  c1.response_schema = "Member";
  c1.success_status = 201;

  routes
      .emplace_back(route(Method::get, base + "/{id}", "members", "Get a member (also deleted)",
                          [&c](auto& r, auto& w) { return get(c, r, w); }))
      .response_schema = "Member";
  auto& u = routes.emplace_back(
      password_first_route(c, Method::patch, base + "/{id}", "members",
                           "Change the fields given, leave the others as they are",
                           [&c](auto& r, auto& w, auto& h) { return update(c, r, w, h); }));
  u.request_schema = "MemberPatch";
  u.response_schema = "Member";
  routes
      .emplace_back(route(Method::delete_, base + "/{id}", "members",
                          "Soft delete: marks the member deleted and frees the card",
                          [&c](auto& r, auto& w) { return remove(c, r, w); }))
      .response_schema = "Member";
  routes
      .emplace_back(route(Method::get, base + "/{id}/cascade", "members",
                          "What deleting the member leaves behind: the uses, authorizations and "
                          "interventions that stay (with the member's name), the card it frees",
                          [&c](auto& r, auto& w) { return cascade(c, r, w); }))
      .response_schema = "MemberCascade";
  auto& reset = routes.emplace_back(
      route(Method::post, base + "/{id}/password-reset", "members",
            "Mail the member a link to choose a new password (valid 30 minutes, once); 202 when "
            "queued, 409 no_email without an address or no_portal_access when the member may "
            "not sign in, 503 mail_refused when the mail queue is full",
            [&c](auto& r, auto& w) { return password_reset(c, r, w); }));
  reset.response_schema = "Message";
  reset.success_status = 202;
}

}  // namespace fabomatic::web::api
