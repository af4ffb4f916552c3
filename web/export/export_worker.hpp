// Where downloads are made: exports, backups, a member's data. Each job runs on a worker thread
// of low priority with a read-only SQLite connection of its own, inside one read transaction (a
// consistent snapshot while the reactor keeps writing), so the boards never wait for a
// download. What a job writes goes to the client through a short pipe: the job blocks while
// two pieces wait to be sent, so memory stays flat however large the file, and stops (Cancelled
// is thrown into it) when the client leaves.
#pragma once

#include <cstddef>
#include <exception>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "common/log.hpp"
#include "web/export/csv_writer.hpp"
#include "web/export/table_writer.hpp"
#include "web/http/body_stream.hpp"

namespace fabomatic::db {
class Connection;
}

namespace fabomatic::web::exports {

enum class Format { csv, xlsx };

/// Thrown from a job's Sink when the download was abandoned; let it through.
struct Cancelled : std::exception {
  const char* what() const noexcept override { return "download cancelled"; }
};

struct ExportOptions {
  std::string database_path;
  std::filesystem::path temp_dir;  // xlsx workbooks and backups are assembled here
  std::size_t threads = 2;         // jobs at once
  std::size_t waiting_limit = 4;   // jobs waiting for a thread; beyond, start() refuses
  std::size_t piece_bytes = 64 * 1024;
  int nice = 10;
  log::Sink log;  // called on the worker threads; unset: the process log
};

class ExportWorker {
 public:
  /// Writes tables into `out`, reading with `db` (read-only, in a read transaction).
  using TableJob = std::function<void(db::Connection& db, TableWriter& out)>;
  /// Writes the bytes of the file into `out` (a backup copy, a JSON document).
  using ByteJob = std::function<void(db::Connection& db, const Sink& out)>;

  explicit ExportWorker(ExportOptions options);
  /// Cancels every job and waits for the threads.
  ~ExportWorker();
  ExportWorker(const ExportWorker&) = delete;
  ExportWorker& operator=(const ExportWorker&) = delete;

  /// The body of a download in `format` (`csv`: its separators, for CSV); nullptr when too many
  /// jobs run and wait already.
  std::shared_ptr<BodyStream> tables(Format format, TableJob job, CsvStyle csv = {});
  std::shared_ptr<BodyStream> bytes(ByteJob job);

  /// Work that reads the database off the reactor with nobody downloading it (the nightly
  /// backup): `done` is called on the worker thread with "" or what failed. False when the
  /// worker refuses more jobs (then `done` is not called). Not counted against waiting_limit.
  using Background = std::function<void(db::Connection& db)>;
  bool background(Background work, std::function<void(std::string error)> done);

  const ExportOptions& options() const { return options_; }

  /// Runs `work` (on the caller's thread) while no job has the database open, holding back
  /// jobs that are about to open it: what the database restore needs to swap the file. False,
  /// without running it, while a job has it open.
  bool exclusive(const std::function<void()>& work);

 private:
  struct State;
  std::shared_ptr<BodyStream> submit(ByteJob job);

  ExportOptions options_;
  std::shared_ptr<State> state_;
};

/// The "csv"/"xlsx" of a query parameter; nullopt for anything else.
std::optional<Format> parse_format(std::string_view text);

}  // namespace fabomatic::web::exports
