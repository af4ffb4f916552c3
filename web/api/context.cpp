#include "web/api/context.hpp"

#include <chrono>

#include "backend/live_status.hpp"
#include "backend/machine_status_loader.hpp"

namespace fabomatic::web::api {

double ApiContext::now() const {
  if (clock) return clock();
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void record_change(ApiContext& context, const Principal& who, std::string_view action,
                   std::string_view entity, std::optional<db::Id> id,
                   const std::optional<Json>& before, const std::optional<Json>& after) {
  // An update that changes nothing (PATCH {}, or the same values sent again) is no change to
  // account for: the log keeps what happened, not what was asked.
  if (action == "update" && before && after && *before == *after) return;
  const auto text = [](const std::optional<Json>& value) -> std::optional<std::string> {
    if (!value) return std::nullopt;
    return value->dump(-1, ' ', false, Json::error_handler_t::replace);
  };
  context.audit.record(who, action, entity, id, text(before), text(after));
}

void refresh_live(ApiContext& context) {
  // The model keeps what only it knows (online, last heard) across a reload; a handful of
  // indexed queries per machine, which an admin's edit can afford.
  context.live.reset(backend::load_all_machine_statuses(context.db));
}

}  // namespace fabomatic::web::api
