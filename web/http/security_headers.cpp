#include "web/http/security_headers.hpp"

namespace fabomatic::web {

namespace {
void set_default(Headers& headers, std::string_view name, const char* value) {
  if (!headers.contains(name)) headers.add(std::string(name), value);
}
}  // namespace

void add_security_headers(Headers& headers, bool over_tls) {
  set_default(headers, "Content-Security-Policy", kContentSecurityPolicy);
  if (over_tls) set_default(headers, "Strict-Transport-Security", "max-age=31536000");
  set_default(headers, "X-Content-Type-Options", "nosniff");
  set_default(headers, "X-Frame-Options", "DENY");  // for browsers without frame-ancestors
  set_default(headers, "Referrer-Policy", "no-referrer");
  set_default(headers, "Cross-Origin-Opener-Policy", "same-origin");
}

}  // namespace fabomatic::web
