#include "app/nightly_backup.hpp"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <vector>

#include "common/clock.hpp"
#include "common/log.hpp"
#include "db/backup.hpp"
#include "web/export/export_worker.hpp"

namespace fabomatic::app {

namespace {

namespace fs = std::filesystem;

/// The next `hour`:00 local time after `now`.
double next_at_hour(double now, unsigned hour) {
  const auto seconds = static_cast<std::time_t>(std::floor(now));
  std::tm tm{};
  localtime_r(&seconds, &tm);
  for (int ahead = 0; ahead <= 1; ++ahead) {
    std::tm candidate = tm;
    candidate.tm_mday += ahead;
    candidate.tm_hour = static_cast<int>(hour);
    candidate.tm_min = 0;
    candidate.tm_sec = 0;
    candidate.tm_isdst = -1;
    const double when = static_cast<double>(std::mktime(&candidate));
    if (when > now) return when;
  }
  return now + 86400;
}

std::string backup_name(double now) {
  return format_time(now, "fabomatic-backup-%Y-%m-%d-%H%M%S.sqldb");
}

}  // namespace

std::size_t prune_backups(const std::string& folder, std::size_t keep) {
  std::vector<fs::path> backups;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("fabomatic-backup-") && name.ends_with(".sqldb")) {
      backups.push_back(entry.path());
    }
  }
  std::sort(backups.begin(), backups.end());
  std::size_t removed = 0;
  while (backups.size() > keep) {
    fs::remove(backups.front(), ec);
    backups.erase(backups.begin());
    ++removed;
  }
  return removed;
}

NightlyBackup::NightlyBackup(boost::asio::io_context& io, const backend::Settings& settings,
                             web::exports::ExportWorker& worker)
    : io_(io), settings_(settings), worker_(worker), timer_(io) {}

void NightlyBackup::stop() {
  stopped_ = true;
  timer_.cancel();
}

void NightlyBackup::reschedule() {
  timer_.cancel();
  if (stopped_ || settings_.backend.backup_dir.empty()) return;
  const double now = unix_now();
  const double at = next_at_hour(now, settings_.backend.backup_hour);
  timer_.expires_after(std::chrono::milliseconds(static_cast<long long>((at - now) * 1000)));
  timer_.async_wait([this](const boost::system::error_code& error) {
    if (error) return;
    run_now();
    reschedule();
  });
}

void NightlyBackup::run_now() {
  const std::string folder = settings_.backend.backup_dir.string();
  const std::size_t keep = settings_.backend.backup_keep;
  if (folder.empty()) return;
  const std::string file = (fs::path(folder) / backup_name(unix_now())).string();
  const bool queued = worker_.background(
      [folder, keep, file](db::Connection& db) {
        std::error_code ec;
        fs::create_directories(folder, ec);
        db::backup_database(db, file);
        prune_backups(folder, keep);
      },
      [this, file](std::string error) {
        boost::asio::post(io_, [this, file, error] { finished(file, error); });
      });
  if (!queued) finished(file, "the download worker is stopping");
}

void NightlyBackup::finished(const std::string& file, const std::string& error) {
  last_time_ = unix_now();
  last_error_ = error;
  if (error.empty()) {
    last_file_ = file;
    log::info("backup", "nightly backup written to " + file);
  } else {
    log::error("backup", "nightly backup to " + file + " failed: " + error);
  }
}

web::api::BackupFigures NightlyBackup::figures() const {
  web::api::BackupFigures f;
  f.folder = settings_.backend.backup_dir.string();
  f.keep = settings_.backend.backup_keep;
  f.hour = settings_.backend.backup_hour;
  f.last_time = last_time_;
  f.last_file = last_file_;
  f.last_error = last_error_;
  return f;
}

}  // namespace fabomatic::app
