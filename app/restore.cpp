#include "app/restore.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <stdexcept>

#include "common/clock.hpp"
#include "db/backup.hpp"
#include "db/maintenance_due.hpp"
#include "db/migrations.hpp"

namespace fabomatic::app {

namespace {

namespace fs = std::filesystem;

web::api::RestoreOutcome refused(std::string code, std::string message) {
  return {400, std::move(code), std::move(message), ""};
}

void remove_with_companions(const std::string& path) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"})
    fs::remove(path + suffix, ec);
}

void sync_folder(const fs::path& folder) {
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

std::string utc_stamp() {
  return format_time(unix_now(), "%Y%m%dT%H%M%SZ", true);
}

}  // namespace

std::variant<std::string, web::api::RestoreOutcome> prepare_restore(
    const std::string& database_path, const std::string& upload, const db::OpenOptions& options) {
  const fs::path folder = fs::path(database_path).parent_path();
  std::string path =
      (folder / (fs::path(database_path).filename().string() + ".restore-XXXXXX")).string();
  const int fd = ::mkstemp(path.data());
  if (fd < 0) {
    return web::api::RestoreOutcome{
        500, "write_failed",
        "cannot write the upload beside the database: " + std::string(std::strerror(errno)), ""};
  }
  std::size_t written = 0;
  bool ok = true;
  while (written < upload.size()) {
    const ssize_t n = ::write(fd, upload.data() + written, upload.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok = false;
      break;
    }
    written += static_cast<std::size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) {
    remove_with_companions(path);
    return web::api::RestoreOutcome{500, "write_failed", "cannot write the upload to disk", ""};
  }

  const db::Validation check = db::validate_database_file(path);
  if (!check) {
    remove_with_companions(path);
    const std::string& why = check.reason;
    if (why.starts_with("not an SQLite") || why.starts_with("cannot read")) {
      return refused("not_a_database", "The file is not a database: " + why);
    }
    if (why.starts_with("not a FabOMatic")) return refused("not_fabomatic", "The file is " + why);
    if (why.starts_with("integrity_check")) {
      return refused("damaged", "The database in the file is damaged: " + why);
    }
    return refused("unknown_revision",
                   "The database is of a revision this version cannot open: " + why);
  }
  try {
    db::OpenOptions upgrade = options;
    upgrade.backup_before_upgrade = false;  // it is a copy; the live file is kept anyway
    db::Database opened = db::open_database(path, upgrade);
    db::rebuild(opened.conn);
    opened.conn.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  } catch (const db::IncompatibleDatabase& e) {
    remove_with_companions(path);
    return refused("unknown_revision", e.what());
  } catch (const std::exception& e) {
    remove_with_companions(path);
    return refused("invalid_database", std::string("The database cannot be opened: ") + e.what());
  }
  // A read-only check may leave an empty log and index beside the copy: not wanted there.
  std::error_code ec;
  fs::remove(path + "-wal", ec);
  fs::remove(path + "-shm", ec);
  return path;
}

std::string swap_database_files(const std::string& database_path, const std::string& prepared) {
  const std::string kept = database_path + ".before-restore-" + utc_stamp();
  std::error_code ec;
  fs::rename(database_path, kept, ec);
  if (ec) throw std::runtime_error("cannot move the database aside: " + ec.message());
  // Every connection closed cleanly, so the log was checkpointed and removed; whatever is left
  // belongs to the old file and must not meet the new one.
  for (const char* suffix : {"-wal", "-shm"}) {
    if (fs::exists(database_path + suffix, ec))
      fs::rename(database_path + suffix, kept + suffix, ec);
  }
  fs::rename(prepared, database_path, ec);
  if (ec) {
    std::error_code back;
    fs::rename(kept, database_path, back);
    throw std::runtime_error("cannot move the restored database in place: " + ec.message());
  }
  sync_folder(fs::path(database_path).parent_path());
  return kept;
}

}  // namespace fabomatic::app
