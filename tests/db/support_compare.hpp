// Helpers to compare database contents and schemas in the migration tests.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

#include "db/sqlite.hpp"

namespace fabomatic::db::test {

// One stored value with its SQLite storage class (NULL, INTEGER, REAL, TEXT, BLOB).
using Value = std::variant<std::monostate, std::int64_t, double, std::string, std::vector<char>>;
std::string describe(const Value& value);

// The rows of a table keyed by primary key (rowid), each as column name -> value.
using Row = std::map<std::string, Value>;
using TableContent = std::map<std::int64_t, Row>;
TableContent read_table(Connection& conn, const std::string& table);

// Names of the user tables (not sqlite_*), sorted.
std::vector<std::string> table_names(Connection& conn);

// sqlite_master as a set of (type, name, tbl_name, sql with whitespace normalized).
using SchemaEntry = std::tuple<std::string, std::string, std::string, std::string>;
std::set<SchemaEntry> normalized_schema(Connection& conn);

}  // namespace fabomatic::db::test
