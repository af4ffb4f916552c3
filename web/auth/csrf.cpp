#include "web/auth/csrf.hpp"

#include "common/text.hpp"
#include "web/auth/guard.hpp"
#include "web/auth/tokens.hpp"

namespace fabomatic::web {

bool is_state_changing(Method method) {
  switch (method) {
    case Method::get:
    case Method::head:
    case Method::options:
      return false;
    default:
      return true;
  }
}

std::string new_csrf_token() {
  return random_token(32);
}

bool csrf_token_valid(const Request& request, std::string_view expected) {
  const auto given = request.header(kCsrfHeader);
  if (!given || expected.empty()) return false;
  return equal_constant_time(*given, expected);
}

namespace {
// "example.org:23336" -> "example.org", "[::1]:8443" -> "[::1]".
std::string_view without_port(std::string_view authority) {
  const auto bracket = authority.rfind(']');
  const auto colon = authority.rfind(':');
  if (colon == std::string_view::npos || (bracket != std::string_view::npos && colon < bracket))
    return authority;
  return authority.substr(0, colon);
}
}  // namespace

bool same_origin_or_none(const Request& request) {
  const auto origin = request.header("Origin");
  if (!origin) return true;
  std::string_view rest = *origin;
  for (const std::string_view scheme : {"https://", "http://"}) {
    if (rest.starts_with(scheme)) {
      rest.remove_prefix(scheme.size());
      const auto host = request.header("Host");
      // The host name alone: a proxy in front (a development server, a lab's reverse proxy)
      // may forward to another port of the same host.
      return host && !host->empty() && text::iequals(without_port(rest), without_port(*host));
    }
  }
  return false;  // "null" (a sandboxed frame, a file) or no web origin at all
}

}  // namespace fabomatic::web
