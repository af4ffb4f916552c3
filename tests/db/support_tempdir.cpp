#include "support_tempdir.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace fabomatic::db::test {

namespace fs = std::filesystem;

TempDir::TempDir() {
  std::string pattern = (fs::temp_directory_path() / "fabomatic-db-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

fs::path legacy_fixture_dir() {
  if (const char* dir = std::getenv("FABOMATIC_LEGACY_DB_DIR")) return dir;
  return FABOMATIC_LEGACY_DB_DIR;
}

std::string copy_fixture(const TempDir& dir, const std::string& fixture_name) {
  const fs::path source = legacy_fixture_dir() / fixture_name;
  if (!fs::exists(source)) throw std::runtime_error("missing fixture " + source.string());
  const fs::path target = dir.path() / fixture_name;
  fs::copy_file(source, target, fs::copy_options::overwrite_existing);
  // The fixtures are kept unchanged; the copy must be writable to be upgraded.
  fs::permissions(target, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::add);
  return target.string();
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace fabomatic::db::test
