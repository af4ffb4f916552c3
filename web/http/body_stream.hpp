// A response body made piece by piece while it is sent (exports, backups): the server asks for
// the next piece only once the previous one is written, so a download of any size holds one
// piece in memory, and a producer on another thread is paced by the client's reading.
#pragma once

#include <functional>
#include <optional>
#include <string>

namespace fabomatic::web {

class BodyStream {
 public:
  /// Called exactly once per next(), from any thread: the next bytes (not empty), an empty
  /// string at the end, or nullopt when making the body failed — the connection is then cut
  /// before the last chunk, so the client sees an incomplete transfer, never a short file.
  using Deliver = std::function<void(std::optional<std::string> piece)>;

  /// Dropping the last reference before the end cancels the production (the client left).
  virtual ~BodyStream() = default;
  virtual void next(Deliver deliver) = 0;
};

}  // namespace fabomatic::web
