// Counts the SQL statements a connection starts, to assert that a list handler's cost does not
// grow with the rows of its page. Header-only: test_web_api compiles only *_test.cpp and
// support_*.cpp.
#pragma once

#include <sqlite3.h>

#include <string_view>

#include "db/sqlite.hpp"

namespace fabomatic::web::api::test {

// sqlite3_trace_v2 reports each run of a statement once while the counter lives; trigger
// sub-programs, reported as "-- TRIGGER ...", are not counted.
class StatementCounter {
 public:
  explicit StatementCounter(db::Connection& db) : db_(db) {
    sqlite3_trace_v2(db_.handle(), SQLITE_TRACE_STMT, &StatementCounter::on_statement, this);
  }
  ~StatementCounter() { sqlite3_trace_v2(db_.handle(), 0, nullptr, nullptr); }
  StatementCounter(const StatementCounter&) = delete;
  StatementCounter& operator=(const StatementCounter&) = delete;

  int runs() const { return runs_; }

 private:
  static int on_statement(unsigned, void* self, void*, void* sql) {
    if (!std::string_view(static_cast<const char*>(sql)).starts_with("--"))
      ++static_cast<StatementCounter*>(self)->runs_;
    return 0;
  }

  db::Connection& db_;
  int runs_ = 0;
};

}  // namespace fabomatic::web::api::test
