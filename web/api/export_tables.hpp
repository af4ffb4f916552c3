// What each export holds: its columns (headings in English or Italian) and its rows, read with
// a cursor from a connection of the export's own and written one at a time. Never a password
// hash, reset token or MQTT secret: those are not among the columns of any table.
#pragma once

#include <string_view>

#include "db/authorizations_repository.hpp"
#include "db/interventions_repository.hpp"
#include "db/maintenances_repository.hpp"
#include "db/users_repository.hpp"
#include "db/uses_repository.hpp"
#include "web/export/table_writer.hpp"

namespace fabomatic::web::api {

enum class ExportLang { en, it };

/// "en" or "it"; nullopt for anything else.
std::optional<ExportLang> parse_export_lang(std::string_view text);

void write_members(db::Connection& db, exports::TableWriter& out, const db::UserFilter& filter,
                   ExportLang lang);
void write_authorizations(db::Connection& db, exports::TableWriter& out,
                          const db::AuthorizationFilter& filter, ExportLang lang);
void write_uses(db::Connection& db, exports::TableWriter& out, const db::UseFilter& filter,
                ExportLang lang);
void write_interventions(db::Connection& db, exports::TableWriter& out,
                         const db::InterventionFilter& filter, ExportLang lang);
void write_plans(db::Connection& db, exports::TableWriter& out, const db::MaintenanceFilter& filter,
                 ExportLang lang);

}  // namespace fabomatic::web::api
