// Whether this process could listen on an address and port: the settings editor asks before it
// saves a listener's setting, since a start that cannot bind stops the broker and the portal
// together, and the portal could not undo that.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace fabomatic::app {

/// Binds a TCP socket to `address` (an IPv4 or IPv6 literal) and `port` (0: any free port, to
/// check the address alone), then closes it. Returns why it failed ("Cannot assign requested
/// address": not an address of this host; "Address already in use"; "Permission denied": a
/// port below 1024 without the right), or nullopt when it worked.
std::optional<std::string> cannot_listen(const std::string& address, std::uint16_t port);

}  // namespace fabomatic::app
