// Mosquitto 2.0's ACL file:
//
//   # comment
//   topic [read|write|readwrite|deny] <filter>   rules before any "user" line: anonymous clients
//   user <name>                                  the following topic rules are this user's
//   topic [read|write|readwrite|deny] <filter>   (no access word: readwrite)
//   pattern [read|write|readwrite|deny] <filter> for every client, %c = client id, %u = user name
//
// A client's rules are its user's (or the anonymous ones), then the patterns; within each list
// "deny" rules come first, the others in file order. A topic is allowed when the first rule
// whose filter matches it allows the access asked for, refused when that rule is "deny", and
// refused when no rule allows it. A filter whose first level starts with '$' only matches topics
// written with that level; a user name or client id holding '+' or '#' gets nothing from the
// patterns. Pure: parses text, reads no file.
//
// Mosquitto 2.0.11 checks reads when it delivers each message and lets every SUBSCRIBE through;
// we check the SUBSCRIBE instead (a refused filter gets SUBACK 0x80): a filter is granted when
// every topic it can match is readable — a read rule covers the whole filter and no deny rule
// of the same list overlaps it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fabomatic::broker::auth {

struct AclRule {
  enum Access : std::uint8_t { none = 0, read = 1, write = 2, readwrite = 3 };
  std::string filter;
  std::uint8_t access = readwrite;  // none: a deny rule
  bool pattern = false;             // holds %c / %u, substituted per client
};

class AclFile {
 public:
  /// Parses the text of an ACL file. Unlike a password file, any line that cannot be used makes
  /// the whole file unusable (Mosquitto refuses to start with it): `errors` gets one line per
  /// problem ("line 4: invalid access type 'writ'") and the result is meaningful only when
  /// none was added.
  static AclFile parse(std::string_view text, std::vector<std::string>& errors);

  /// Whether the client may publish to `topic`. `user`: the account it proved (nullopt for an
  /// anonymous client).
  bool may_publish(std::optional<std::string_view> user, std::string_view client_id,
                   std::string_view topic) const;
  /// Whether every topic `filter` can match may be read by the client.
  bool may_subscribe(std::optional<std::string_view> user, std::string_view client_id,
                     std::string_view filter) const;

  /// The rules of `user` (nullopt: the anonymous ones), deny rules first; null when none.
  const std::vector<AclRule>* rules_of(std::optional<std::string_view> user) const;
  const std::vector<AclRule>& patterns() const { return patterns_; }
  std::size_t rule_count() const;

 private:
  std::vector<AclRule> anonymous_;
  bool has_anonymous_ = false;
  std::map<std::string, std::vector<AclRule>, std::less<>> users_;
  std::vector<AclRule> patterns_;
};

/// Whether every topic matching `filter` also matches `rule` (both valid filters), with the
/// '$' rule of the ACL check: a rule not starting with '$' covers no '$' topic.
bool filter_covers(std::string_view rule, std::string_view filter);
/// Whether some topic matches both filters (same '$' rule).
bool filters_overlap(std::string_view rule, std::string_view filter);

}  // namespace fabomatic::broker::auth
