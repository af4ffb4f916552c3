// Machines, and the cascade that deletes a machine with everything that belongs to it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "db/models.hpp"
#include "db/sqlite.hpp"

namespace fabomatic::db {

enum class MachineSort { Id, Name, Type, Hours, LastSeen };

struct MachineFilter {
  std::optional<Id> type_id;
  std::optional<bool> blocked;
  std::optional<std::string> search;  // case-insensitive substring of the name
  MachineSort sort = MachineSort::Id;
  bool descending = false;
};

// The rows that deleting a machine removes with it, table by table.
struct MachineCascade {
  std::int64_t boards = 0;
  std::int64_t plans = 0;
  std::int64_t interventions = 0;
  std::int64_t authorizations = 0;
  std::int64_t uses = 0;
  std::int64_t unknown_cards = 0;

  std::int64_t total() const {
    return boards + plans + interventions + authorizations + uses + unknown_cards;
  }
  bool operator==(const MachineCascade&) const = default;
};

class MachinesRepository {
 public:
  explicit MachinesRepository(Connection& conn) : conn_(conn) {}

  // Returns the new id (the machine's own id when it is set, so a board discovered as
  // machine/7 can become machine 7). Conflict("name") when the name is taken,
  // Conflict("type") when the type does not exist, Conflict("id") when the id is taken or above
  // kMaxChosenMachineId. Without an id, the next one after the largest (never above the cap).
  Id create(const Machine& machine);
  std::optional<Machine> get(Id id);
  // The machines of these ids in one query (ids of none are skipped; any order).
  std::vector<Machine> get_many(std::span<const Id> ids);
  std::optional<Machine> by_name(std::string_view name);
  std::vector<Machine> list(const MachineFilter& filter = {}, const Page& page = {.limit = 0});
  std::int64_t count(const MachineFilter& filter = {});

  // Writes every column. False when there is no such machine; conflicts as for create.
  bool update(const Machine& machine);
  // Records that the machine's board was heard from at `when`.
  bool touch(Id id, Timestamp when);

  // What remove() would delete, for the portal's confirmation.
  MachineCascade cascade_counts(Id id);
  // Deletes the machine with its boards, maintenance plans (and their interventions),
  // interventions, authorizations, uses and unknown-card taps, in one transaction. Returns what
  // went; nullopt when there is no such machine (nothing changed).
  std::optional<MachineCascade> remove(Id id);

 private:
  Id next_free_id();

  Connection& conn_;
};

}  // namespace fabomatic::db
