// The request and response a route handler sees: plain values, independent of Beast, so that
// handlers (the REST API, static assets) compile without Beast's headers and are testable
// without sockets.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fabomatic::web {

class BodyStream;  // body_stream.hpp

enum class Method { get, head, post, put, patch, delete_, options, other };

std::string_view to_string(Method method);

/// Header fields in arrival order; names compare case-insensitively.
class Headers {
 public:
  using Field = std::pair<std::string, std::string>;

  void add(std::string name, std::string value);
  /// Replaces every field of that name by one.
  void set(std::string_view name, std::string value);
  void remove(std::string_view name);
  /// The first field of that name.
  std::optional<std::string_view> get(std::string_view name) const;
  bool contains(std::string_view name) const { return get(name).has_value(); }

  std::vector<Field>::const_iterator begin() const { return fields_.begin(); }
  std::vector<Field>::const_iterator end() const { return fields_.end(); }
  std::size_t size() const { return fields_.size(); }

 private:
  std::vector<Field> fields_;
};

struct Request {
  Method method = Method::get;
  std::string target;  // as received: path and query, still percent-encoded
  std::string path;    // decoded path
  std::map<std::string, std::string, std::less<>> path_params;  // "{id}" -> decoded value
  std::vector<std::pair<std::string, std::string>> query;       // decoded, in order
  Headers headers;
  std::string body;
  std::string remote_address;  // the client's IP address
  std::uint16_t remote_port = 0;

  std::optional<std::string_view> param(std::string_view name) const;
  /// The first query parameter of that name.
  std::optional<std::string_view> query_param(std::string_view name) const;
  /// Every value of a repeated query parameter (?machine=1&machine=2).
  std::vector<std::string_view> query_params(std::string_view name) const;
  std::optional<std::string_view> header(std::string_view name) const { return headers.get(name); }
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  /// Instead of `body`: a body sent with chunked transfer encoding as it is made (a HEAD
  /// answer sends the headers only). Give Content-Type and Content-Disposition in `headers`.
  std::shared_ptr<BodyStream> stream;

  static Response json(int status, std::string body);
  static Response text(int status, std::string body,
                       std::string content_type = "text/plain; charset=utf-8");
  /// {"error":{"status":404,"code":"not_found","message":"..."}}
  static Response error(int status, std::string_view code, std::string_view message);
  static Response no_content() { return Response{204, {}, {}}; }
  /// The 500 of a handler that failed (its cause goes to the log, never to the client).
  static Response internal_error();
};

/// The text of a JSON string literal (with quotes) for `text`.
std::string json_quote(std::string_view text);

}  // namespace fabomatic::web
