#include "web/http/request_target.hpp"

namespace fabomatic::web {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool parse_query(std::string_view text, std::vector<std::pair<std::string, std::string>>& out) {
  while (!text.empty()) {
    const auto amp = text.find('&');
    const std::string_view pair = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view{} : text.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    auto key = percent_decode(pair.substr(0, eq), true);
    auto value = percent_decode(
        eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1), true);
    if (!key || !value) return false;
    out.emplace_back(std::move(*key), std::move(*value));
  }
  return true;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int high = hex_value(text[i + 1]);
      const int low = hex_value(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out += static_cast<char>(high * 16 + low);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

TargetResult parse_target(std::string_view raw) {
  TargetResult result;
  if (raw.empty() || raw.front() != '/') {
    result.status = 400;  // absolute-form, authority-form and "*" are not served here
    return result;
  }
  const auto question = raw.find('?');
  const std::string_view path = raw.substr(0, question);
  if (question != std::string_view::npos &&
      !parse_query(raw.substr(question + 1), result.target.query)) {
    result.status = 400;
    return result;
  }
  std::string_view rest = path.substr(1);
  if (path.size() > 1) {
    while (true) {
      const auto slash = rest.find('/');
      auto segment = percent_decode(rest.substr(0, slash), false);
      if (!segment) {
        result.status = 400;
        return result;
      }
      if (*segment == "." || *segment == ".." ||
          segment->find_first_of(std::string_view("/\\\0", 3)) != std::string::npos) {
        result.status = 404;
        return result;
      }
      result.target.segments.push_back(std::move(*segment));
      if (slash == std::string_view::npos) break;
      rest = rest.substr(slash + 1);
    }
  }
  // Built in a local (not by assigning "/" to the member): GCC 12 reports a false -Wrestrict
  // on the literal assignment.
  std::string joined(1, '/');
  for (std::size_t i = 0; i < result.target.segments.size(); ++i) {
    if (i != 0) joined += '/';
    joined += result.target.segments[i];
  }
  result.target.path = std::move(joined);
  return result;
}

}  // namespace fabomatic::web
