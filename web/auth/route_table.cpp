#include "web/auth/route_table.hpp"

#include <algorithm>
#include <optional>
#include <stdexcept>

#include "common/text.hpp"
#include "web/auth/body.hpp"
#include "web/auth/guard.hpp"

namespace fabomatic::web {

namespace {

/// A query parameter the route does not take, or one given twice, is refused: ignored, a typo
/// or a `?dry_run=1` would do the very thing the client meant not to do, and a repeated one
/// would leave unsaid which value counted.
std::optional<Response> query_refusal(const Request& request, const std::vector<ParamDoc>& known) {
  FieldErrors errors;
  for (std::size_t i = 0; i < request.query.size(); ++i) {
    const std::string& name = request.query[i].first;
    if (errors.count(name)) continue;
    const bool declared =
        std::any_of(known.begin(), known.end(), [&](const ParamDoc& p) { return p.name == name; });
    if (!declared) {
      errors[name] = field_error::unknown_field();
    } else if (std::any_of(request.query.begin(), request.query.begin() + i,
                           [&](const auto& earlier) { return earlier.first == name; })) {
      errors[name] = field_error::invalid("given more than once");
    }
  }
  if (errors.empty()) return std::nullopt;
  return invalid_fields(errors, "The query has parameters this route does not take");
}

/// A body is read only as what the route declares, never guessed: JSON sent as text/plain, or a
/// file sent as a multipart form, is refused by its type (415) instead of failing later with a
/// misleading reason; a body sent to a route that takes none is refused (400) rather than
/// dropped while the action runs ("{}", how some clients say "nothing", is let through).
std::optional<Response> body_refusal(const Request& request, const std::string& schema,
                                     const std::string& type) {
  if (request.body.empty()) return std::nullopt;  // the handler says what is missing
  if (!schema.empty() || !type.empty()) {
    const std::string expected = schema.empty() ? type : "application/json";
    if (has_media_type(request, expected)) return std::nullopt;
    return Response::error(415, "unsupported_media_type", "Send the body as " + expected);
  }
  if (text::trim(request.body) == "{}") return std::nullopt;
  return Response::error(400, "unexpected_body", "This route takes no body");
}

}  // namespace

void refuse_undeclared_input(ApiRoute& entry) {
  // A stranger learns nothing of a route's parameters or body: this runs inside protect().
  auto refusal = [known = entry.query, schema = entry.request_schema,
                  type = entry.request_type](const Request& request) {
    auto refused = query_refusal(request, known);
    return refused ? refused : body_refusal(request, schema, type);
  };
  if (entry.handler) {
    entry.handler = [refusal, handler = std::move(entry.handler)](const Request& request,
                                                                  const Principal& who) {
      if (auto refused = refusal(request)) return std::move(*refused);
      return handler(request, who);
    };
  } else if (entry.async_handler) {
    entry.async_handler = [refusal, handler = std::move(entry.async_handler)](
                              const Request& request, const Principal& who, Reply reply) {
      if (auto refused = refusal(request)) return reply(std::move(*refused));
      handler(request, who, std::move(reply));
    };
  }
}

void register_routes(Router& router, RouteTable routes, SessionAuth& auth) {
  for (auto& entry : routes) {
    if (entry.handler || entry.async_handler) {
      // A body arriving for a request without a session is refused before it is read.
      entry.options.admit = [&auth, options = entry.protect](const Request& request) {
        return check_request(auth, request, options).refusal;
      };
    }
    const int kinds = bool(entry.handler) + bool(entry.async_handler) + bool(entry.public_handler) +
                      bool(entry.public_async_handler) + entry.websocket.has_value();
    if (kinds != 1) {
      throw std::invalid_argument("route " + entry.pattern + ": exactly one handler expected");
    }
    refuse_undeclared_input(entry);  // after the session check: protect() runs first
    if (entry.websocket) {
      router.websocket(entry.pattern, std::move(*entry.websocket));
    } else if (entry.public_async_handler) {
      router.add_async(entry.method, entry.pattern, std::move(entry.public_async_handler),
                       entry.options);
    } else if (entry.async_handler) {
      router.add_async(entry.method, entry.pattern,
                       protect_async(auth, std::move(entry.async_handler), entry.protect),
                       entry.options);
    } else if (entry.public_handler) {
      router.add(entry.method, entry.pattern, std::move(entry.public_handler), entry.options);
    } else {
      router.add(entry.method, entry.pattern,
                 protect(auth, std::move(entry.handler), entry.protect), entry.options);
    }
  }
}

}  // namespace fabomatic::web
