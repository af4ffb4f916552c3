#include "web/api/boards.hpp"

#include <algorithm>
#include <map>

#include "backend/live_status.hpp"
#include "db/boards_repository.hpp"
#include "db/discovered_boards_repository.hpp"
#include "db/machines_repository.hpp"
#include "web/api/machines.hpp"
#include "web/api/routes.hpp"

namespace fabomatic::web::api {

namespace {

// One board per machine: the lists are as short as the machine list, sorted in memory.
constexpr SortField<int> kBoardSorts[] = {{"machine", 0}, {"id", 1}, {"last_seen", 2}};

std::map<db::Id, std::string> machine_names(db::Connection& db) {
  std::map<db::Id, std::string> names;
  for (const auto& machine : db::MachinesRepository(db).list())
    names.emplace(machine.id, machine.name);
  return names;
}

db::Board existing(db::Connection& db, db::Id id) {
  auto board = db::BoardsRepository(db).get(id);
  if (!board) throw ApiError::not_found("board", id);
  return std::move(*board);
}

Json full_json(ApiContext& context, const db::Board& board) {
  const auto machine = db::MachinesRepository(context.db).get(board.machine_id);
  return board_json(board, machine ? machine->name : "",
                    context.live.is_online(board.machine_id, context.now()));
}

Response list(ApiContext& context, const Request& request, const Principal&) {
  Query query(request);
  const auto machine_id = query.id("machine_id");
  const auto [by, descending] = query.sort(kBoardSorts, false);
  const db::Page page = query.page();
  query.finish();
  auto boards = db::BoardsRepository(context.db).list();
  if (machine_id) {
    std::erase_if(boards, [&](const db::Board& b) { return b.machine_id != *machine_id; });
  }
  std::stable_sort(boards.begin(), boards.end(), [by = by](const db::Board& a, const db::Board& b) {
    if (by == 1) return a.id < b.id;
    if (by == 2) return a.last_seen < b.last_seen;
    return a.machine_id < b.machine_id;
  });
  if (descending) std::reverse(boards.begin(), boards.end());
  const auto names = machine_names(context.db);
  const double now = context.now();
  Json items = Json::array();
  for (const auto& board : slice(boards, page)) {
    const auto it = names.find(board.machine_id);
    items.push_back(board_json(board, it == names.end() ? "" : it->second,
                               context.live.is_online(board.machine_id, now)));
  }
  return json_response(200, page_json(std::move(items), std::ssize(boards), page));
}

Response get(ApiContext& context, const Request& request, const Principal&) {
  return json_response(200, full_json(context, existing(context.db, path_id(request, "board"))));
}

Response remove(ApiContext& context, const Request& request, const Principal& who) {
  const db::Id id = path_id(request, "board");
  db::Transaction tx(context.db);
  Json before = full_json(context, existing(context.db, id));
  db::BoardsRepository(context.db).remove(id);
  record_change(context, who, "delete", "board", id, before, std::nullopt);
  tx.commit();
  refresh_live(context);
  return Response::no_content();
}

db::DiscoveredBoard existing_discovered(db::Connection& db, db::Id machine_id) {
  auto board = db::DiscoveredBoardsRepository(db).get(machine_id);
  // Once its machine exists the entry is no longer a discovery.
  if (!board || db::MachinesRepository(db).get(machine_id)) {
    throw ApiError(404, "not_found",
                   "no board waits for a machine with id " + std::to_string(machine_id));
  }
  return std::move(*board);
}

Response list_discovered(ApiContext& context, const Request& request, const Principal&) {
  Query query(request);
  const db::Page page = query.page();
  query.finish();
  const auto boards = db::DiscoveredBoardsRepository(context.db).list();
  Json items = Json::array();
  for (const auto& board : slice(boards, page))
    items.push_back(discovered_board_json(board));
  return json_response(200, page_json(std::move(items), std::ssize(boards), page));
}

Response remove_discovered(ApiContext& context, const Request& request, const Principal& who) {
  const db::Id machine_id = path_id(request, "discovered board");
  db::Transaction tx(context.db);
  Json before = discovered_board_json(existing_discovered(context.db, machine_id));
  db::DiscoveredBoardsRepository(context.db).remove(machine_id);
  record_change(context, who, "delete", "discovered_board", machine_id, before, std::nullopt);
  tx.commit();
  return Response::no_content();
}

// "Create machine": the machine gets the id the board announces, and the board's report
// becomes its board record at once, so the dashboard shows it before the next alive.
Response create_machine_for(ApiContext& context, const Request& request, const Principal& who) {
  const db::Id machine_id = path_id(request, "discovered board");
  Body body(request);
  db::Transaction tx(context.db);
  const db::DiscoveredBoard board = existing_discovered(context.db, machine_id);
  Json created = create_machine(context, who, body, machine_id);
  db::BoardsRepository(context.db)
      .upsert(machine_id,
              db::BoardReport{board.ip_address, board.fw_version, board.serial, board.heap},
              board.last_seen);
  db::DiscoveredBoardsRepository(context.db).remove(machine_id);
  record_change(context, who, "delete", "discovered_board", machine_id,
                discovered_board_json(board), std::nullopt);
  tx.commit();
  refresh_live(context);
  // The board said alive a moment ago: its new card on the dashboard is online, not "Offline"
  // until its next alive.
  context.live.heard_at(machine_id, static_cast<double>(board.last_seen), context.now());
  return json_response(201, created);
}

}  // namespace

Json board_json(const db::Board& board, const std::string& machine_name, bool online) {
  return Json{{"id", board.id},
              {"machine_id", board.machine_id},
              {"machine_name", machine_name},
              {"ip_address", board.ip_address},
              {"fw_version", board.fw_version},
              {"serial", or_null(board.serial)},
              {"heap", or_null(board.heap)},
              {"last_seen", board.last_seen},
              {"online", online}};
}

Json discovered_board_json(const db::DiscoveredBoard& board) {
  return Json{{"machine_id", board.machine_id}, {"ip_address", board.ip_address},
              {"fw_version", board.fw_version}, {"serial", or_null(board.serial)},
              {"heap", or_null(board.heap)},    {"first_seen", board.first_seen},
              {"last_seen", board.last_seen}};
}

void add_board_routes(RouteTable& routes, ApiContext& c) {
  const std::string base = "/api/v1/boards";
  auto& l = routes.emplace_back(route(Method::get, base, "boards", "List the machines' boards",
                                      [&c](auto& r, auto& w) { return list(c, r, w); }));
  l.query = {{"machine_id", "integer", "only the board of this machine", {}}};
  for (auto& p : list_params(sort_names(kBoardSorts)))
    l.query.push_back(std::move(p));
  l.response_schema = "BoardPage";
  routes
      .emplace_back(route(Method::get, base + "/{id}", "boards", "Get a board",
                          [&c](auto& r, auto& w) { return get(c, r, w); }))
      .response_schema = "Board";
  routes
      .emplace_back(route(Method::delete_, base + "/{id}", "boards",
                          "Forget a board record (its next alive recreates it)",
                          [&c](auto& r, auto& w) { return remove(c, r, w); }))
      .success_status = 204;

  const std::string discovered = "/api/v1/discovered-boards";
  auto& d =
      routes.emplace_back(route(Method::get, discovered, "boards",
                                "Boards that announced a machine id with no machine (newest state)",
                                [&c](auto& r, auto& w) { return list_discovered(c, r, w); }));
  d.query = {{"limit", "integer", "rows per page, 1..500 (default 50)", {}},
             {"offset", "integer", "rows to skip (default 0)", {}}};
  d.response_schema = "DiscoveredBoardPage";
  routes
      .emplace_back(route(Method::delete_, discovered + "/{id}", "boards",
                          "Dismiss a discovered board (id: the machine id it announced)",
                          [&c](auto& r, auto& w) { return remove_discovered(c, r, w); }))
      .success_status = 204;
  auto& m = routes.emplace_back(
      route(Method::post, discovered + "/{id}/machine", "boards",
            "Create the machine the board announced (id: that machine id), taking over the "
            "board's report",
            [&c](auto& r, auto& w) { return create_machine_for(c, r, w); }));
  m.request_schema = "MachineCreateForBoard";
  m.response_schema = "Machine";
  m.success_status = 201;
}

}  // namespace fabomatic::web::api
