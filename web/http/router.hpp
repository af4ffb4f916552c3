// Maps method + path to a handler. Patterns are "/"-separated segments: a literal, "{name}"
// (one segment, decoded, into Request::path_params) or, as the last one, "{name...}" (the rest
// of the path, one or more segments joined by "/"). When several patterns match, the most
// specific wins: literals before parameters before a tail, compared segment by segment.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "web/http/http_message.hpp"
#include "web/http/websocket_session.hpp"

namespace fabomatic::web {

/// Synchronous and short: handlers run where the server runs them (ServerOptions::app, the
/// reactor in the appliance), one at a time.
using Handler = std::function<Response(const Request&)>;

/// Answers a request whose handler finished later: call exactly once, from any thread.
using Reply = std::function<void(Response)>;
/// For a request that needs work which must not hold the reactor (password hashing): starts
/// it and answers through `reply` when done. Runs where synchronous handlers run.
using AsyncHandler = std::function<void(const Request&, Reply reply)>;

struct RouteOptions {
  /// Request body limit for this route; unset: the server's default (ServerOptions).
  std::optional<std::size_t> body_limit;
  /// The handler reads only immutable data (the embedded assets): it may run on the server's
  /// own I/O thread instead of being handed to ServerOptions::app.
  bool io_thread_safe = false;
  /// Asked on the request's header, before a body that has not arrived with it is read (and
  /// before any of the server's body memory is set aside for it): a Response refuses the
  /// request at once, nullopt reads the body. So a stranger cannot make the server wait for,
  /// and hold, a large body only to refuse it (e.g. the session check). Runs where handlers run.
  std::function<std::optional<Response>(const Request&)> admit;
};

/// A route that upgrades to a WebSocket over the same TLS connection.
struct WebSocketRoute {
  /// Decides on the upgrade request (e.g. checks the session cookie): nullopt accepts, a
  /// Response refuses and is sent instead. Unset: accept.
  std::function<std::optional<Response>(const Request&)> authorize;
  /// The session is open; keep the pointer to send() later.
  std::function<void(const std::shared_ptr<WebSocketSession>&, const Request&)> on_open;
  std::function<void(WebSocketSession&, std::string_view text)> on_message;
  /// Called once when the session ends, whatever the reason.
  std::function<void(WebSocketSession&)> on_close;
};

struct Route {
  Method method = Method::get;
  std::string pattern;
  Handler handler;  // empty for WebSocket and asynchronous routes
  std::optional<WebSocketRoute> websocket;
  AsyncHandler async_handler;
  RouteOptions options;
};

struct RouteMatch {
  enum class Outcome { found, not_found, method_not_allowed };
  Outcome outcome = Outcome::not_found;
  const Route* route = nullptr;
  std::map<std::string, std::string, std::less<>> params;
  std::string allow;  // for 405: "GET, HEAD, POST"
};

class Router {
 public:
  /// Throws std::invalid_argument for a malformed pattern or a duplicate method + pattern.
  void add(Method method, std::string_view pattern, Handler handler, RouteOptions options = {});
  void get(std::string_view p, Handler h, RouteOptions o = {}) {
    add(Method::get, p, std::move(h), o);
  }
  void post(std::string_view p, Handler h, RouteOptions o = {}) {
    add(Method::post, p, std::move(h), o);
  }
  void put(std::string_view p, Handler h, RouteOptions o = {}) {
    add(Method::put, p, std::move(h), o);
  }
  void patch(std::string_view p, Handler h, RouteOptions o = {}) {
    add(Method::patch, p, std::move(h), o);
  }
  void del(std::string_view p, Handler h, RouteOptions o = {}) {
    add(Method::delete_, p, std::move(h), o);
  }
  /// A route answered through a Reply (see AsyncHandler).
  void add_async(Method method, std::string_view pattern, AsyncHandler handler,
                 RouteOptions options = {});
  /// A GET route that upgrades to a WebSocket.
  void websocket(std::string_view pattern, WebSocketRoute route);

  /// HEAD falls back to the GET route of the same path.
  RouteMatch find(Method method, const std::vector<std::string>& segments) const;

  std::size_t size() const { return routes_.size(); }

  /// Method and pattern of every route, in the order they were added (a WebSocket as GET).
  std::vector<std::pair<Method, std::string>> list() const;

 private:
  struct Segment {
    enum class Kind { literal, param, tail } kind;
    std::string text;  // literal text or parameter name
  };
  struct Entry {
    Route route;
    std::vector<Segment> segments;
  };
  void insert(Route route);
  static std::vector<Segment> compile(std::string_view pattern);
  static bool matches(const std::vector<Segment>& pattern, const std::vector<std::string>& path,
                      std::map<std::string, std::string, std::less<>>* params);
  static bool more_specific(const std::vector<Segment>& a, const std::vector<Segment>& b);

  std::vector<std::unique_ptr<Entry>> routes_;  // stable addresses for RouteMatch::route
};

/// Runs the matched handler and turns every outcome into exactly one call of `reply`: 404, 405
/// (with Allow), the handler's answer, or 500 when it throws (logged with the request line,
/// never propagated). A synchronous handler replies before this returns; an asynchronous one
/// whenever it is done.
void dispatch(const RouteMatch& match, const Request& request,
              const std::function<void(std::string_view)>& log_error, Reply reply);

/// The same for callers that need the answer now (tests, inline use): an asynchronous handler
/// must then have replied before returning (its slow work ran inline), else this is a 500.
Response dispatch(const RouteMatch& match, const Request& request,
                  const std::function<void(std::string_view)>& log_error);

}  // namespace fabomatic::web
