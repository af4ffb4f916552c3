#include "web/auth/sessions.hpp"

#include <algorithm>

#include "common/text.hpp"
#include "web/auth/account.hpp"
#include "web/auth/csrf.hpp"
#include "web/auth/tokens.hpp"

namespace fabomatic::web {

namespace {

// Expired sessions are swept at most this often (and whenever the store is full).
constexpr auto kPruneInterval = std::chrono::minutes(1);

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
    text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
    text.remove_suffix(1);
  return text;
}

}  // namespace

SessionAuth::SessionAuth(db::Connection& db, SessionOptions options, const Clock& clock)
    : db_(db), options_(options), clock_(clock) {}

std::string SessionAuth::expired_cookie() {
  return std::string(kSessionCookie) +
         "=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; "
         "SameSite=Strict; Path=/";
}

std::optional<std::string> SessionAuth::session_cookie(const Request& request) {
  // "Cookie: a=1; fabomatic_session=...; b=2", possibly in several Cookie fields.
  for (const auto& [name, value] : request.headers) {
    if (!text::iequals(name, "Cookie")) continue;
    std::string_view rest = value;
    while (!rest.empty()) {
      const auto end = rest.find(';');
      const std::string_view pair = trim(rest.substr(0, end));
      rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
      const auto eq = pair.find('=');
      if (eq == std::string_view::npos) continue;
      if (trim(pair.substr(0, eq)) != kSessionCookie) continue;
      std::string_view id = trim(pair.substr(eq + 1));
      if (id.size() >= 2 && id.front() == '"' && id.back() == '"') id = id.substr(1, id.size() - 2);
      if (!id.empty()) return std::string(id);
    }
  }
  return std::nullopt;
}

bool SessionAuth::expired(const Session& session, std::chrono::steady_clock::time_point now) const {
  return now - session.last_seen >= options_.idle || now - session.created >= options_.absolute;
}

void SessionAuth::prune(std::chrono::steady_clock::time_point now) {
  std::erase_if(sessions_, [&](const auto& entry) { return expired(entry.second, now); });
  last_prune_ = now;
}

void SessionAuth::make_room() {
  const auto now = clock_.steady();
  if (sessions_.size() >= options_.max_sessions || now - last_prune_ >= kPruneInterval) prune(now);
  while (!sessions_.empty() && sessions_.size() >= options_.max_sessions) {
    const auto oldest = std::min_element(sessions_.begin(), sessions_.end(), [](auto& a, auto& b) {
      return a.second.last_seen < b.second.last_seen;
    });
    sessions_.erase(oldest);
  }
}

std::optional<SessionAuth::Opened> SessionAuth::open(db::Id user_id,
                                                     std::string_view remote_address) {
  const auto account = load_account(db_, user_id);
  if (!account || !account->may_sign_in()) return std::nullopt;
  make_room();
  const auto now = clock_.steady();
  const std::string id = random_token(32);
  Session session{
      user_id, new_csrf_token(), std::string(remote_address), account->credentials(), now, now};
  Opened opened;
  opened.cookie =
      std::string(kSessionCookie) + "=" + id + "; HttpOnly; Secure; SameSite=Strict; Path=/";
  opened.session.principal = Principal{user_id, account->email(), account->display_name(),
                                       session.csrf_token, std::string(remote_address)};
  opened.session.password_change_required = account->user.password_change_required;
  sessions_.insert_or_assign(token_digest(id), std::move(session));
  return opened;
}

bool SessionAuth::still_valid(const Request& request) {
  const auto id = session_cookie(request);
  if (!id) return false;
  const auto it = sessions_.find(token_digest(*id));
  if (it == sessions_.end() || expired(it->second, clock_.steady())) return false;
  const auto account = load_account(db_, it->second.user_id);
  return account && account->may_sign_in() && !account->user.password_change_required &&
         account->credentials() == it->second.credentials;
}

std::optional<SessionLookup> SessionAuth::authenticate(const Request& request) {
  const auto id = session_cookie(request);
  if (!id) return std::nullopt;
  const auto it = sessions_.find(token_digest(*id));
  if (it == sessions_.end()) return std::nullopt;
  const auto now = clock_.steady();
  if (expired(it->second, now)) {
    sessions_.erase(it);
    return std::nullopt;
  }
  // Re-read the account: a user disabled, deleted or demoted meanwhile, or whose password or
  // e-mail changed, loses the session now.
  const auto account = load_account(db_, it->second.user_id);
  if (!account || !account->may_sign_in() || account->credentials() != it->second.credentials) {
    sessions_.erase(it);
    return std::nullopt;
  }
  it->second.last_seen = now;
  SessionLookup lookup;
  lookup.principal = Principal{account->user.id, account->email(), account->display_name(),
                               it->second.csrf_token, request.remote_address};
  lookup.password_change_required = account->user.password_change_required;
  return lookup;
}

bool SessionAuth::close(const Request& request) {
  const auto id = session_cookie(request);
  const bool ended = id && sessions_.erase(token_digest(*id)) > 0;
  if (ended && on_sessions_ended_) on_sessions_ended_();
  return ended;
}

std::size_t SessionAuth::close_user_sessions(db::Id user_id, const Request* keep) {
  std::string kept;
  if (keep) {
    if (const auto id = session_cookie(*keep)) kept = token_digest(*id);
  }
  const std::size_t ended = std::erase_if(sessions_, [&](const auto& entry) {
    return entry.second.user_id == user_id && entry.first != kept;
  });
  if (!kept.empty()) credentials_refreshed(user_id);
  if (ended > 0 && on_sessions_ended_) on_sessions_ended_();
  return ended;
}

std::size_t SessionAuth::close_all() {
  const std::size_t ended = sessions_.size();
  sessions_.clear();
  if (ended > 0 && on_sessions_ended_) on_sessions_ended_();
  return ended;
}

void SessionAuth::credentials_refreshed(db::Id user_id) {
  const auto account = load_account(db_, user_id);
  if (!account) return;
  const std::string now = account->credentials();
  for (auto& [key, session] : sessions_) {
    if (session.user_id == user_id) session.credentials = now;
  }
}

}  // namespace fabomatic::web
