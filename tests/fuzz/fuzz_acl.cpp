// libFuzzer target: Mosquitto's ACL file and password file as broker/auth reads them. The
// input is "<file>\0<user>\0<client id>\0<topic or filter>": the file is parsed as an ACL file
// and as a password file, and the ACL, when usable, is asked about the topic and the filter.
// Checked besides memory safety: a plain topic (no wildcard) granted for subscription through
// the client's own rules is matched by none of its deny rules, and every filter covers and
// overlaps itself.
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/auth/acl_file.hpp"
#include "broker/auth/password_file.hpp"
#include "broker/codec/topic.hpp"

using namespace fabomatic::broker;
using namespace fabomatic::broker::auth;

namespace {

std::string_view next_part(std::string_view& rest) {
  const auto nul = rest.find('\0');
  const std::string_view part = rest.substr(0, nul);
  rest = nul == std::string_view::npos ? std::string_view() : rest.substr(nul + 1);
  return part;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  const std::string_view file = next_part(rest);
  const std::string_view user_part = next_part(rest);
  const std::string_view client_id = next_part(rest);
  const std::string_view topic = next_part(rest);

  std::vector<std::string> problems;
  const PasswordFile passwords = PasswordFile::parse(file, &problems);
  for (const auto& [user, credential] : passwords.entries()) {
    // Cheap hashes only: a fuzzed file may ask for a billion PBKDF2 rounds.
    if (credential.kind != Credential::Kind::pbkdf2_sha512 || credential.iterations <= 8) {
      (void)credential.verify(user_part);
    }
  }

  std::vector<std::string> errors;
  const AclFile acl = AclFile::parse(file, errors);
  if (!errors.empty()) return 0;
  const std::optional<std::string_view> user =
      user_part.empty() ? std::nullopt : std::optional<std::string_view>(user_part);
  (void)acl.rule_count();
  if (is_valid_topic_name(topic)) {
    (void)acl.may_publish(user, client_id, topic);
  }
  if (is_valid_topic_filter(topic)) {
    const bool granted = acl.may_subscribe(user, client_id, topic);
    // A filter without wildcards is one topic: if it may be subscribed, no deny rule of the
    // client's own list matches that topic.
    if (granted && topic.find_first_of("+#") == std::string_view::npos) {
      if (const auto* rules = acl.rules_of(user)) {
        bool covered_by_own = false;
        for (const AclRule& rule : *rules) {
          if (rule.access != AclRule::none && (rule.access & AclRule::read) &&
              filter_covers(rule.filter, topic)) {
            covered_by_own = true;
          }
        }
        for (const AclRule& rule : *rules) {
          if (covered_by_own && rule.access == AclRule::none && topic_matches(rule.filter, topic)) {
            std::abort();
          }
        }
      }
    }
    // Covering implies overlapping, and a filter covers itself.
    if (!filter_covers(topic, topic) || !filters_overlap(topic, topic)) std::abort();
  }
  return 0;
}
