// Which maintenance plans are due, without scanning the history.
//
// docs/board-protocol.md: for a plan, `since` = time of its latest intervention (0 if none) and
// `used` = sum of (end - start) over the machine's closed uses that started after `since`; the plan
// is due when used > hours_between * 3600. A SUM over the uses since the last intervention would
// grow with the history (a plan never serviced sums everything), so `since` and `used` are kept
// per plan in our table maintenance_counters and updated in the same transaction as the change
// that moves them: a use closing adds its duration; an intervention, an admin edit of a use or
// an intervention, or a plan edit recomputes the plans concerned. rebuild() recomputes them all
// (the backend calls it at start, which also repairs edits made by another tool).
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "db/models.hpp"
#include "db/sqlite.hpp"

namespace fabomatic::db {

struct PlanStatus {
  Id plan_id = 0;
  Id machine_id = 0;
  double hours_between = 0;
  Timestamp since = 0;      // latest intervention on the plan, 0 when never serviced
  double used_hours = 0;    // closed use since then
  bool due = false;         // used_hours > hours_between
  std::string lcd_message;  // empty when the plan has none
  std::string description;  // what to service, as the admin wrote it
};

struct MachineDue {
  std::vector<Id> plan_ids;       // due plans in id order
  std::string lcd_message;        // of the lowest-id due plan ("" when none or when it has none)
  std::vector<PlanStatus> plans;  // every plan of the machine, due or not, with its hours

  bool any() const { return !plan_ids.empty(); }
};

// Every plan of the machine with its counter, in plan id order.
std::vector<PlanStatus> plan_statuses(Connection& conn, Id machine_id);
// plan_statuses() of several machines in one query (a page of a list): every machine asked for
// is a key, with its plans in plan id order (none: an empty vector).
std::map<Id, std::vector<PlanStatus>> plan_statuses_for(Connection& conn,
                                                        std::span<const Id> machine_ids);
// The due plans of the machine (what checkmachine and the maintenance query need).
MachineDue due_plans(Connection& conn, Id machine_id);
bool any_due(Connection& conn, Id machine_id);
// Machines having at least one due plan, in id order (dashboard, weekly summary).
std::vector<Id> machines_with_due_plans(Connection& conn);

// ---- keeping the counters (the repositories call these inside their transactions) ----------

// A use of the machine that started at `start` has just closed at `end`.
void count_closed_use(Connection& conn, Id machine_id, Timestamp start, Timestamp end);
// A closed use that started at `start` counts `seconds` more (less, when negative): its end was
// corrected, or it was opened again.
void count_use_seconds(Connection& conn, Id machine_id, Timestamp start, double seconds);
// Recomputes one plan from the history (cost: the uses since its latest intervention).
void recompute_plan(Connection& conn, Id plan_id);
// Recomputes every plan of the machine.
void recompute_machine(Connection& conn, Id machine_id);
// Drops the counter of a deleted plan / of every plan of a deleted machine.
void forget_plan(Connection& conn, Id plan_id);
void forget_machine(Connection& conn, Id machine_id);
// Recomputes every counter from the history in one transaction and drops those of plans that
// no longer exist.
void rebuild(Connection& conn);

}  // namespace fabomatic::db
