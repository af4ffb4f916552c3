// Display names of the rows that history entries point at (members, machines, plans): list
// answers carry names so that the portal needs no second request per row. A page reads them
// all at once with preload() (one query per kind); a lookup of a name not preloaded reads it
// alone and keeps it.
#pragma once

#include <map>
#include <string>
#include <type_traits>
#include <vector>

#include "db/models.hpp"
#include "db/sqlite.hpp"

namespace fabomatic::web::api {

class Names {
 public:
  // A row's field that holds an id (type_identity: the rows alone decide Row, so nullptr
  // passes).
  template <class Row>
  using Field = std::type_identity_t<db::Id Row::*>;

  explicit Names(db::Connection& db) : db_(db) {}

  /// Reads every name that `rows` will ask for, one query per kind instead of one per distinct
  /// id. `member`, `machine` and `plan` are the fields of a row that hold those ids (nullptr
  /// for a kind the rows do not name).
  template <class Row>
  void preload(const std::vector<Row>& rows, Field<Row> member, Field<Row> machine,
               Field<Row> plan = nullptr) {
    std::vector<db::Id> members, machines, plans;
    for (const auto& row : rows) {
      if (member) members.push_back(row.*member);
      if (machine) machines.push_back(row.*machine);
      if (plan) plans.push_back(row.*plan);
    }
    preload_ids(members, machines, plans);
  }

  /// "Name Surname"; "" when the member does not exist.
  const std::string& member(db::Id id);
  /// "" when the machine does not exist.
  const std::string& machine(db::Id id);
  /// The plan's description; "" when the plan does not exist.
  const std::string& plan(db::Id id);

 private:
  void preload_ids(const std::vector<db::Id>& members, const std::vector<db::Id>& machines,
                   const std::vector<db::Id>& plans);

  db::Connection& db_;
  std::map<db::Id, std::string> members_, machines_, plans_;
};

}  // namespace fabomatic::web::api
