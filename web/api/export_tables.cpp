#include "web/api/export_tables.hpp"

#include <initializer_list>
#include <map>
#include <vector>

#include "db/maintenance_due.hpp"
#include "db/roles_repository.hpp"
#include "web/api/names.hpp"

namespace fabomatic::web::api {

namespace {

using exports::CellKind;
using exports::Column;
using exports::TableWriter;

struct Heading {
  const char* en;
  const char* it;
  CellKind kind = CellKind::text;
  double width = 14;
};

std::vector<Column> columns(std::initializer_list<Heading> headings, ExportLang lang) {
  std::vector<Column> out;
  for (const auto& h : headings)
    out.push_back({lang == ExportLang::it ? h.it : h.en, h.kind, h.width});
  return out;
}

const char* name_in(ExportLang lang, const char* en, const char* it) {
  return lang == ExportLang::it ? it : en;
}

void optional_text(TableWriter& out, const std::optional<std::string>& value) {
  if (value) {
    out.text(*value);
  } else {
    out.empty();
  }
}

}  // namespace

std::optional<ExportLang> parse_export_lang(std::string_view text) {
  if (text == "en") return ExportLang::en;
  if (text == "it") return ExportLang::it;
  return std::nullopt;
}

void write_members(db::Connection& db, TableWriter& out, const db::UserFilter& filter,
                   ExportLang lang) {
  std::map<db::Id, std::string> roles;
  for (const auto& role : db::RolesRepository(db).list())
    roles[role.id] = role.name;
  const auto heads = columns({{"ID", "ID", CellKind::integer, 8},
                              {"Name", "Nome", CellKind::text, 18},
                              {"Surname", "Cognome", CellKind::text, 18},
                              {"Role", "Ruolo", CellKind::text, 16},
                              {"Card", "Tessera", CellKind::text, 12},
                              {"E-mail", "E-mail", CellKind::text, 28},
                              {"Disabled", "Disabilitato", CellKind::boolean, 12},
                              {"Weekly summary", "Riepilogo settimanale", CellKind::boolean, 12},
                              {"Deleted", "Eliminato", CellKind::boolean, 10}},
                             lang);
  out.begin_table(name_in(lang, "Members", "Soci"), heads);
  db::UsersRepository(db).each(filter, [&](const db::User& user) {
    out.integer(user.id);
    out.text(user.name);
    out.text(user.surname);
    const auto role = roles.find(user.role_id);
    out.text(role == roles.end() ? "" : role->second);
    optional_text(out, user.card);
    optional_text(out, user.email);
    out.boolean(user.disabled);
    out.boolean(user.receive_weekly_summary);
    out.boolean(user.deleted);
    out.end_row();
  });
}

void write_authorizations(db::Connection& db, TableWriter& out,
                          const db::AuthorizationFilter& filter, ExportLang lang) {
  const auto heads = columns({{"ID", "ID", CellKind::integer, 8},
                              {"Member ID", "ID socio", CellKind::integer, 10},
                              {"Member", "Socio", CellKind::text, 24},
                              {"Machine ID", "ID macchina", CellKind::integer, 10},
                              {"Machine", "Macchina", CellKind::text, 20}},
                             lang);
  out.begin_table(name_in(lang, "Authorizations", "Autorizzazioni"), heads);
  Names names(db);
  db::AuthorizationsRepository(db).each(filter, [&](const db::Authorization& row) {
    out.integer(row.id);
    out.integer(row.user_id);
    out.text(names.member(row.user_id));
    out.integer(row.machine_id);
    out.text(names.machine(row.machine_id));
    out.end_row();
  });
}

void write_uses(db::Connection& db, TableWriter& out, const db::UseFilter& filter,
                ExportLang lang) {
  const auto heads = columns({{"ID", "ID", CellKind::integer, 8},
                              {"Member ID", "ID socio", CellKind::integer, 10},
                              {"Member", "Socio", CellKind::text, 24},
                              {"Machine ID", "ID macchina", CellKind::integer, 10},
                              {"Machine", "Macchina", CellKind::text, 20},
                              {"Start", "Inizio", CellKind::datetime, 20},
                              {"End", "Fine", CellKind::datetime, 20},
                              {"Duration (h)", "Durata (ore)", CellKind::hours, 12},
                              {"Last seen", "Ultimo contatto", CellKind::datetime, 20},
                              {"Open", "Aperto", CellKind::boolean, 8},
                              {"Replayed", "Reinviato", CellKind::boolean, 10},
                              {"End estimated", "Fine stimata", CellKind::boolean, 12}},
                             lang);
  out.begin_table(name_in(lang, "Uses", "Utilizzi"), heads);
  Names names(db);
  db::UsesRepository(db).each(filter, [&](const db::Use& use) {
    out.integer(use.id);
    out.integer(use.user_id);
    out.text(names.member(use.user_id));
    out.integer(use.machine_id);
    out.text(names.machine(use.machine_id));
    out.datetime(use.start);
    if (use.end) {
      out.datetime(*use.end);
    } else {
      out.empty();
    }
    // An open use has lasted until its last sign of life so far, as on the page.
    const double until = use.end.value_or(use.last_seen);
    out.hours(until > use.start ? (until - use.start) / 3600.0 : 0.0);
    out.datetime(use.last_seen);
    out.boolean(use.open());
    out.boolean(use.replay);
    out.boolean(use.end_estimated);
    out.end_row();
  });
}

void write_interventions(db::Connection& db, TableWriter& out, const db::InterventionFilter& filter,
                         ExportLang lang) {
  const auto heads = columns({{"ID", "ID", CellKind::integer, 8},
                              {"Time", "Data e ora", CellKind::datetime, 20},
                              {"Plan ID", "ID piano", CellKind::integer, 10},
                              {"Plan", "Piano", CellKind::text, 28},
                              {"Machine ID", "ID macchina", CellKind::integer, 10},
                              {"Machine", "Macchina", CellKind::text, 20},
                              {"Member ID", "ID socio", CellKind::integer, 10},
                              {"Member", "Socio", CellKind::text, 24},
                              {"Replayed", "Reinviato", CellKind::boolean, 10}},
                             lang);
  out.begin_table(name_in(lang, "Interventions", "Interventi"), heads);
  Names names(db);
  db::InterventionsRepository(db).each(filter, [&](const db::Intervention& row) {
    out.integer(row.id);
    out.datetime(row.timestamp);
    out.integer(row.maintenance_id);
    out.text(names.plan(row.maintenance_id));
    out.integer(row.machine_id);
    out.text(names.machine(row.machine_id));
    out.integer(row.user_id);
    out.text(names.member(row.user_id));
    out.boolean(row.replay);
    out.end_row();
  });
}

void write_plans(db::Connection& db, TableWriter& out, const db::MaintenanceFilter& filter,
                 ExportLang lang) {
  const auto heads =
      columns({{"ID", "ID", CellKind::integer, 8},
               {"Machine ID", "ID macchina", CellKind::integer, 10},
               {"Machine", "Macchina", CellKind::text, 20},
               {"Description", "Descrizione", CellKind::text, 30},
               {"LCD message", "Messaggio sul display", CellKind::text, 18},
               {"Hours between", "Ore tra interventi", CellKind::hours, 12},
               {"Instructions URL", "Istruzioni (indirizzo web)", CellKind::text, 30},
               {"Last intervention", "Ultimo intervento", CellKind::datetime, 20},
               {"Hours used since", "Ore di utilizzo da allora", CellKind::hours, 12},
               {"Due", "Da fare", CellKind::boolean, 8}},
              lang);
  out.begin_table(name_in(lang, "Maintenance plans", "Piani di manutenzione"), heads);
  Names names(db);
  std::map<db::Id, std::vector<db::PlanStatus>> statuses;  // by machine: plans are few
  db::MaintenancesRepository(db).each(filter, [&](const db::MaintenancePlan& plan) {
    auto found = statuses.find(plan.machine_id);
    if (found == statuses.end()) {
      found = statuses.emplace(plan.machine_id, db::plan_statuses(db, plan.machine_id)).first;
    }
    const db::PlanStatus* status = nullptr;
    for (const auto& s : found->second) {
      if (s.plan_id == plan.id) status = &s;
    }
    out.integer(plan.id);
    out.integer(plan.machine_id);
    out.text(names.machine(plan.machine_id));
    out.text(plan.description);
    optional_text(out, plan.lcd_message);
    out.hours(plan.hours_between);
    optional_text(out, plan.instructions_url);
    if (status != nullptr && status->since > 0) {
      out.datetime(status->since);
    } else {
      out.empty();
    }
    out.hours(status != nullptr ? status->used_hours : 0.0);
    out.boolean(status != nullptr && status->due);
    out.end_row();
  });
}

}  // namespace fabomatic::web::api
