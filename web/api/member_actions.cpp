// The export of everything stored about one member (GDPR right of access: profile,
// authorizations, uses, interventions, taps of their card) as JSON or xlsx.
#include "db/authorizations_repository.hpp"
#include "db/interventions_repository.hpp"
#include "db/roles_repository.hpp"
#include "db/unknown_cards_repository.hpp"
#include "db/users_repository.hpp"
#include "db/uses_repository.hpp"
#include "web/api/downloads.hpp"
#include "web/api/export_tables.hpp"
#include "web/api/members.hpp"
#include "web/api/names.hpp"
#include "web/api/routes.hpp"
#include "web/export/local_time.hpp"

namespace fabomatic::web::api {

namespace {

using exports::CellKind;
using exports::Column;
using exports::format_iso_local;

db::User existing_member(db::Connection& db, db::Id id) {
  auto user = db::UsersRepository(db).get(id);
  if (!user) throw ApiError::not_found("member", id);
  return *user;
}

/// JSON written in pieces as it is made: a member with years of uses makes a long document.
class JsonPieces {
 public:
  explicit JsonPieces(const exports::Sink& sink) : sink_(sink) {}
  void raw(std::string_view text) {
    buffer_ += text;
    if (buffer_.size() >= 64 * 1024) flush();
  }
  void value(const Json& json) { raw(json.dump(-1, ' ', false, Json::error_handler_t::replace)); }
  /// "[" then each row's object, comma-separated, then "]".
  template <class Each>
  void array(Each each) {
    raw("[");
    bool first = true;
    each([&](const Json& row) {
      if (!first) raw(",");
      first = false;
      value(row);
    });
    raw("]");
  }
  void flush() {
    if (!buffer_.empty()) sink_(buffer_);
    buffer_.clear();
  }

 private:
  const exports::Sink& sink_;
  std::string buffer_;
};

void write_json(db::Connection& db, const exports::Sink& sink, db::Id id, double now) {
  const db::User user = existing_member(db, id);
  Names names(db);
  JsonPieces out(sink);
  out.raw("{\"exported_at\":");
  out.value(format_iso_local(now));
  out.raw(",\"member\":");
  out.value(member_json(db, user));
  out.raw(",\"authorizations\":");
  out.array([&](auto emit) {
    db::AuthorizationsRepository(db).each({.user_id = id}, [&](const db::Authorization& a) {
      emit(Json{{"id", a.id},
                {"machine_id", a.machine_id},
                {"machine_name", names.machine(a.machine_id)}});
    });
  });
  out.raw(",\"uses\":");
  out.array([&](auto emit) {
    db::UseFilter filter;
    filter.user_id = id;
    filter.descending = false;
    db::UsesRepository(db).each(filter, [&](const db::Use& u) {
      emit(Json{{"id", u.id},
                {"machine_id", u.machine_id},
                {"machine_name", names.machine(u.machine_id)},
                {"start", format_iso_local(u.start)},
                {"end", u.end ? Json(format_iso_local(*u.end)) : Json(nullptr)},
                {"last_seen", format_iso_local(u.last_seen)},
                {"replay", u.replay}});
    });
  });
  out.raw(",\"interventions\":");
  out.array([&](auto emit) {
    db::InterventionFilter filter;
    filter.user_id = id;
    filter.descending = false;
    db::InterventionsRepository(db).each(filter, [&](const db::Intervention& i) {
      emit(Json{{"id", i.id},
                {"time", format_iso_local(i.timestamp)},
                {"plan_id", i.maintenance_id},
                {"plan_description", names.plan(i.maintenance_id)},
                {"machine_id", i.machine_id},
                {"machine_name", names.machine(i.machine_id)},
                {"replay", i.replay}});
    });
  });
  out.raw(",\"unknown_card_taps\":");
  out.array([&](auto emit) {
    if (!user.card) return;  // taps are linked by the card
    db::UnknownCardsRepository(db).each({.card = user.card}, [&](const db::UnknownCard& t) {
      emit(Json{{"id", t.id},
                {"card", t.card},
                {"time", format_iso_local(t.timestamp)},
                {"machine_id", t.machine_id},
                {"machine_name", names.machine(t.machine_id)}});
    });
  });
  out.raw("}\n");
  out.flush();
}

void write_xlsx(db::Connection& db, exports::TableWriter& out, db::Id id, ExportLang lang) {
  const db::User user = existing_member(db, id);
  const bool it = lang == ExportLang::it;
  const std::vector<Column> pairs = {{it ? "Campo" : "Field", CellKind::text, 24},
                                     {it ? "Valore" : "Value", CellKind::text, 40}};
  out.begin_table(it ? "Profilo" : "Profile", pairs);
  const auto row = [&](const char* en, const char* itn, std::string_view value) {
    out.text(it ? itn : en);
    out.text(value);
    out.end_row();
  };
  const auto role = db::RolesRepository(db).get(user.role_id);
  row("ID", "ID", std::to_string(user.id));
  row("Name", "Nome", user.name);
  row("Surname", "Cognome", user.surname);
  row("Role", "Ruolo", role ? role->name : "");
  row("Card", "Tessera", user.card.value_or(""));
  row("E-mail", "E-mail", user.email.value_or(""));
  row("Disabled", "Disabilitato", user.disabled ? "true" : "false");
  row("Deleted", "Eliminato", user.deleted ? "true" : "false");
  row("Weekly summary", "Riepilogo settimanale", user.receive_weekly_summary ? "true" : "false");
  write_authorizations(db, out, {.user_id = id}, lang);
  db::UseFilter uses;
  uses.user_id = id;
  uses.descending = false;
  write_uses(db, out, uses, lang);
  db::InterventionFilter interventions;
  interventions.user_id = id;
  interventions.descending = false;
  write_interventions(db, out, interventions, lang);
  const std::vector<Column> tap_columns = {
      {"ID", CellKind::integer, 8},
      {it ? "Tessera" : "Card", CellKind::text, 12},
      {it ? "Data e ora" : "Time", CellKind::datetime, 20},
      {it ? "ID macchina" : "Machine ID", CellKind::integer, 10},
      {it ? "Macchina" : "Machine", CellKind::text, 20}};
  out.begin_table(it ? "Tessera sconosciuta" : "Unknown card taps", tap_columns);
  if (user.card) {
    Names names(db);
    db::UnknownCardsRepository(db).each({.card = user.card}, [&](const db::UnknownCard& t) {
      out.integer(t.id);
      out.text(t.card);
      out.datetime(t.timestamp);
      out.integer(t.machine_id);
      out.text(names.machine(t.machine_id));
      out.end_row();
    });
  }
}

Response member_data(ApiContext& context, const Request& request, const Principal& who) {
  const db::Id id = path_id(request, "member");
  Query query(request);
  std::string format = "json";
  if (const auto raw = query.text("format", 10)) {
    if (*raw == "json" || *raw == "xlsx") {
      format = *raw;
    } else {
      query.error("format", field_error::choice({"json", "xlsx"}));
    }
  }
  ExportLang lang = ExportLang::en;
  if (const auto raw = query.text("lang", 5)) {
    if (const auto parsed = parse_export_lang(*raw)) {
      lang = *parsed;
    } else {
      query.error("lang", field_error::choice({"en", "it"}));
    }
  }
  query.finish();
  existing_member(context.db, id);  // 404 now rather than a failed download
  auto& worker = download_worker(context);
  const double now = context.now();
  std::shared_ptr<BodyStream> stream;
  if (format == "json") {
    stream = worker.bytes(
        [id, now](db::Connection& db, const exports::Sink& out) { write_json(db, out, id, now); });
  } else {
    stream = worker.tables(exports::Format::xlsx,
                           [id, lang](db::Connection& db, exports::TableWriter& out) {
                             write_xlsx(db, out, id, lang);
                           });
  }
  if (stream) {
    // Who looked at whose data is worth keeping: an access request is personal data too.
    db::Transaction tx(context.db);
    context.audit.record(who, "export", "member", id, std::nullopt,
                         Json{{"format", format}}.dump());
    tx.commit();
  }
  const std::string media =
      format == "json" ? "application/json" : std::string(media_type_of(exports::Format::xlsx));
  return download_response(std::move(stream), media,
                           download_name(context, "member-" + std::to_string(id), format));
}

}  // namespace

void add_member_action_routes(RouteTable& routes, ApiContext& c) {
  auto& data = routes.emplace_back(
      route(Method::get, "/api/v1/members/{id}/data", "members",
            "Everything stored about one member (profile, authorizations, uses, interventions, "
            "taps of their card) as JSON or xlsx (GDPR right of access); audited",
            [&c](const Request& r, const Principal& w) { return member_data(c, r, w); }));
  data.query = {{"format", "string", "json (default) or xlsx", {"json", "xlsx"}},
                {"lang", "string", "xlsx headings (default en)", {"en", "it"}}};
  data.response_type = "application/octet-stream";
}

}  // namespace fabomatic::web::api
