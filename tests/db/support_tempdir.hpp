// A temporary directory for one test, removed with everything in it when the test ends.
#pragma once

#include <filesystem>
#include <string>

namespace fabomatic::db::test {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// The directory of the legacy FabOMatic fixtures, tests/fixtures/legacy-db (read-only; copy before
// opening).
std::filesystem::path legacy_fixture_dir();

// Copies a fixture into `dir` (writable) and returns the copy's path.
std::string copy_fixture(const TempDir& dir, const std::string& fixture_name);

// The whole content of a file, to compare files byte by byte.
std::string read_bytes(const std::string& path);

}  // namespace fabomatic::db::test
