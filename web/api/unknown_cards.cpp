#include "web/api/unknown_cards.hpp"

#include "db/machines_repository.hpp"
#include "db/repository.hpp"
#include "db/unknown_cards_repository.hpp"
#include "web/api/authorizations.hpp"
#include "web/api/members.hpp"
#include "web/api/routes.hpp"

namespace fabomatic::web::api {

namespace {

db::UnknownCard existing(db::Connection& db, db::Id id) {
  auto tap = db::UnknownCardsRepository(db).get(id);
  if (!tap) throw ApiError::not_found("unknown card tap", id);
  return *tap;
}

Response list(ApiContext& context, const Request& request, const Principal&) {
  Query query(request);
  db::UnknownCardFilter filter;
  filter.machine_id = query.id("machine_id");
  filter.card = query.text("card", 64);
  const db::Page page = query.page();
  query.finish();
  db::UnknownCardsRepository taps(context.db);
  const auto rows = taps.list(filter, page);
  Names names(context.db);
  names.preload(rows, nullptr, &db::UnknownCard::machine_id);
  Json items = Json::array();
  for (const auto& tap : rows)
    items.push_back(unknown_card_json(tap, names));
  return json_response(200, page_json(std::move(items), taps.count(filter), page));
}

Response remove(ApiContext& context, const Request& request, const Principal& who) {
  const db::Id id = path_id(request, "unknown card tap");
  db::Transaction tx(context.db);
  Names names(context.db);
  Json before = unknown_card_json(existing(context.db, id), names);
  db::UnknownCardsRepository(context.db).remove(id);
  record_change(context, who, "delete", "unknown_card", id, before, std::nullopt);
  tx.commit();
  return Response::no_content();
}

// "Convert to new member": the body holds the member's fields except the card, which is the
// tap's, and `authorize_machine`: also authorize the member on the machine of the tap (a new
// member of a role without authorize all opens no machine otherwise). Creating the member
// removes every tap of that card.
Response convert(ApiContext& context, const Request& request, const Principal& who,
                 const std::optional<HashedPassword>& hashed) {
  const db::Id id = path_id(request, "unknown card tap");
  Body body(request);
  db::Transaction tx(context.db);
  const db::UnknownCard tap = existing(context.db, id);
  // A board may report any text as a card; a member's card is what POST /members accepts.
  if (!is_member_card(tap.card)) {
    throw ApiError::invalid(
        {{"card", field_error::pattern("card",
                                       "the tap's card is not 8 hexadecimal "
                                       "characters, as a member's card must be")}});
  }
  const bool authorize = body.boolean("authorize_machine").value_or(false);
  db::UnknownCardsRepository taps(context.db);
  const auto taps_before = taps.count();
  Json member = create_member(context, who, body, db::normalize_card(tap.card), hashed);
  const auto removed = taps_before - taps.count();
  Json authorization = nullptr;
  // A tap whose machine another tool deleted (no foreign key) authorizes nothing.
  if (authorize && db::MachinesRepository(context.db).get(tap.machine_id)) {
    authorization = add_authorization(context, who, member["id"].get<db::Id>(), tap.machine_id);
  }
  tx.commit();
  return json_response(201, Json{{"member", std::move(member)},
                                 {"removed_taps", removed},
                                 {"authorization", std::move(authorization)}});
}

}  // namespace

Json unknown_card_json(const db::UnknownCard& tap, Names& names) {
  return Json{{"id", tap.id},
              {"card", db::normalize_card(tap.card)},
              {"timestamp", tap.timestamp},
              {"machine_id", tap.machine_id},
              {"machine_name", names.machine(tap.machine_id)}};
}

void add_unknown_card_routes(RouteTable& routes, ApiContext& c) {
  const std::string base = "/api/v1/unknown-cards";
  auto& l = routes.emplace_back(route(Method::get, base, "unknown cards",
                                      "Taps of unknown cards, newest first",
                                      [&c](auto& r, auto& w) { return list(c, r, w); }));
  l.query = {{"machine_id", "integer", "only taps on this machine", {}},
             {"card", "string", "only taps of this card (any case)", {}},
             {"limit", "integer", "rows per page, 1..500 (default 50)", {}},
             {"offset", "integer", "rows to skip (default 0)", {}}};
  l.response_schema = "UnknownCardPage";
  routes
      .emplace_back(route(Method::delete_, base + "/{id}", "unknown cards", "Delete a tap",
                          [&c](auto& r, auto& w) { return remove(c, r, w); }))
      .success_status = 204;
  auto& v = routes.emplace_back(
      password_first_route(c, Method::post, base + "/{id}/convert", "unknown cards",
                           "Create a member with the tap's card; every tap of that card is removed",
                           [&c](auto& r, auto& w, auto& h) { return convert(c, r, w, h); }));
  v.request_schema = "MemberConvert";
  v.response_schema = "UnknownCardConverted";
  v.success_status = 201;
}

}  // namespace fabomatic::web::api
