#include "broker/auth/acl_file.hpp"

#include "broker/codec/topic.hpp"
#include "common/text.hpp"

namespace fabomatic::broker::auth {

namespace {

using text::trim;
constexpr auto blank = text::is_blank;

// The next blank-separated word of `s`, removed from it.
std::string_view next_word(std::string_view& s) {
  s = trim(s);
  std::size_t end = 0;
  while (end < s.size() && !blank(s[end]))
    ++end;
  const std::string_view word = s.substr(0, end);
  s.remove_prefix(end);
  return word;
}

std::optional<std::uint8_t> access_of(std::string_view word) {
  if (word == "read") return AclRule::read;
  if (word == "write") return AclRule::write;
  if (word == "readwrite") return AclRule::readwrite;
  if (word == "deny") return AclRule::none;
  return std::nullopt;
}

void add_rule(std::vector<AclRule>& rules, AclRule rule) {
  // Deny rules are looked at first (Mosquitto puts them at the front of the list).
  if (rule.access == AclRule::none) {
    rules.insert(rules.begin(), std::move(rule));
  } else {
    rules.push_back(std::move(rule));
  }
}

// The levels of a topic or filter, split at '/'.
std::vector<std::string_view> levels_of(std::string_view s) {
  std::vector<std::string_view> levels;
  std::size_t pos = 0;
  for (;;) {
    const std::size_t slash = s.find('/', pos);
    if (slash == std::string_view::npos) {
      levels.push_back(s.substr(pos));
      return levels;
    }
    levels.push_back(s.substr(pos, slash - pos));
    pos = slash + 1;
  }
}

bool is_wildcard(std::string_view level) {
  return level == "+" || level == "#";
}

// The '$' rule: a filter whose first level is a wildcard matches no topic starting with '$'
// (MQTT-4.7.2-1); so a literal '$' first level on one side and a wildcard on the other never
// meet.
bool dollar_apart(std::string_view a, std::string_view b) {
  return (a.starts_with('$') && is_wildcard(b)) || (b.starts_with('$') && is_wildcard(a));
}

bool has_wildcard_char(std::string_view s) {
  return s.find_first_of("+#") != std::string_view::npos;
}

// `pattern` with %c and %u replaced; nullopt when it needs a user name the client has not.
std::optional<std::string> substitute(std::string_view pattern,
                                      std::optional<std::string_view> user,
                                      std::string_view client_id) {
  std::string out;
  out.reserve(pattern.size() + client_id.size());
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '%' && i + 1 < pattern.size()) {
      if (pattern[i + 1] == 'c') {
        out += client_id;
        ++i;
        continue;
      }
      if (pattern[i + 1] == 'u') {
        if (!user) return std::nullopt;
        out += *user;
        ++i;
        continue;
      }
    }
    out += pattern[i];
  }
  return out;
}

}  // namespace

bool filter_covers(std::string_view rule, std::string_view filter) {
  const auto r = levels_of(rule);
  const auto f = levels_of(filter);
  if (dollar_apart(r[0], f[0])) return false;
  for (std::size_t i = 0;; ++i) {
    if (i == f.size()) return i == r.size() || (i + 1 == r.size() && r[i] == "#");
    if (i == r.size()) return false;
    if (r[i] == "#") return true;
    if (f[i] == "#") return false;  // the filter reaches deeper than the rule's level
    if (r[i] == "+") continue;
    if (f[i] == "+" || r[i] != f[i]) return false;
  }
}

bool filters_overlap(std::string_view rule, std::string_view filter) {
  const auto a = levels_of(rule);
  const auto b = levels_of(filter);
  if (dollar_apart(a[0], b[0])) return false;
  for (std::size_t i = 0;; ++i) {
    if (i == a.size() && i == b.size()) return true;
    if (i == a.size()) return b[i] == "#";  // "x/#" matches "x" too
    if (i == b.size()) return a[i] == "#";
    if (a[i] == "#" || b[i] == "#") return true;
    if (a[i] == "+" || b[i] == "+" || a[i] == b[i]) continue;
    return false;
  }
}

AclFile AclFile::parse(std::string_view text, std::vector<std::string>& errors) {
  AclFile file;
  std::optional<std::string> user;
  std::size_t line_number = 0;
  while (!text.empty()) {
    const std::size_t eol = text.find('\n');
    std::string_view line = trim(text.substr(0, eol));
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    ++line_number;
    if (line.empty() || line.front() == '#') continue;
    const auto error = [&](const std::string& what) {
      errors.push_back("line " + std::to_string(line_number) + ": " + what);
    };
    std::string_view rest = line;
    const std::string_view keyword = next_word(rest);
    if (keyword == "user") {
      const std::string_view name = trim(rest);
      if (name.empty()) {
        error("user without a user name");
        continue;
      }
      user = std::string(name);
      continue;
    }
    if (keyword != "topic" && keyword != "pattern") {
      error("unknown keyword '" + std::string(keyword) + "' (topic, pattern or user)");
      continue;
    }
    std::string_view after_access = rest;
    const std::string_view first = next_word(after_access);
    if (first.empty()) {
      error(std::string(keyword) + " without a topic");
      continue;
    }
    AclRule rule;
    rule.pattern = keyword == "pattern";
    std::string_view filter = trim(after_access);
    if (filter.empty()) {
      filter = first;  // "topic <filter>": read and write
    } else if (const auto access = access_of(first)) {
      rule.access = *access;
    } else {
      error("invalid access type '" + std::string(first) + "' (read, write, readwrite or deny)");
      continue;
    }
    if (!is_valid_topic_filter(filter)) {
      error("invalid topic filter '" + std::string(filter) + "'");
      continue;
    }
    rule.filter = std::string(filter);
    if (rule.pattern) {
      add_rule(file.patterns_, std::move(rule));
    } else if (user) {
      add_rule(file.users_[*user], std::move(rule));
    } else {
      file.has_anonymous_ = true;
      add_rule(file.anonymous_, std::move(rule));
    }
  }
  return file;
}

const std::vector<AclRule>* AclFile::rules_of(std::optional<std::string_view> user) const {
  if (!user) return has_anonymous_ ? &anonymous_ : nullptr;
  const auto it = users_.find(*user);
  return it == users_.end() ? nullptr : &it->second;
}

std::size_t AclFile::rule_count() const {
  std::size_t n = anonymous_.size() + patterns_.size();
  for (const auto& [name, rules] : users_)
    n += rules.size();
  return n;
}

bool AclFile::may_publish(std::optional<std::string_view> user, std::string_view client_id,
                          std::string_view topic) const {
  if (const auto* rules = rules_of(user)) {
    for (const AclRule& rule : *rules) {
      if (!topic_matches(rule.filter, topic)) continue;
      if (rule.access == AclRule::none) return false;
      if (rule.access & AclRule::write) return true;
    }
  }
  if (patterns_.empty()) return false;
  // A user name or client id with a wildcard could reach into others' patterns.
  if ((user && has_wildcard_char(*user)) || has_wildcard_char(client_id)) return false;
  for (const AclRule& rule : patterns_) {
    const auto filter = substitute(rule.filter, user, client_id);
    if (!filter || !topic_matches(*filter, topic)) continue;
    if (rule.access == AclRule::none) return false;
    if (rule.access & AclRule::write) return true;
  }
  return false;
}

bool AclFile::may_subscribe(std::optional<std::string_view> user, std::string_view client_id,
                            std::string_view filter) const {
  if (const auto* rules = rules_of(user)) {
    bool denied = false;
    bool covered = false;
    for (const AclRule& rule : *rules) {
      if (rule.access == AclRule::none) {
        denied = denied || filters_overlap(rule.filter, filter);
      } else if (rule.access & AclRule::read) {
        covered = covered || filter_covers(rule.filter, filter);
      }
    }
    if (denied) return false;
    if (covered) return true;
  }
  if (patterns_.empty()) return false;
  if ((user && has_wildcard_char(*user)) || has_wildcard_char(client_id)) return false;
  bool covered = false;
  for (const AclRule& rule : patterns_) {
    const auto pattern = substitute(rule.filter, user, client_id);
    if (!pattern || !is_valid_topic_filter(*pattern)) continue;
    if (rule.access == AclRule::none) {
      if (filters_overlap(*pattern, filter)) return false;
    } else if (rule.access & AclRule::read) {
      covered = covered || filter_covers(*pattern, filter);
    }
  }
  return covered;
}

}  // namespace fabomatic::broker::auth
