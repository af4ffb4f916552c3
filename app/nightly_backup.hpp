// The optional nightly backup ([backend] backup_dir, backup_keep, backup_hour): at the hour, an
// online backup of the database into the folder, named with the date, off the reactor (on the
// download worker, with a connection of its own); then only the newest backup_keep copies stay.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <optional>
#include <string>

#include "backend/settings.hpp"
#include "web/api/operations.hpp"

namespace boost::asio {
class io_context;
}
namespace fabomatic::web::exports {
class ExportWorker;
}

namespace fabomatic::app {

class NightlyBackup {
 public:
  /// `settings` are read at each scheduling: call reschedule() after they changed.
  NightlyBackup(boost::asio::io_context& io, const backend::Settings& settings,
                web::exports::ExportWorker& worker);

  void start() { reschedule(); }
  void stop();
  /// Plans the next run from the settings now (none when backup_dir is empty).
  void reschedule();
  /// Starts a backup now; the figures show its outcome once it is done.
  void run_now();

  web::api::BackupFigures figures() const;

 private:
  void finished(const std::string& file, const std::string& error);

  boost::asio::io_context& io_;
  const backend::Settings& settings_;
  web::exports::ExportWorker& worker_;
  boost::asio::steady_timer timer_;
  std::optional<double> last_time_;
  std::string last_file_;
  std::string last_error_;
  bool stopped_ = false;
};

/// Removes all but the newest `keep` files named fabomatic-backup-*.sqldb in `folder` (the
/// names sort by date). Returns how many went.
std::size_t prune_backups(const std::string& folder, std::size_t keep);

}  // namespace fabomatic::app
