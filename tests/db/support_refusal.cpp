#include "support_refusal.hpp"

#include <gtest/gtest.h>

#include "db/database.hpp"
#include "db/migrations.hpp"
#include "support_tempdir.hpp"

namespace fabomatic::db::test {

std::string refusal_leaving_file_alone(const std::string& path) {
  const auto bytes = read_bytes(path);
  std::string message;
  try {
    open_database(path);
    ADD_FAILURE() << "expected IncompatibleDatabase for " << path;
  } catch (const IncompatibleDatabase& e) {
    message = e.what();
  }
  EXPECT_EQ(read_bytes(path), bytes) << path << " was changed";
  return message;
}

}  // namespace fabomatic::db::test
