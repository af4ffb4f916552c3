// Answers whose body is a file made off the reactor (web/export/): exports, backups, a member's
// data. The handler validates the request on the reactor; the file is then made by the
// ExportWorker and streamed as it is written.
#pragma once

#include <string>
#include <string_view>

#include "web/api/context.hpp"
#include "web/export/export_worker.hpp"

namespace fabomatic::web::api {

/// "fabomatic-<what>-<local date>.<extension>"
std::string download_name(const ApiContext& context, std::string_view what,
                          std::string_view extension);

/// 200 with `stream` as an attachment named `file_name`; 503 "busy" when `stream` is null (the
/// worker refused more jobs).
Response download_response(std::shared_ptr<BodyStream> stream, std::string_view media_type,
                           std::string_view file_name);

/// The worker, or ApiError 503 when the portal runs without one.
exports::ExportWorker& download_worker(ApiContext& context);

/// ?format= of an export (csv or xlsx; `fallback` when absent); records a field error otherwise.
exports::Format read_format(Query& query, exports::Format fallback = exports::Format::csv);

std::string_view media_type_of(exports::Format format);
std::string_view extension_of(exports::Format format);

}  // namespace fabomatic::web::api
