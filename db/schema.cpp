#include "db/schema.hpp"

#include <algorithm>

namespace fabomatic::db::schema {

const std::vector<std::string_view>& alembic_chain() {
  static const std::vector<std::string_view> chain = {
      "2dc275252e0e",  // 0.0.18: first schema
      "88feb1b31a1f",  // 0.1.5: + machine_types.grace_period_min
      "123b2cca325f",  // 0.1.8: + boards
      "e544554c7d29",  // 0.2.5: + boards.serial, boards.heap
      "3cb12dfd8d6e",  // (no release file): maintenances.attachment dropped, lcd_message added
      "aa9ed3e094d5",  // 0.2.7: + maintenances.instructions_url
      "dfd2b0db0016",  // 0.2.11: + machine_types.access_management
      "3f3f601505a6",  // 0.4.0: + uses.replay, interventions.replay, maintenances.attachment back
      "f1a2b3c4d5e6",  // head: + users.receive_weekly_summary
  };
  return chain;
}

bool is_known_revision(std::string_view revision) {
  const auto& chain = alembic_chain();
  return std::find(chain.begin(), chain.end(), revision) != chain.end();
}

std::string Table::create_sql() const {
  // SQLAlchemy writes "CREATE TABLE t (\n\t<clause>, \n\t<clause>\n)"; keep its layout so a
  // file we create reads the same as one the Python backend created.
  std::string sql = "CREATE TABLE ";
  sql += name;
  sql += " (\n";
  std::vector<std::string_view> clauses;
  for (const auto& column : columns)
    clauses.push_back(column.definition);
  clauses.insert(clauses.end(), constraints.begin(), constraints.end());
  for (std::size_t i = 0; i < clauses.size(); ++i) {
    sql += '\t';
    sql += clauses[i];
    sql += i + 1 < clauses.size() ? ", \n" : "\n";
  }
  sql += ")";
  return sql;
}

bool Table::has_column(std::string_view column) const {
  return std::any_of(columns.begin(), columns.end(),
                     [&](const Column& c) { return c.name == column; });
}

const std::vector<Table>& head_tables() {
  static const std::vector<Table> tables = {
      {"machine_types",
       {{"type_id", "type_id INTEGER NOT NULL"},
        {"type_name", "type_name VARCHAR NOT NULL"},
        {"type_timeout_min", "type_timeout_min INTEGER NOT NULL"},
        {"grace_period_min", "grace_period_min INTEGER"},
        {"access_management", "access_management INTEGER"}},
       {"PRIMARY KEY (type_id)", "UNIQUE (type_name)"},
       {"CREATE UNIQUE INDEX idx_machine_types_type_name_unique ON machine_types (type_name)"}},
      {"roles",
       {{"role_id", "role_id INTEGER NOT NULL"},
        {"role_name", "role_name VARCHAR NOT NULL"},
        {"authorize_all", "authorize_all BOOLEAN NOT NULL"},
        {"reserved", "reserved BOOLEAN NOT NULL"},
        {"maintenance", "maintenance BOOLEAN NOT NULL"},
        {"backend_admin", "backend_admin BOOLEAN NOT NULL"}},
       {"PRIMARY KEY (role_id)", "UNIQUE (role_name)"},
       {"CREATE UNIQUE INDEX idx_roles_role_name_unique ON roles (role_name)"}},
      {"machines",
       {{"machine_id", "machine_id INTEGER NOT NULL"},
        {"machine_name", "machine_name VARCHAR NOT NULL"},
        {"machine_type_id", "machine_type_id INTEGER"},
        {"machine_hours", "machine_hours FLOAT NOT NULL"},
        {"blocked", "blocked BOOLEAN NOT NULL"},
        {"last_seen", "last_seen FLOAT"}},
       {"PRIMARY KEY (machine_id)",
        "FOREIGN KEY(machine_type_id) REFERENCES machine_types (type_id)", "UNIQUE (machine_name)"},
       {"CREATE UNIQUE INDEX idx_machines_machine_name_unique ON machines (machine_name)"}},
      {"users",
       {{"user_id", "user_id INTEGER NOT NULL"},
        {"name", "name VARCHAR NOT NULL"},
        {"surname", "surname VARCHAR NOT NULL"},
        {"role_id", "role_id INTEGER NOT NULL"},
        {"card_UUID", "\"card_UUID\" VARCHAR"},
        {"disabled", "disabled BOOLEAN NOT NULL"},
        {"deleted", "deleted BOOLEAN NOT NULL"},
        {"password_hash", "password_hash VARCHAR(128)"},
        {"email", "email VARCHAR"},
        {"receive_weekly_summary", "receive_weekly_summary BOOLEAN NOT NULL DEFAULT '0'"}},
       {"PRIMARY KEY (user_id)", "FOREIGN KEY(role_id) REFERENCES roles (role_id)",
        "UNIQUE (\"card_UUID\")"},
       {"CREATE UNIQUE INDEX \"idx_users_card_UUID_unique\" ON users (\"card_UUID\")"}},
      {"authorizations",
       {{"authorization_id", "authorization_id INTEGER NOT NULL"},
        {"user_id", "user_id INTEGER NOT NULL"},
        {"machine_id", "machine_id INTEGER NOT NULL"}},
       {"PRIMARY KEY (authorization_id)",
        "FOREIGN KEY(machine_id) REFERENCES machines (machine_id)",
        "FOREIGN KEY(user_id) REFERENCES users (user_id)",
        "CONSTRAINT uix_1 UNIQUE (user_id, machine_id)"},
       {}},
      {"maintenances",
       {{"maintenance_id", "maintenance_id INTEGER NOT NULL"},
        {"hours_between", "hours_between FLOAT NOT NULL"},
        {"description", "description VARCHAR NOT NULL"},
        {"machine_id", "machine_id INTEGER NOT NULL"},
        {"attachment", "attachment VARCHAR"},
        {"lcd_message", "lcd_message VARCHAR"},
        {"instructions_url", "instructions_url VARCHAR"}},
       {"PRIMARY KEY (maintenance_id)", "FOREIGN KEY(machine_id) REFERENCES machines (machine_id)"},
       {}},
      {"unknown_cards",
       {{"id", "id INTEGER NOT NULL"},
        {"card_UUID", "\"card_UUID\" VARCHAR NOT NULL"},
        {"timestamp", "timestamp FLOAT NOT NULL"},
        {"machine_id", "machine_id INTEGER NOT NULL"}},
       {"PRIMARY KEY (id)", "FOREIGN KEY(machine_id) REFERENCES machines (machine_id)"},
       {}},
      {"uses",
       {{"use_id", "use_id INTEGER NOT NULL"},
        {"user_id", "user_id INTEGER NOT NULL"},
        {"machine_id", "machine_id INTEGER NOT NULL"},
        {"start_timestamp", "start_timestamp FLOAT NOT NULL"},
        {"last_seen", "last_seen FLOAT NOT NULL"},
        {"end_timestamp", "end_timestamp FLOAT"},
        {"replay", "replay BOOLEAN"}},
       {"PRIMARY KEY (use_id)", "FOREIGN KEY(machine_id) REFERENCES machines (machine_id)",
        "FOREIGN KEY(user_id) REFERENCES users (user_id)"},
       {}},
      {"interventions",
       {{"intervention_id", "intervention_id INTEGER NOT NULL"},
        {"maintenance_id", "maintenance_id INTEGER NOT NULL"},
        {"machine_id", "machine_id INTEGER NOT NULL"},
        {"user_id", "user_id INTEGER NOT NULL"},
        {"timestamp", "timestamp FLOAT NOT NULL"},
        {"replay", "replay BOOLEAN"}},
       {"PRIMARY KEY (intervention_id)", "FOREIGN KEY(machine_id) REFERENCES machines (machine_id)",
        "FOREIGN KEY(maintenance_id) REFERENCES maintenances (maintenance_id)",
        "FOREIGN KEY(user_id) REFERENCES users (user_id)"},
       {}},
      {"boards",
       {{"board_id", "board_id INTEGER NOT NULL"},
        {"machine_id", "machine_id INTEGER NOT NULL"},
        {"ip_address", "ip_address VARCHAR NOT NULL"},
        {"fw_version", "fw_version VARCHAR NOT NULL"},
        {"last_seen", "last_seen FLOAT NOT NULL"},
        {"serial", "serial VARCHAR"},
        {"heap", "heap INTEGER"}},
       {"PRIMARY KEY (board_id)", "FOREIGN KEY(machine_id) REFERENCES machines (machine_id)"},
       {}},
  };
  return tables;
}

const Table* find_table(std::string_view name) {
  for (const auto& table : head_tables())
    if (table.name == name) return &table;
  return nullptr;
}

std::string_view alembic_version_sql() {
  return "CREATE TABLE alembic_version (\n"
         "\tversion_num VARCHAR(32) NOT NULL, \n"
         "\tCONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n"
         ")";
}

void create_head_schema(Connection& conn) {
  conn.exec(alembic_version_sql());
  for (const auto& table : head_tables()) {
    conn.exec(table.create_sql());
    for (const auto& index : table.indexes)
      conn.exec(index);
  }
  conn.execute("INSERT INTO alembic_version (version_num) VALUES (?)", kAlembicHead);
}

std::string missing_reference_tables(Connection& conn) {
  std::string missing;
  for (const auto& table : head_tables()) {
    if (table.name == "boards" || table_exists(conn, table.name)) continue;
    if (!missing.empty()) missing += ", ";
    missing += table.name;
  }
  return missing;
}

bool table_exists(Connection& conn, std::string_view table) {
  return conn.query_one<int>("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
                             table) > 0;
}

std::string read_alembic_revision(Connection& conn) {
  if (!table_exists(conn, "alembic_version")) return {};
  return conn.query_optional<std::string>("SELECT version_num FROM alembic_version LIMIT 1")
      .value_or("");
}

std::vector<std::string> table_columns(Connection& conn, std::string_view table) {
  std::vector<std::string> columns;
  auto stmt = conn.prepare("SELECT name FROM pragma_table_info(?) ORDER BY cid");
  stmt.bind(1, table);
  while (stmt.step())
    columns.push_back(stmt.column_text(0));
  return columns;
}

}  // namespace fabomatic::db::schema
