#include "web/http/beast_messages.hpp"

namespace fabomatic::web::detail {

namespace http = boost::beast::http;

Method to_method(http::verb verb) {
  switch (verb) {
    case http::verb::get:
      return Method::get;
    case http::verb::head:
      return Method::head;
    case http::verb::post:
      return Method::post;
    case http::verb::put:
      return Method::put;
    case http::verb::patch:
      return Method::patch;
    case http::verb::delete_:
      return Method::delete_;
    case http::verb::options:
      return Method::options;
    default:
      return Method::other;
  }
}

void fill_request(Request& out, BeastRequest& request) {
  out.method = to_method(request.method());
  out.target = std::string(request.target());
  for (const auto& field : request) {
    out.headers.add(std::string(field.name_string()), std::string(field.value()));
  }
  out.body = std::move(request.body());
}

void fill_response(BeastResponse& out, Response response, bool head, bool keep_alive) {
  out = BeastResponse{};
  out.version(11);
  out.result(static_cast<unsigned>(response.status));
  for (const auto& [name, value] : response.headers)
    out.insert(name, value);
  out.keep_alive(keep_alive);
  const bool bodiless = response.status < 200 || response.status == 204 || response.status == 304;
  if (bodiless) return;
  if (head) {
    out.content_length(response.body.size());
    return;
  }
  out.body() = std::move(response.body);
  out.prepare_payload();
}

}  // namespace fabomatic::web::detail
