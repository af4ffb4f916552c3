#include "web/http/request_codings.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/rfc7230.hpp>
#include <string>
#include <vector>

namespace fabomatic::web::detail {

namespace beast = boost::beast;
namespace http = beast::http;

namespace {

/// Every coding the field lists, over all its header lines, in order.
std::vector<std::string> codings(const BeastRequest& header, http::field field) {
  std::vector<std::string> all;
  for (auto [line, end] = header.equal_range(field); line != end; ++line) {
    for (const auto coding : http::token_list{line->value()})
      all.emplace_back(coding.data(), coding.size());
  }
  return all;
}

}  // namespace

std::optional<CodingRefusal> coding_refusal(const BeastRequest& header, bool has_body) {
  if (header.count(http::field::transfer_encoding) > 0) {
    const auto transfer = codings(header, http::field::transfer_encoding);
    if (transfer.empty() || !beast::iequals(transfer.back(), "chunked")) {
      return CodingRefusal{Response::error(400, "bad_request",
                                           "the last transfer coding of a request must be chunked"),
                           true};
    }
    if (transfer.size() > 1) {
      return CodingRefusal{
          Response::error(501, "not_implemented",
                          "transfer coding " + transfer.front() +
                              " is not supported: send the body chunked or with a Content-Length"),
          false};
    }
  }
  if (!has_body) return std::nullopt;
  for (const auto& coding : codings(header, http::field::content_encoding)) {
    if (beast::iequals(coding, "identity")) continue;
    return CodingRefusal{Response::error(415, "unsupported_media_type",
                                         "Content-Encoding " + coding +
                                             " is not supported: send the body uncompressed"),
                         false};
  }
  return std::nullopt;
}

}  // namespace fabomatic::web::detail
