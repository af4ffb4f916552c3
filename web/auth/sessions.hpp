// The server-side session store of the portal. A session is a random 256-bit id in the cookie
// `fabomatic_session` (HttpOnly; Secure; SameSite=Strict; Path=/); the store keys sessions by
// the SHA-256 of that id, so neither a memory dump nor a timing difference in the lookup gives
// away a usable cookie. Each session ends after `idle` without a request and `absolute` after
// sign-in, whichever comes first, and at once when its user can no longer sign in (disabled,
// deleted, no portal any more) or when the user's password or e-mail changed, wherever it was
// changed (the portal, `fabomatic admin` in a shell, a reset link): every lookup re-reads the
// user, one indexed query, and compares it with what the session was opened with.
//
// Single-threaded like the handlers that use it (the reactor thread).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/clock.hpp"
#include "db/models.hpp"
#include "db/sqlite.hpp"
#include "web/auth/principal.hpp"
#include "web/http/http_message.hpp"

namespace fabomatic::web {

inline constexpr std::string_view kSessionCookie = "fabomatic_session";

struct SessionOptions {
  std::chrono::minutes idle{30};      // [web] session_idle_min
  std::chrono::hours absolute{12};    // [web] session_absolute_hours
  std::size_t max_sessions = 10'000;  // beyond: the least recently used session is dropped
};

/// A request's valid session.
struct SessionLookup {
  Principal principal;
  bool password_change_required = false;  // only the change-password route may proceed
};

class SessionAuth {
 public:
  SessionAuth(db::Connection& db, SessionOptions options = {},
              const Clock& clock = Clock::system());

  struct Opened {
    std::string cookie;  // the Set-Cookie header value
    SessionLookup session;
  };
  /// Starts a session for a user who has just proved the password (the caller checked that the
  /// account may sign in). Nullopt when the user cannot sign in (any more).
  std::optional<Opened> open(db::Id user_id, std::string_view remote_address);

  /// The request's session (from its cookie), refreshed for the idle timeout; nullopt when there
  /// is none, it expired, or its user may no longer sign in (the session is then dropped).
  std::optional<SessionLookup> authenticate(const Request& request);

  /// Whether the request's session still stands (same rules as authenticate(), including a
  /// pending password change), without refreshing its idle timeout: an open live view is
  /// re-checked with it, and must not keep a session alive by itself (only a page on screen
  /// does: web/live/hub.hpp).
  bool still_valid(const Request& request);

  /// Ends the request's session (logout). False when it had none.
  bool close(const Request& request);
  /// Ends every session of `user_id` except the one of `keep` (when given), which goes on with
  /// the account's credentials as they are now: after a password change or reset, or when an
  /// admin changes the account. Returns how many ended.
  std::size_t close_user_sessions(db::Id user_id, const Request* keep = nullptr);
  /// Ends every session (a restored database has other users); returns how many ended.
  std::size_t close_all();

  /// The user's sessions go on with the credentials as they are now (the same password got a
  /// new hash: a legacy hash replaced at sign-in).
  void credentials_refreshed(db::Id user_id);

  /// Called after close() or close_user_sessions() ended at least one session, so that what
  /// outlives a request (the live WebSocket) can let go of it at once.
  void set_on_sessions_ended(std::function<void()> callback) {
    on_sessions_ended_ = std::move(callback);
  }

  /// Set-Cookie value that makes the browser forget the session cookie.
  static std::string expired_cookie();
  /// The session id in the request's Cookie header(s), if any.
  static std::optional<std::string> session_cookie(const Request& request);

  std::size_t size() const { return sessions_.size(); }
  const SessionOptions& options() const { return options_; }
  const Clock& clock() const { return clock_; }
  db::Connection& database() { return db_; }

 private:
  struct Session {
    db::Id user_id = 0;
    std::string csrf_token;
    std::string remote_address;
    std::string credentials;  // PortalAccount::credentials() at sign-in
    std::chrono::steady_clock::time_point created;
    std::chrono::steady_clock::time_point last_seen;
  };
  bool expired(const Session& session, std::chrono::steady_clock::time_point now) const;
  void prune(std::chrono::steady_clock::time_point now);
  void make_room();

  db::Connection& db_;
  SessionOptions options_;
  const Clock& clock_;
  std::unordered_map<std::string, Session> sessions_;  // key: hex SHA-256 of the cookie's id
  std::chrono::steady_clock::time_point last_prune_{};
  std::function<void()> on_sessions_ended_;
};

}  // namespace fabomatic::web
