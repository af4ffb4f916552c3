// Secrets of sign-in: random tokens (session ids, CSRF tokens, reset tokens) from libsodium's
// randombytes, their SHA-256 digests (what the server keeps), and constant-time comparison.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace fabomatic::web {

/// `bytes` random bytes (default 256 bits) as unpadded base64url: safe in cookies, headers and
/// URLs without escaping.
std::string random_token(std::size_t bytes = 32);

/// Lowercase hex SHA-256 of `token`.
std::string token_digest(std::string_view token);

/// Equality that takes the same time wherever the first difference is (the length is not
/// secret: every token of a kind has the same length).
bool equal_constant_time(std::string_view a, std::string_view b);

}  // namespace fabomatic::web
