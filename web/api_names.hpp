// Display names of the rows that history entries point at (members, machines, plans), looked
// up once per row of a page: list answers carry names so that the portal needs no second
// request per row.
#pragma once

#include <map>
#include <string>

#include "db/models.hpp"
#include "db/sqlite.hpp"

namespace fabomatic::web::api {

class Names {
 public:
  explicit Names(db::Connection& db) : db_(db) {}

  /// "Name Surname"; "" when the member does not exist.
  const std::string& member(db::Id id);
  /// "" when the machine does not exist.
  const std::string& machine(db::Id id);
  /// The plan's description; "" when the plan does not exist.
  const std::string& plan(db::Id id);

 private:
  db::Connection& db_;
  std::map<db::Id, std::string> members_, machines_, plans_;
};

}  // namespace fabomatic::web::api
