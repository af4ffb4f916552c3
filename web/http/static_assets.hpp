// The portal's files (HTML, CSS, scripts, fonts), embedded in the binary at build time by
// web/http/embed_assets.cmake from the built browser app, each with a gzip -9n copy when that is
// smaller. Only names in the bundle are served: a request can never reach the file system.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "web/http/http_message.hpp"
#include "web/http/router.hpp"

namespace fabomatic::web {

struct EmbeddedAsset {
  std::string_view path;    // relative to the embedded folder, "/"-separated: "index.html"
  std::string_view data;    // the file as it is
  std::string_view gzip;    // gzip -9n of data; empty when not smaller
  std::string_view sha256;  // hex digest of data
};

/// The files a target embedded with embed_files() (web/http/CMakeLists.txt): the browser app in
/// the appliance (web/frontend/), a test bundle in the tests. Defined by the generated source.
std::span<const EmbeddedAsset> embedded_assets();

/// Content-Type for a file name ("app.js" -> "text/javascript; charset=utf-8").
std::string_view content_type_for(std::string_view path);

/// Whether a name carries a content hash, so that it can be cached forever: a "." or "-"
/// followed by 8 or more lowercase hex digits (at least one a digit) and then ".":
/// "app.3f9a2b1c.js", "index-0a1b2c3d4e.css". (Bundlers: use hex hashes, e.g. Rollup's
/// output.hashCharacters = "hex".)
bool is_fingerprinted(std::string_view path);

/// Whether an Accept-Encoding header value allows gzip (q > 0 for "gzip" or "*").
bool accepts_gzip(std::string_view accept_encoding);

class StaticAssets {
 public:
  explicit StaticAssets(std::span<const EmbeddedAsset> assets);

  /// Serves GET (and HEAD) "/" (index.html) and "/{file...}" (the asset of that path; 404 for
  /// any other name). The object must outlive the handler.
  Handler handler() const;

  /// The two routes of handler() on `router` (the portal registers them from its route table).
  void mount(Router& router) const;

  /// The asset at `path` ("index.html", "app-3f9a2b1c4d5e.js"), or null.
  const EmbeddedAsset* find(std::string_view path) const;

  /// The response for one asset: 200 (gzip when accepted and smaller) or 304 when
  /// If-None-Match names its ETag. ETag and Cache-Control on both.
  Response serve(const EmbeddedAsset& asset, const Request& request) const;

 private:
  std::span<const EmbeddedAsset> assets_;
};

}  // namespace fabomatic::web
