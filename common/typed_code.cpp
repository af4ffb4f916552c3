#include "common/typed_code.hpp"

namespace fabomatic::typed_code {

namespace {
constexpr std::string_view kCrockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
}  // namespace

std::string format(std::span<const unsigned char> random, std::size_t group_size) {
  std::string code;
  code.reserve(random.size() + random.size() / group_size);
  for (std::size_t i = 0; i < random.size(); ++i) {
    if (i != 0 && i % group_size == 0) code += '-';
    code += kCrockford[random[i] & 0x1F];
  }
  return code;
}

std::string normalize(std::string_view typed) {
  std::string out;
  out.reserve(typed.size());
  for (char c : typed) {
    if (c == '-' || c == ' ' || c == '\t') continue;
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c == 'O') c = '0';
    if (c == 'I' || c == 'L') c = '1';
    out += c;
  }
  return out;
}

}  // namespace fabomatic::typed_code
