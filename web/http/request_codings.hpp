// Whether a request's body can be read as the server reads bodies: as it is, chunked or with a
// Content-Length. Beast frames a chunked body whatever codings come before "chunked" and ignores
// Content-Encoding, so without this check a gzip upload would be read as if plain, and a request
// whose last transfer coding is not chunked would have its body taken for the next request.
#pragma once

#include <optional>

#include "web/http/beast_messages.hpp"

namespace fabomatic::web::detail {

struct CodingRefusal {
  Response answer;
  bool framing_lost = false;  // the body's end is unknown: close without reading further
};

/// nullopt when the request's codings are understood. Otherwise, per RFC 9112: a last transfer
/// coding other than chunked is a 400 with the framing lost (section 6.3); another transfer
/// coding before chunked (gzip, chunked) is a 501 (section 6.1); a Content-Encoding other than
/// identity on a request with a body is a 415 (RFC 9110 section 15.5.16).
std::optional<CodingRefusal> coding_refusal(const BeastRequest& header, bool has_body);

}  // namespace fabomatic::web::detail
