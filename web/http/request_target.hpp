// Parsing of the request-target ("/api/v1/machines/7?sort=name"): percent-decoding, path
// segments, query parameters. Segments that could escape a directory (".", "..") or smuggle a
// separator ("%2F", "\", NUL) are refused here, once, for every route.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fabomatic::web {

struct RequestTarget {
  std::string path;                   // decoded, "/" joined
  std::vector<std::string> segments;  // decoded; "/" has none, "/a/" is {"a", ""}
  std::vector<std::pair<std::string, std::string>> query;
};

struct TargetResult {
  /// 0 when the target is usable; 400 when malformed (not origin-form, bad %-escape); 404 when a
  /// segment is "."/".." or decodes to a separator or NUL: no resource can have such a name.
  int status = 0;
  RequestTarget target;
};

TargetResult parse_target(std::string_view raw);

/// Decodes %XX escapes (and '+' as space when `plus_is_space`); nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

}  // namespace fabomatic::web
