#include "web/auth/route_table.hpp"

#include <stdexcept>

#include "web/auth/guard.hpp"

namespace fabomatic::web {

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
