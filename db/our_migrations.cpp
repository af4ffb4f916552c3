// Our schema changes after the reference head (Alembic f1a2b3c4d5e6), in order.
//
// TO CHANGE THE SCHEMA, APPEND ONE STEP AT THE END OF THE LIST BELOW — nothing else to edit.
// The version of a file is the number of steps applied to it (table fabomatic_schema); at
// start every missing step runs, in order, inside the upgrade transaction, after a backup copy
// of the file. Never edit, remove or reorder a step that has been committed: files in the
// field already ran it. A step holds SQL (one or more statements) or, when it needs code, a
// function `void(Connection&)`.
//
// Keep the reference tables readable by the Python backend: add columns with a DEFAULT (it does
// not write them) and never rename or drop its columns.
#include "db/migrations.hpp"

namespace fabomatic::db {

const std::vector<SchemaStep>& our_schema_steps() {
  static const std::vector<SchemaStep> steps = {
      // version 1
      {"indexes for the board queries; table of boards seen with an unknown machine id",
       // The open use of a machine (end_timestamp IS NULL) — checkuser/startuse/inuse/stopuse.
       "CREATE INDEX idx_uses_open_by_machine ON uses (machine_id) WHERE end_timestamp IS NULL;"
       // Uses of a machine after a time — maintenance due, history per machine.
       "CREATE INDEX idx_uses_machine_start ON uses (machine_id, start_timestamp);"
       // Uses by time (portal lists, purge) and by user (portal, user deletion).
       "CREATE INDEX idx_uses_start ON uses (start_timestamp);"
       "CREATE INDEX idx_uses_user ON uses (user_id);"
       // Latest intervention of a plan — maintenance due.
       "CREATE INDEX idx_interventions_plan_time ON interventions (maintenance_id, timestamp);"
       "CREATE INDEX idx_interventions_machine ON interventions (machine_id);"
       "CREATE INDEX idx_interventions_user ON interventions (user_id);"
       // Unknown-card taps by time (portal, purge) and by machine (cascade).
       "CREATE INDEX idx_unknown_cards_time ON unknown_cards (timestamp);"
       "CREATE INDEX idx_unknown_cards_machine ON unknown_cards (machine_id);"
       // User by card, case-insensitively (legacy cards that collide by case keep their case).
       "CREATE INDEX idx_users_card_lower ON users (lower(\"card_UUID\"));"
       "CREATE INDEX idx_authorizations_machine ON authorizations (machine_id);"
       "CREATE INDEX idx_maintenances_machine ON maintenances (machine_id);"
       "CREATE INDEX idx_boards_machine ON boards (machine_id);"
       // `alive` messages from machine ids that have no machine row, for the admin to adopt.
       "CREATE TABLE discovered_boards (\n"
       "\tmachine_id INTEGER PRIMARY KEY, \n"
       "\tip VARCHAR, \n"
       "\tversion VARCHAR, \n"
       "\tserial VARCHAR, \n"
       "\theap INTEGER, \n"
       "\tfirst_seen FLOAT NOT NULL, \n"
       "\tlast_seen FLOAT NOT NULL\n"
       ");"},
      // version 2
      {"users.password_change_required: the user must choose a new password at next login",
       "ALTER TABLE users ADD COLUMN password_change_required BOOLEAN NOT NULL DEFAULT 0;"},
      // version 3
      {"maintenance_counters: per plan, the latest intervention and the closed use since then, "
       "so that maintenance due costs the same with any amount of history",
       // Kept by db/maintenance_due.cpp; filled here from the history so an upgraded file is
       // right at once (the backend also rebuilds them at start).
       "CREATE TABLE maintenance_counters (\n"
       "\tmaintenance_id INTEGER NOT NULL PRIMARY KEY\n"
       "\t\tREFERENCES maintenances (maintenance_id) ON DELETE CASCADE, \n"
       "\tmachine_id INTEGER NOT NULL, \n"
       "\tsince FLOAT NOT NULL, \n"
       "\tused_seconds FLOAT NOT NULL\n"
       ");"
       "CREATE INDEX idx_maintenance_counters_machine ON maintenance_counters (machine_id);"
       "INSERT INTO maintenance_counters (maintenance_id, machine_id, since, used_seconds) "
       "SELECT p.maintenance_id, p.machine_id, COALESCE((SELECT MAX(i.timestamp) FROM "
       "interventions i WHERE i.maintenance_id = p.maintenance_id), 0), 0 FROM maintenances p;"
       "UPDATE maintenance_counters SET used_seconds = (SELECT COALESCE(SUM(u.end_timestamp - "
       "u.start_timestamp), 0) FROM uses u WHERE u.machine_id = maintenance_counters.machine_id "
       "AND u.start_timestamp > maintenance_counters.since AND u.end_timestamp IS NOT NULL);"},
      // version 4
      {"password_reset_tokens and audit_log: the portal's reset links (stored hashed) and the "
       "record of every change made through it",
       "CREATE TABLE password_reset_tokens (\n"
       "\ttoken_hash VARCHAR NOT NULL PRIMARY KEY, \n"
       "\tuser_id INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE, \n"
       "\tcreated FLOAT NOT NULL, \n"
       "\texpires FLOAT NOT NULL, \n"
       "\tused FLOAT\n"
       ");"
       "CREATE INDEX idx_password_reset_tokens_user ON password_reset_tokens (user_id);"
       "CREATE INDEX idx_password_reset_tokens_expires ON password_reset_tokens (expires);"
       // No foreign key to users: an entry outlives the user it names (id and e-mail kept).
       "CREATE TABLE audit_log (\n"
       "\taudit_id INTEGER NOT NULL PRIMARY KEY, \n"
       "\ttimestamp FLOAT NOT NULL, \n"
       "\tuser_id INTEGER, \n"
       "\tuser_email VARCHAR NOT NULL DEFAULT '', \n"
       "\tremote_address VARCHAR NOT NULL DEFAULT '', \n"
       "\taction VARCHAR NOT NULL, \n"
       "\tentity VARCHAR NOT NULL, \n"
       "\tentity_id INTEGER, \n"
       "\tbefore_json TEXT, \n"
       "\tafter_json TEXT\n"
       ");"
       "CREATE INDEX idx_audit_log_time ON audit_log (timestamp);"
       "CREATE INDEX idx_audit_log_entity_time ON audit_log (entity, timestamp);"
       "CREATE INDEX idx_audit_log_user_time ON audit_log (user_id, timestamp);"},
      // version 5
      {"board_accounts: one MQTT account per machine for its board, the secret stored as a "
       "keyed hash; discovered_boards by last_seen (capped and purged)",
       // Gone with its machine: a board account names the one machine it may speak for.
       "CREATE TABLE board_accounts (\n"
       "\tmachine_id INTEGER NOT NULL PRIMARY KEY\n"
       "\t\tREFERENCES machines (machine_id) ON DELETE CASCADE, \n"
       "\tusername VARCHAR NOT NULL UNIQUE, \n"
       "\tsecret_hash VARCHAR NOT NULL, \n"
       "\tcreated FLOAT NOT NULL, \n"
       "\trotated FLOAT NOT NULL\n"
       ");"
       "CREATE INDEX idx_discovered_boards_last_seen ON discovered_boards (last_seen);"},
      // version 6
      {"portal_grants: the portal granted to a member on their own (whoever the old portal let "
       "in through a role with authorize all, `fabomatic admin grant`)",
       "CREATE TABLE portal_grants (\n"
       "\tuser_id INTEGER NOT NULL PRIMARY KEY\n"
       "\t\tREFERENCES users (user_id) ON DELETE CASCADE, \n"
       "\tgranted FLOAT NOT NULL, \n"
       "\treason VARCHAR NOT NULL\n"
       ");"},
      // version 7
      {"idx_uses_closed_by_machine_seen: a machine's use that closed last, found in one step "
       "however many uses the machine had that day (a stopuse whose start was lost compares "
       "itself with it)",
       // Partial: an open use is not in it, so the frequent last-seen updates of open uses
       // leave it alone; a use enters it once, when it closes.
       "CREATE INDEX idx_uses_closed_by_machine_seen ON uses (machine_id, last_seen) "
       "WHERE end_timestamp IS NOT NULL;"},
      // version 8
      {"uses.end_estimated: a use closed at its last-seen time (its board went silent for an "
       "hour, or another use began) is marked, so that its board's stop or inuse, replayed once "
       "the Wi-Fi is back, completes it instead of counting the use a second time",
       "ALTER TABLE uses ADD COLUMN end_estimated BOOLEAN NOT NULL DEFAULT 0;"},
      // version 9
      {"board_accounts.first_login: when the machine's board first logged in with its account; "
       "from then on, in the legacy mode, anonymous clients may no longer speak for the machine "
       "nor read its replies",
       "ALTER TABLE board_accounts ADD COLUMN first_login FLOAT;"},
      // version 10
      {"fabomatic_state: facts of this installation that outlive a restart, by name (when the "
       "automatic purge may begin after an upgrade from the old tool)",
       "CREATE TABLE fabomatic_state (\n"
       "\tname VARCHAR NOT NULL PRIMARY KEY, \n"
       "\tvalue FLOAT\n"
       ");"},
      // Append new steps here.
  };
  return steps;
}

int our_schema_head() {
  return static_cast<int>(our_schema_steps().size());
}

}  // namespace fabomatic::db
