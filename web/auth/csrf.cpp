#include "web/auth/csrf.hpp"

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

}  // namespace fabomatic::web
