#include "web/http/static_assets.hpp"

#include <array>
#include <utility>

#include "common/text.hpp"
#include "web/http/router.hpp"

namespace fabomatic::web {

namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
    text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
    text.remove_suffix(1);
  return text;
}

bool is_hex_digit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/// Weak comparison (RFC 9110 8.8.3.2): W/ is ignored; "*" matches anything.
bool if_none_match_hits(std::string_view header, std::string_view etag) {
  while (!header.empty()) {
    const auto comma = header.find(',');
    std::string_view candidate = trim(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    if (candidate == "*") return true;
    if (candidate.substr(0, 2) == "W/") candidate.remove_prefix(2);
    if (candidate == etag) return true;
  }
  return false;
}

}  // namespace

std::string_view content_type_for(std::string_view path) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 20> kTypes{{
      {".html", "text/html; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".webp", "image/webp"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".woff", "font/woff"},
      {".ttf", "font/ttf"},
      {".txt", "text/plain; charset=utf-8"},
      {".xml", "application/xml"},
      {".wasm", "application/wasm"},
  }};
  const auto dot = path.rfind('.');
  if (dot != std::string_view::npos && path.find('/', dot) == std::string_view::npos) {
    const std::string_view extension = path.substr(dot);
    for (const auto& [ext, type] : kTypes) {
      if (text::iequals(ext, extension)) return type;
    }
  }
  return "application/octet-stream";
}

bool is_fingerprinted(std::string_view path) {
  const std::string_view name = path.substr(path.rfind('/') + 1);
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (name[i] != '.' && name[i] != '-') continue;
    std::size_t j = i + 1;
    bool has_digit = false;
    while (j < name.size() && is_hex_digit(name[j])) {
      has_digit = has_digit || (name[j] >= '0' && name[j] <= '9');
      ++j;
    }
    if (j - i - 1 >= 8 && has_digit && j < name.size() && name[j] == '.') return true;
  }
  return false;
}

bool accepts_gzip(std::string_view accept_encoding) {
  bool gzip = false;
  bool star = false;
  std::optional<bool> gzip_listed;
  while (!accept_encoding.empty()) {
    const auto comma = accept_encoding.find(',');
    std::string_view item = trim(accept_encoding.substr(0, comma));
    accept_encoding =
        comma == std::string_view::npos ? std::string_view{} : accept_encoding.substr(comma + 1);
    const auto semicolon = item.find(';');
    const std::string_view coding = trim(item.substr(0, semicolon));
    bool allowed = true;
    if (semicolon != std::string_view::npos) {
      std::string_view parameter = trim(item.substr(semicolon + 1));
      if (parameter.size() >= 2 && (parameter[0] == 'q' || parameter[0] == 'Q') &&
          parameter[1] == '=') {
        // q=0, q=0.0, q=0.000 refuse; anything else is a preference we honour.
        parameter.remove_prefix(2);
        allowed = parameter.find_first_not_of("0.") != std::string_view::npos;
      }
    }
    if (text::iequals(coding, "gzip") || text::iequals(coding, "x-gzip")) {
      gzip_listed = allowed;
    } else if (coding == "*") {
      star = allowed;
    }
  }
  gzip = gzip_listed.value_or(star);
  return gzip;
}

StaticAssets::StaticAssets(std::span<const EmbeddedAsset> assets) : assets_(assets) {}

const EmbeddedAsset* StaticAssets::find(std::string_view path) const {
  for (const EmbeddedAsset& asset : assets_) {
    if (asset.path == path) return &asset;
  }
  return nullptr;
}

Handler StaticAssets::handler() const {
  return [this](const Request& request) {
    const auto file = request.path_params.find("file");
    const EmbeddedAsset* asset =
        find(file == request.path_params.end() ? "index.html" : std::string_view(file->second));
    if (asset == nullptr) return Response::error(404, "not_found", "no such resource");
    return serve(*asset, request);
  };
}

void StaticAssets::mount(Router& router) const {
  // Immutable data: served on the portal's I/O thread, never queued for the reactor.
  const RouteOptions options{.io_thread_safe = true};
  router.get("/", handler(), options);
  router.get("/{file...}", handler(), options);
}

Response StaticAssets::serve(const EmbeddedAsset& asset, const Request& request) const {
  const bool gzip =
      !asset.gzip.empty() && accepts_gzip(request.header("Accept-Encoding").value_or(""));
  // Each representation has its own validator (RFC 9110 8.8.3): the gzip one is marked.
  const std::string etag = "\"" + std::string(asset.sha256.substr(0, 32)) + (gzip ? "-gz\"" : "\"");
  Response response;
  response.headers.set("ETag", etag);
  response.headers.set("Cache-Control", is_fingerprinted(asset.path)
                                            ? "public, max-age=31536000, immutable"
                                            : "no-cache");
  if (!asset.gzip.empty()) response.headers.set("Vary", "Accept-Encoding");
  if (const auto condition = request.header("If-None-Match");
      condition && if_none_match_hits(*condition, etag)) {
    response.status = 304;
    return response;
  }
  response.headers.set("Content-Type", std::string(content_type_for(asset.path)));
  if (gzip) response.headers.set("Content-Encoding", "gzip");
  response.body = std::string(gzip ? asset.gzip : asset.data);
  return response;
}

}  // namespace fabomatic::web
