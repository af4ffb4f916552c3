#include "web/api/downloads.hpp"

#include "web/export/local_time.hpp"
#include "web/http/body_stream.hpp"

namespace fabomatic::web::api {

std::string download_name(const ApiContext& context, std::string_view what,
                          std::string_view extension) {
  return "fabomatic-" + std::string(what) + "-" + exports::format_local_date(context.now()) + "." +
         std::string(extension);
}

Response download_response(std::shared_ptr<BodyStream> stream, std::string_view media_type,
                           std::string_view file_name) {
  if (!stream) {
    Response busy = error_response(503, "busy", "too many downloads are being made; try again");
    busy.headers.set("Retry-After", "10");
    return busy;
  }
  Response response;
  response.status = 200;
  response.headers.set("Content-Type", std::string(media_type));
  // The names are ours (ASCII letters, digits, dashes and dots): no quoting problem.
  response.headers.set("Content-Disposition",
                       "attachment; filename=\"" + std::string(file_name) + "\"");
  response.headers.set("Cache-Control", "no-store");
  response.stream = std::move(stream);
  return response;
}

exports::ExportWorker& download_worker(ApiContext& context) {
  if (context.downloads == nullptr) {
    throw ApiError(503, "unavailable", "downloads are not available in this set-up");
  }
  return *context.downloads;
}

exports::Format read_format(Query& query, exports::Format fallback) {
  const auto raw = query.text("format", 10);
  if (!raw) return fallback;
  if (const auto format = exports::parse_format(*raw)) return *format;
  query.error("format", field_error::choice({"csv", "xlsx"}));
  return fallback;
}

std::string_view media_type_of(exports::Format format) {
  return format == exports::Format::csv
             ? "text/csv; charset=utf-8"
             : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
}

std::string_view extension_of(exports::Format format) {
  return format == exports::Format::csv ? "csv" : "xlsx";
}

}  // namespace fabomatic::web::api
