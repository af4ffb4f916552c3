// The system page's routes: what runs where and how it is doing (GET /api/v1/system), a backup
// of the database as a download, restoring one from an upload, the log, and a restart.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "backend/live_status.hpp"
#include "common/log_memory.hpp"
#include "db/backup.hpp"
#include "db/boards_repository.hpp"
#include "db/machines_repository.hpp"
#include "db/sqlite.hpp"
#include "web/api/downloads.hpp"
#include "web/api/host_facts.hpp"
#include "web/api/operations.hpp"
#include "web/api/routes.hpp"
#include "web/auth/guard.hpp"
#include "web/export/local_time.hpp"

namespace fabomatic::web::api {

namespace {

namespace fs = std::filesystem;

constexpr std::size_t kRestoreLimit = std::size_t{256} * 1024 * 1024;

SystemSource& source(ApiContext& context) {
  if (context.system == nullptr) {
    throw ApiError(503, "unavailable", "the system page is not available in this set-up");
  }
  return *context.system;
}

std::uint64_t file_size(const std::string& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  return ec ? 0 : size;
}

Json broker_json(const BrokerFigures& b) {
  return Json{{"clients_connected", b.clients_connected},
              {"sessions", b.sessions},
              {"subscriptions", b.subscriptions},
              {"retained", b.retained},
              {"messages_received", b.messages_received},
              {"messages_sent", b.messages_sent},
              {"messages_dropped", b.messages_dropped},
              {"received_per_s", b.received_per_s},
              {"sent_per_s", b.sent_per_s}};
}

/// The broker connection of `board`: the one known to speak for its machine, else one from its
/// address that is not known to speak for another.
const MqttLink* link_of(const db::Board& board, const std::vector<MqttLink>& links) {
  for (const auto& l : links) {
    if (l.machine_id == board.machine_id) return &l;
  }
  for (const auto& l : links) {
    if (!l.machine_id && !board.ip_address.empty() && l.address == board.ip_address) return &l;
  }
  return nullptr;
}

/// One row per board: its record, the machine, whether the live status counts it online, and
/// its broker connection (with its MQTT account) when there is one.
Json fleet_json(ApiContext& context, const std::vector<MqttLink>& links) {
  std::map<db::Id, std::string> names;
  for (const auto& machine : db::MachinesRepository(context.db).list())
    names.emplace(machine.id, machine.name);
  const double now = context.now();
  Json rows = Json::array();
  for (const auto& board : db::BoardsRepository(context.db).list()) {
    const MqttLink* link = link_of(board, links);
    const auto name = names.find(board.machine_id);
    const bool connected = link != nullptr;
    rows.push_back(
        Json{{"id", board.id},
             {"machine_id", board.machine_id},
             {"machine_name", name == names.end() ? "" : name->second},
             {"serial", or_null(board.serial)},
             {"fw_version", board.fw_version},
             {"ip_address", board.ip_address},
             {"heap", or_null(board.heap)},
             {"last_seen", board.last_seen},
             {"online", context.live.is_online(board.machine_id, now)},
             {"mqtt_connected", connected},
             {"mqtt_client_id", connected ? Json(link->client_id) : Json(nullptr)},
             {"mqtt_account", connected ? Json(link->username) : Json(nullptr)},
             {"mqtt_connected_at", connected ? Json(link->connected_at) : Json(nullptr)}});
  }
  return rows;
}

Response overview(ApiContext& context) {
  auto& system = source(context);
  const std::string path = context.db.path();
  const HostFacts host = host_facts(fs::path(path).parent_path().string());
  const auto count = [&](const char* sql) { return context.db.query_one<std::int64_t>(sql); };
  Json purge = nullptr;
  if (const auto p = system.last_purge()) {
    purge = Json{{"time", p->time},
                 {"uses", p->uses},
                 {"interventions", p->interventions},
                 {"unknown_cards", p->unknown_cards},
                 {"audit_entries", p->audit_entries}};
  }
  const BackupFigures backup = system.nightly_backup();
  const double now = context.now();
  Json body{{"version", system.version()},
            {"time", now},
            {"started_at", system.started_at()},
            {"uptime_s", std::max(0.0, now - system.started_at())},
            {"host", Json{{"name", host.host_name},
                          {"os", host.os},
                          {"kernel", host.kernel},
                          {"architecture", host.architecture},
                          {"cpu_model", host.cpu_model},
                          {"cpus", host.cpus},
                          {"load", Json::array({host.load[0], host.load[1], host.load[2]})},
                          {"memory_total", host.memory_total},
                          {"memory_available", host.memory_available},
                          {"disk_total", host.disk_total},
                          {"disk_free", host.disk_free},
                          {"process_rss", host.process_rss}}},
            {"database", Json{{"path", path},
                              {"size", file_size(path) + file_size(path + "-wal")},
                              {"members", count("SELECT COUNT(*) FROM users WHERE deleted = 0")},
                              {"machines", count("SELECT COUNT(*) FROM machines")},
                              {"uses", count("SELECT COUNT(*) FROM uses")}}},
            {"broker", broker_json(system.broker())},
            {"boards", fleet_json(context, system.mqtt_clients())},
            {"purge", std::move(purge)},
            {"backup", Json{{"folder", backup.folder},
                            {"keep", backup.keep},
                            {"hour", backup.hour},
                            {"last_time", or_null(backup.last_time)},
                            {"last_file", backup.last_file},
                            {"last_error", backup.last_error}}}};
  return json_response(200, body);
}

Response backup(ApiContext& context, const Principal& who) {
  auto& worker = download_worker(context);
  const fs::path temp_dir = worker.options().temp_dir;
  auto stream = worker.bytes([temp_dir](db::Connection& db, const exports::Sink& out) {
    // An online backup from this job's own connection (a consistent snapshot while the reactor
    // writes), into a file of the data folder, then sent piece by piece.
    std::string pattern = (temp_dir / "fabomatic-backup-XXXXXX").string();
    const int fd = ::mkstemp(pattern.data());
    if (fd < 0) throw std::runtime_error("cannot create a backup file in " + temp_dir.string());
    ::close(fd);
    struct Remove {
      std::string path;
      ~Remove() { std::remove(path.c_str()); }
    } remove{pattern};
    db::backup_database(db, pattern);
    std::FILE* file = std::fopen(pattern.c_str(), "rb");
    if (file == nullptr) throw std::runtime_error("cannot read the backup back");
    std::string piece(64 * 1024, '\0');
    try {
      while (const std::size_t n = std::fread(piece.data(), 1, piece.size(), file)) {
        out(std::string_view(piece.data(), n));
      }
    } catch (...) {
      std::fclose(file);
      throw;
    }
    const bool failed = std::ferror(file) != 0;
    std::fclose(file);
    if (failed) throw std::runtime_error("cannot read the backup back");
  });
  if (stream) {
    db::Transaction tx(context.db);
    context.audit.record(who, "download", "backup", std::nullopt, std::nullopt, std::nullopt);
    tx.commit();
  }
  const std::string stamp = exports::format_local(context.now());  // "YYYY-MM-DD HH:MM:SS"
  const std::string name = "fabomatic-backup-" + stamp.substr(0, 10) + "-" + stamp.substr(11, 2) +
                           stamp.substr(14, 2) + ".sqldb";
  return download_response(std::move(stream), "application/vnd.sqlite3", name);
}

void restore(ApiContext& context, const Request& request, const Principal& who, Reply reply) {
  SystemSource* system = context.system;
  if (system == nullptr) {
    return reply(error_response(503, "unavailable", "restore is not available in this set-up"));
  }
  if (request.body.empty()) {
    return reply(error_response(400, "invalid", "send the backup file as the request body",
                                {{"file", field_error::required("empty upload")}}));
  }
  system->restore(request.body, [&context, who, reply](RestoreOutcome outcome) {
    if (outcome.status != 200) {
      return reply(error_response(outcome.status, outcome.code, outcome.message,
                                  outcome.status == 400
                                      ? FieldErrors{{"file", field_error::invalid(outcome.message)}}
                                      : FieldErrors{}));
    }
    try {
      db::Transaction tx(context.db);
      context.audit.record(who, "restore", "database", std::nullopt, std::nullopt,
                           Json{{"kept_as", outcome.kept_as}}.dump());
      tx.commit();
    } catch (const std::exception& e) {
      log::warning("web", std::string("restore: audit entry not written: ") + e.what());
    }
    reply(json_response(
        200,
        Json{{"code", outcome.code}, {"message", outcome.message}, {"kept_as", outcome.kept_as}}));
  });
}

Response log_lines(const Request& request) {
  Query query(request);
  const auto after = query.id("after");
  std::optional<log::Level> level;
  if (const auto raw = query.text("level", 10)) {
    level = log::level_named(*raw);
    if (!level)
      query.error("level", field_error::choice({log::kLevelNames.begin(), log::kLevelNames.end()}));
  }
  const db::Page page = query.page(500, 2000);
  query.finish();
  auto lines = log::recent(after.value_or(0));
  const std::uint64_t last = lines.empty() ? after.value_or(0) : lines.back().seq;
  if (level) {
    std::erase_if(lines, [&](const log::Entry& e) { return e.level < *level; });
  }
  if (lines.size() > static_cast<std::size_t>(page.limit)) {
    lines.erase(lines.begin(), lines.end() - page.limit);  // the newest
  }
  Json items = Json::array();
  for (const auto& line : lines) {
    items.push_back(Json{{"seq", line.seq},
                         {"time", line.time},
                         {"level", log::level_name(line.level)},
                         {"component", line.component},
                         {"message", line.message}});
  }
  return json_response(200, Json{{"items", std::move(items)}, {"last_seq", last}});
}

Response log_download(ApiContext& context) {
  std::string text;
  for (const auto& line : log::recent())
    text += log::format(line) + "\n";
  Response response = Response::text(200, std::move(text));
  response.headers.set("Content-Disposition",
                       "attachment; filename=\"" + download_name(context, "log", "txt") + "\"");
  response.headers.set("Cache-Control", "no-store");
  return response;
}

Response restart(ApiContext& context, const Principal& who) {
  auto& system = source(context);
  {
    db::Transaction tx(context.db);
    context.audit.record(who, "restart", "service", std::nullopt, std::nullopt, std::nullopt);
    tx.commit();
  }
  log::warning("web", "restart requested by " + who.email);
  system.restart();  // after this answer has left: the stop runs on a later turn
  return json_response(202, Json{{"message", "restarting"}});
}

}  // namespace

void add_system_routes(RouteTable& routes, ApiContext& c) {
  const std::string base = "/api/v1/system";
  routes
      .emplace_back(route(Method::get, base, "system",
                          "Version, uptime, host, database, broker figures, the board fleet, the "
                          "last purge and the nightly backup",
                          [&c](const Request&, const Principal&) { return overview(c); }))
      .response_schema = "SystemOverview";
  auto& b = routes.emplace_back(
      route(Method::get, base + "/backup", "system",
            "A consistent copy of the database (SQLite online backup), as a download",
            [&c](const Request&, const Principal& who) { return backup(c, who); }));
  b.response_type = "application/vnd.sqlite3";

  ApiRoute& r = routes.emplace_back();
  r.method = Method::post;
  r.pattern = base + "/restore";
  r.tag = "system";
  r.summary =
      "Replace the database with an uploaded backup (the request body, at most 256 MiB): "
      "refused unless it is a FabOMatic database of a known revision; the replaced file is kept; "
      "every session ends";
  r.async_handler = [&c](const Request& request, const Principal& who, Reply reply) {
    restore(c, request, who, std::move(reply));
  };
  r.options.body_limit = kRestoreLimit;
  r.request_type = "application/octet-stream";  // the file itself, not a multipart form
  r.response_schema = "RestoreResult";

  auto& l =
      routes.emplace_back(route(Method::get, base + "/log", "system",
                                "The last lines of the log (kept in memory), oldest first",
                                [](const Request& r, const Principal&) { return log_lines(r); }));
  l.query = {
      {"after", "integer", "only lines after this seq (the last_seq of a previous answer)", {}},
      {"level",
       "string",
       "only lines of this level or worse",
       {log::kLevelNames.begin(), log::kLevelNames.end()}},
      {"limit", "integer", "at most this many, the newest (1..2000, default 500)", {}}};
  l.response_schema = "LogLines";
  routes
      .emplace_back(route(Method::get, base + "/log/download", "system",
                          "The lines of the log kept in memory, as a text file",
                          [&c](const Request&, const Principal&) { return log_download(c); }))
      .response_type = "text/plain";
  auto& restart_route = routes.emplace_back(
      route(Method::post, base + "/restart", "system",
            "Restart the service (same process, settings read again)",
            [&c](const Request&, const Principal& who) { return restart(c, who); }));
  restart_route.response_schema = "Message";
  restart_route.success_status = 202;
}

}  // namespace fabomatic::web::api
