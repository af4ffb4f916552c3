// Restoring the database from an uploaded backup, in two steps: prepare_restore() off the
// reactor (the upload written beside the live file, checked, upgraded as at start when it is of
// an older or legacy revision, maintenance counters rebuilt), then swap_database_files() on the
// reactor once nothing has the live file open (the live file kept under another name, the
// prepared one renamed into its place). A file that fails a check changes nothing.
#pragma once

#include <string>
#include <variant>

#include "db/database.hpp"
#include "web/api/operations.hpp"

namespace fabomatic::app {

/// The prepared file's path, or why the upload was refused (status 400) or failed (500).
std::variant<std::string, web::api::RestoreOutcome> prepare_restore(
    const std::string& database_path, const std::string& upload, const db::OpenOptions& options);

/// Moves the live file (closed by every connection) to <path>.before-restore-<UTC time> and
/// `prepared` to `database_path`; returns the name the live file was kept as. Throws
/// std::runtime_error, with the files as they were, when a rename fails.
std::string swap_database_files(const std::string& database_path, const std::string& prepared);

}  // namespace fabomatic::app
