#include "web/http/router.hpp"

#include <atomic>

#include <exception>
#include <stdexcept>

namespace fabomatic::web {

std::vector<Router::Segment> Router::compile(std::string_view pattern) {
  if (pattern.empty() || pattern.front() != '/') {
    throw std::invalid_argument("route pattern must start with '/': " + std::string(pattern));
  }
  std::vector<Segment> segments;
  if (pattern.size() == 1) return segments;
  std::string_view rest = pattern.substr(1);
  while (true) {
    const auto slash = rest.find('/');
    const std::string_view text = rest.substr(0, slash);
    if (!segments.empty() && segments.back().kind == Segment::Kind::tail) {
      throw std::invalid_argument("'{name...}' must be the last segment: " + std::string(pattern));
    }
    if (text.size() >= 2 && text.front() == '{' && text.back() == '}') {
      std::string_view name = text.substr(1, text.size() - 2);
      Segment::Kind kind = Segment::Kind::param;
      if (name.size() > 3 && name.substr(name.size() - 3) == "...") {
        kind = Segment::Kind::tail;
        name.remove_suffix(3);
      }
      if (name.empty() || name.find_first_of("{}/") != std::string_view::npos) {
        throw std::invalid_argument("bad parameter in route pattern: " + std::string(pattern));
      }
      segments.push_back({kind, std::string(name)});
    } else {
      if (text.find_first_of("{}") != std::string_view::npos) {
        throw std::invalid_argument("braces inside a literal segment: " + std::string(pattern));
      }
      segments.push_back({Segment::Kind::literal, std::string(text)});
    }
    if (slash == std::string_view::npos) break;
    rest = rest.substr(slash + 1);
  }
  return segments;
}

void Router::insert(Route route) {
  auto entry = std::make_unique<Entry>();
  entry->segments = compile(route.pattern);
  for (const auto& existing : routes_) {
    if (existing->route.method != route.method) continue;
    bool same_shape = existing->segments.size() == entry->segments.size();
    for (std::size_t i = 0; same_shape && i < entry->segments.size(); ++i) {
      const auto& a = existing->segments[i];
      const auto& b = entry->segments[i];
      same_shape = a.kind == b.kind && (a.kind != Segment::Kind::literal || a.text == b.text);
    }
    if (same_shape) {
      throw std::invalid_argument("duplicate route " + std::string(to_string(route.method)) + " " +
                                  route.pattern);
    }
  }
  entry->route = std::move(route);
  routes_.push_back(std::move(entry));
}

void Router::add(Method method, std::string_view pattern, Handler handler, RouteOptions options) {
  if (!handler) throw std::invalid_argument("route without handler: " + std::string(pattern));
  insert(Route{method, std::string(pattern), std::move(handler), std::nullopt, {}, options});
}

void Router::add_async(Method method, std::string_view pattern, AsyncHandler handler,
                       RouteOptions options) {
  if (!handler) throw std::invalid_argument("route without handler: " + std::string(pattern));
  insert(Route{method, std::string(pattern), {}, std::nullopt, std::move(handler), options});
}

void Router::websocket(std::string_view pattern, WebSocketRoute route) {
  insert(Route{Method::get, std::string(pattern), {}, std::move(route), {}, {}});
}

bool Router::matches(const std::vector<Segment>& pattern, const std::vector<std::string>& path,
                     std::map<std::string, std::string, std::less<>>* params) {
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const Segment& segment = pattern[i];
    if (segment.kind == Segment::Kind::tail) {
      if (i >= path.size()) return false;
      if (params) {
        std::string joined;
        for (std::size_t j = i; j < path.size(); ++j) {
          if (j != i) joined += '/';
          joined += path[j];
        }
        (*params)[segment.text] = std::move(joined);
      }
      return true;
    }
    if (i >= path.size()) return false;
    if (segment.kind == Segment::Kind::literal) {
      if (segment.text != path[i]) return false;
    } else {
      if (path[i].empty()) return false;  // "{id}" needs a value
      if (params) (*params)[segment.text] = path[i];
    }
  }
  return pattern.size() == path.size();
}

bool Router::more_specific(const std::vector<Segment>& a, const std::vector<Segment>& b) {
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (a[i].kind != b[i].kind) return a[i].kind < b[i].kind;
  }
  return a.size() > b.size();
}

std::vector<std::pair<Method, std::string>> Router::list() const {
  std::vector<std::pair<Method, std::string>> out;
  out.reserve(routes_.size());
  for (const auto& entry : routes_)
    out.emplace_back(entry->route.method, entry->route.pattern);
  return out;
}

RouteMatch Router::find(Method method, const std::vector<std::string>& segments) const {
  RouteMatch match;
  const Entry* best = nullptr;
  const Entry* best_get = nullptr;  // HEAD falls back to GET
  bool methods[8] = {};
  for (const auto& entry : routes_) {
    if (!matches(entry->segments, segments, nullptr)) continue;
    methods[static_cast<int>(entry->route.method)] = true;
    if (entry->route.method == method &&
        (best == nullptr || more_specific(entry->segments, best->segments))) {
      best = entry.get();
    }
    if (entry->route.method == Method::get &&
        (best_get == nullptr || more_specific(entry->segments, best_get->segments))) {
      best_get = entry.get();
    }
  }
  if (best == nullptr && method == Method::head) best = best_get;
  if (best != nullptr) {
    match.outcome = RouteMatch::Outcome::found;
    match.route = &best->route;
    matches(best->segments, segments, &match.params);
    return match;
  }
  if (methods[static_cast<int>(Method::get)]) methods[static_cast<int>(Method::head)] = true;
  for (int m = 0; m < 8; ++m) {
    if (!methods[m]) continue;
    if (!match.allow.empty()) match.allow += ", ";
    match.allow += to_string(static_cast<Method>(m));
  }
  match.outcome = match.allow.empty() ? RouteMatch::Outcome::not_found
                                      : RouteMatch::Outcome::method_not_allowed;
  return match;
}

namespace {

Response failed(const RouteMatch& match, const Request& request,
                const std::function<void(std::string_view)>& log_error, std::string_view failure) {
  if (log_error) {
    log_error("handler of " + std::string(to_string(request.method)) + " " + match.route->pattern +
              " failed: " + std::string(failure));
  }
  return Response::internal_error();
}

}  // namespace

void dispatch(const RouteMatch& match, const Request& request,
              const std::function<void(std::string_view)>& log_error, Reply reply) {
  switch (match.outcome) {
    case RouteMatch::Outcome::not_found:
      return reply(Response::error(404, "not_found", "no such resource"));
    case RouteMatch::Outcome::method_not_allowed: {
      Response response = Response::error(405, "method_not_allowed",
                                          "method not allowed here; allowed: " + match.allow);
      response.headers.set("Allow", match.allow);
      return reply(std::move(response));
    }
    case RouteMatch::Outcome::found:
      break;
  }
  const Route& route = *match.route;
  if (!route.handler && !route.async_handler) {  // a WebSocket route asked without an upgrade
    Response response =
        Response::error(426, "upgrade_required", "this resource is a WebSocket endpoint");
    response.headers.set("Upgrade", "websocket");
    return reply(std::move(response));
  }
  std::string failure;
  if (route.handler) {
    try {
      return reply(route.handler(request));
    } catch (const std::exception& e) {
      failure = e.what();
    } catch (...) {
      failure = "unknown exception";
    }
    return reply(failed(match, request, log_error, failure));
  }
  // Exactly one answer even if the handler replies and then throws.
  auto answered = std::make_shared<std::atomic<bool>>(false);
  Reply once = [answered, reply](Response response) {
    if (!answered->exchange(true)) reply(std::move(response));
  };
  try {
    route.async_handler(request, once);
    return;
  } catch (const std::exception& e) {
    failure = e.what();
  } catch (...) {
    failure = "unknown exception";
  }
  once(failed(match, request, log_error, failure));
}

Response dispatch(const RouteMatch& match, const Request& request,
                  const std::function<void(std::string_view)>& log_error) {
  std::optional<Response> answer;
  dispatch(match, request, log_error,
           [&answer](Response response) { answer = std::move(response); });
  if (answer) return std::move(*answer);
  return failed(match, request, log_error, "an asynchronous handler did not answer inline");
}

}  // namespace fabomatic::web
