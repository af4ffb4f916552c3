// libFuzzer target: an HTTP request as the portal reads it — Beast's parser with the portal's
// limits (8 KiB of header, 1 MiB of body), the conversion to our Request, the request target
// parser (path segments, percent-decoding, query) and the router's lookup.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "web/http/beast_messages.hpp"
#include "web/http/request_target.hpp"
#include "web/http/router.hpp"

using namespace fabomatic::web;
namespace http = boost::beast::http;

namespace {

Router& router() {
  static Router r = [] {
    Router built;
    const auto ok = [](const Request&) { return Response::text(200, "ok"); };
    built.get("/api/v1/machines", ok);
    built.get("/api/v1/machines/{id}", ok);
    built.post("/api/v1/machines/{id}/start", ok);
    built.del("/api/v1/board-accounts/{id}", ok);
    built.get("/{file...}", ok);
    return built;
  }();
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  http::request_parser<http::string_body> parser;
  parser.header_limit(8 * 1024);
  parser.body_limit(1024 * 1024);
  parser.eager(true);
  boost::beast::error_code ec;
  std::size_t used = 0;
  while (used < size && !parser.is_done()) {
    const std::size_t n = parser.put(boost::asio::buffer(data + used, size - used), ec);
    if (ec == http::error::need_more) {
      ec = {};
      break;
    }
    if (ec || n == 0) break;
    used += n;
  }
  if (!parser.is_header_done()) {
    // The target parser alone, on the raw input.
    (void)parse_target(std::string_view(reinterpret_cast<const char*>(data), size));
    return 0;
  }
  auto message = parser.release();
  Request request;
  detail::fill_request(request, message);
  const TargetResult target = parse_target(request.target);
  if (target.status != 0) return 0;
  request.path = target.target.path;
  request.query = target.target.query;
  const RouteMatch match = router().find(request.method, target.target.segments);
  if (match.outcome == RouteMatch::Outcome::found) {
    request.path_params = match.params;
    (void)dispatch(match, request, [](std::string_view) {});
  }
  (void)request.query_param("limit");
  (void)percent_decode(request.target, true);
  return 0;
}
