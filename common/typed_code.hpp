// Codes a person reads off one screen and types into another (the first start's setup code, a
// board account's secret): Crockford's base 32 — digits and capitals without I, L, O, U — in
// dash-separated groups, read back whatever the case, dashes or spaces, with O taken for 0 and
// I or L for 1. The randomness comes from the caller (libsodium or OpenSSL, whichever its
// folder uses), so this file depends on nothing.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace fabomatic::typed_code {

/// One character per random byte (its low 5 bits: uniform for a uniform byte), a dash after
/// every `group_size` characters: 12 bytes in groups of 4 give "7KQ2-MXH9-DPR4".
std::string format(std::span<const unsigned char> random, std::size_t group_size);

/// What a person typed, in the form `format` wrote without its dashes: upper case, dashes,
/// spaces and tabs dropped, O read as 0 and I or L as 1.
std::string normalize(std::string_view typed);

}  // namespace fabomatic::typed_code
