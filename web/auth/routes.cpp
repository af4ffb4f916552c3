#include "web/auth/routes.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <memory>

#include "common/clock.hpp"
#include "common/log.hpp"
#include "common/text.hpp"
#include "db/passwords.hpp"
#include "db/reset_tokens_repository.hpp"
#include "db/users_repository.hpp"
#include "web/auth/account.hpp"
#include "web/auth/body.hpp"
#include "web/auth/password_reset.hpp"
#include "web/auth/rate_limit.hpp"
#include "web/auth/setup.hpp"
#include "web/auth/tokens.hpp"

namespace fabomatic::web {

namespace {

// Sign-in bodies are a few hundred bytes; refuse more before reading it.
constexpr std::size_t kAuthBodyLimit = 16 * 1024;
constexpr std::int64_t kMaxAuditPage = 500;

std::string trimmed(std::string text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

std::string machine_host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

Response hashing_failed() {
  return Response::error(500, "internal_error", "the server failed to check the password");
}

Response invalid_token() {
  return Response::error(400, "invalid_token",
                         "This link is not valid: it expired or was already used");
}

Response setup_done() {
  return Response::error(409, "setup_done", "The portal is set up already: sign in");
}

// The first start's code, in the log for whoever sets the appliance up.
FirstSetup::Announce announcer(const AuthOptions& options) {
  if (options.announce_setup_code) return options.announce_setup_code;
  const std::string url = portal_url(options);
  return [url](const std::string& code, const std::string& email) {
    log::warning("console", "first start: no account can sign in to the portal yet; setup code " +
                                code + ": open " + url +
                                "/ and enter it to choose the password of " + email +
                                " (or run: fabomatic admin set-password " + email + ")");
  };
}

// What the routes share: the options, the in-memory limiters and the reset service.
struct AuthRoutes : std::enable_shared_from_this<AuthRoutes> {
  AuthRoutes(SessionAuth& auth, db::Connection& db, Mailer& mailer, AuditLog& audit,
             const AuthOptions& options)
      : auth(auth),
        db(db),
        audit(audit),
        options(options),
        account_failures(options.login_failures_per_account, options.login_window,
                         options.limiter_keys),
        address_failures(options.login_failures_per_address, options.login_window,
                         options.limiter_keys),
        reset_mails(options.reset_mails_per_account, options.login_window, options.limiter_keys),
        forgot_requests(options.forgot_requests_per_address, options.login_window,
                        options.limiter_keys),
        resets(auth, mailer, audit, password_reset_options(options)),
        setup(db, announcer(options)) {}

  void login(const Request& request, Reply reply);
  void finish_login(const Request& request, const std::string& email,
                    const std::optional<PortalAccount>& account,
                    const std::optional<std::string>& stored, const db::PasswordCheck& check,
                    const Reply& reply);
  Response session(const Request& request);
  Response logout(const Request& request, const Principal& who);
  void change_password(const Request& request, const Principal& who, Reply reply);
  Response finish_password_change(const Request& request, const Principal& who, bool proven,
                                  const std::string& hash);
  /// Runs `job` where AuthOptions::password_work says (inline when unset); false: busy.
  bool run_password_work(const Reply& reply, PasswordJob job);
  /// Hashes `password` on the password thread, then runs `then(hash)` back where handlers run
  /// (a hashing failure answers 500 instead); false: busy.
  bool hash_then(const Reply& reply, std::string password,
                 std::function<void(const std::string& hash)> then);
  Response forgot(const Request& request);
  void reset(const Request& request, Reply reply);
  Response setup_state();
  void first_setup(const Request& request, Reply reply);
  void finish_setup(const Request& request, db::Id user_id, const std::string& hash,
                    const Reply& reply);
  Response audit_list(const Request& request);

  /// What the session route, sign-in and first setup answer about a session. `has_card` (a
  /// remote start logs the member's card in) is read at each answer, so the app learns of a
  /// card the admin gave themselves when it asks again.
  nlohmann::json session_json(const SessionLookup& session) {
    const auto& who = session.principal;
    const auto user = db::UsersRepository(db).get(who.user_id);
    const bool has_card = user && user->card && !user->card->empty();
    return {{"signed_in", true},
            {"user",
             {{"id", who.user_id},
              {"email", who.email},
              {"name", who.display_name},
              {"has_card", has_card}}},
            {"csrf_token", who.csrf_token},
            {"password_change_required", session.password_change_required}};
  }

  std::optional<FieldError> password_problem(const std::string& password) const;
  // Makes an unknown e-mail cost the same as a wrong password (no account enumeration by time).
  // Password work only: touches dummy_hash, which only that one thread uses.
  void spend_a_verification(std::string_view password);

  SessionAuth& auth;
  db::Connection& db;
  AuditLog& audit;
  AuthOptions options;
  FailureLimiter account_failures;
  FailureLimiter address_failures;
  FailureLimiter reset_mails;
  FailureLimiter forgot_requests;
  PasswordResets resets;
  FirstSetup setup;
  std::string dummy_hash;
};

std::optional<FieldError> AuthRoutes::password_problem(const std::string& password) const {
  if (password.size() < options.min_password_length)
    return field_error::too_short(static_cast<std::int64_t>(options.min_password_length));
  if (password.size() > options.max_password_length)
    return field_error::too_long(static_cast<std::int64_t>(options.max_password_length));
  // The members' routes' rule for one line of text (json.cpp, Body::text): a NUL or a line
  // break makes a password no sign-in form can type.
  if (std::any_of(password.begin(), password.end(), text::is_control) ||
      text::has_format_control(password, false))
    return field_error::control_characters(true);
  return std::nullopt;
}

void AuthRoutes::spend_a_verification(std::string_view password) {
  if (dummy_hash.empty()) dummy_hash = db::hash_password(random_token(16));
  (void)db::verify_password(password, dummy_hash);
}

bool AuthRoutes::run_password_work(const Reply& reply, PasswordJob job) {
  return run_password_job(options.password_work, std::move(job), reply);
}

bool AuthRoutes::hash_then(const Reply& reply, std::string password,
                           std::function<void(const std::string& hash)> then) {
  return run_password_work(
      reply,
      [password = std::move(password), then = std::move(then), reply]() -> std::function<void()> {
        std::string hash;
        try {
          hash = db::hash_password(password);
        } catch (const std::exception&) {
          return [reply] { reply(hashing_failed()); };
        }
        return [then, hash = std::move(hash)] { then(hash); };
      });
}

namespace {
// Failed sign-ins count per account and address: guesses from one laptop block that account
// there (and, through the per-address limit, that laptop everywhere), but cannot lock the admin
// out of the portal from every other address of the lab.
std::string login_key(std::string_view email, std::string_view address) {
  return text::ascii_lowercase(email) + " from " + std::string(address);
}
}  // namespace

void AuthRoutes::login(const Request& request, Reply reply) {
  auto body = parse_json_object(request, {"email", "password"});
  if (body.refusal) return reply(std::move(*body.refusal));
  FieldErrors errors;
  auto email = string_field(body.value, "email", errors);
  const auto password = string_field(body.value, "password", errors);
  if (password && password->size() > options.max_password_length)
    errors["password"] =
        field_error::too_long(static_cast<std::int64_t>(options.max_password_length));
  if (email && email->size() > kMaxEmailLength)
    errors["email"] = field_error::too_long(static_cast<std::int64_t>(kMaxEmailLength));
  if (!errors.empty()) return reply(invalid_fields(errors));
  *email = trimmed(*email);

  const auto now = auth.clock().steady();
  const std::string account_key = login_key(*email, request.remote_address);
  const auto address_block = address_failures.blocked(request.remote_address, now);
  const auto account_block = account_failures.blocked(account_key, now);
  if (address_block || account_block) {
    return reply(too_many_attempts(std::max(address_block.value_or(std::chrono::seconds(0)),
                                            account_block.value_or(std::chrono::seconds(0)))));
  }
  // Counted before the password is checked: guesses sent all at once, before the first answer,
  // get no more hashes than the limit allows. The right password takes it back.
  address_failures.record_failure(request.remote_address, now);
  account_failures.record_failure(account_key, now);

  auto account = find_account(db, *email);
  std::optional<std::string> stored;
  if (account && account->user.password_hash && !account->user.password_hash->empty())
    stored = *account->user.password_hash;
  // The hash is checked off the reactor; the rest (limits, session, audit) back on it.
  const bool queued = run_password_work(
      reply,
      [self = shared_from_this(), request, email = *email, password = *password,
       account = std::move(account), stored, reply]() -> std::function<void()> {
        db::PasswordCheck check;
        try {
          if (stored) {
            check = db::check_password(password, *stored);  // with a rehash of legacy ones
          } else {
            self->spend_a_verification(password);
          }
        } catch (const std::exception&) {
          return [self, request, email, reply] {
            self->address_failures.forgive(request.remote_address);
            self->account_failures.forgive(login_key(email, request.remote_address));
            reply(hashing_failed());
          };
        }
        return [self, request, email, account, stored, check, reply] {
          self->finish_login(request, email, account, stored, check, reply);
        };
      });
  if (!queued) {
    address_failures.forgive(request.remote_address);  // nothing was checked
    account_failures.forgive(account_key);
    reply(password_queue_full());
  }
}

void AuthRoutes::finish_login(const Request& request, const std::string& email,
                              const std::optional<PortalAccount>& account,
                              const std::optional<std::string>& stored,
                              const db::PasswordCheck& check, const Reply& reply) {
  const std::string account_key = login_key(email, request.remote_address);
  if (!check.match) {  // the failure was counted before the check
    audit.record_unauthenticated(account ? std::optional(account->user.id) : std::nullopt, email,
                                 request.remote_address, "login_failed", "session", std::nullopt);
    return reply(Response::error(401, "invalid_credentials", "Wrong e-mail or password"));
  }
  if (check.rehash) {
    db::store_rehash(db, account->user.id, *stored, *check.rehash);
    auth.credentials_refreshed(account->user.id);  // the same password: its sessions go on
  }
  account_failures.reset(account_key);
  address_failures.forgive(request.remote_address);

  // Right password, but the account may not use the portal: say so (the caller knows the
  // password, so this reveals nothing to a guesser).
  const auto opened =
      account->may_sign_in() ? auth.open(account->user.id, request.remote_address) : std::nullopt;
  if (!opened) {
    audit.record_unauthenticated(account->user.id, email, request.remote_address, "login_refused",
                                 "session", std::nullopt);
    return reply(Response::error(403, "not_allowed", "This account may not sign in to the portal"));
  }
  auth.close(request);  // a session the browser still held is replaced, never reused
  audit.record(opened->session.principal, "login", "session", std::nullopt, std::nullopt,
               std::nullopt);
  auto response = json_response(200, session_json(opened->session));
  response.headers.add("Set-Cookie", opened->cookie);
  response.headers.set("Cache-Control", "no-store");
  reply(std::move(response));
}

// Without a session the answer is 200 too: the browser app asks on start whether it is signed
// in, and a 401 would show in the browser's console as an error.
Response AuthRoutes::session(const Request& request) {
  const auto session = auth.authenticate(request);
  auto response =
      json_response(200, session ? session_json(*session) : nlohmann::json{{"signed_in", false}});
  response.headers.set("Cache-Control", "no-store");
  return response;
}

Response AuthRoutes::logout(const Request& request, const Principal& who) {
  auth.close(request);
  audit.record(who, "logout", "session", std::nullopt, std::nullopt, std::nullopt);
  auto response = Response::no_content();
  response.headers.add("Set-Cookie", SessionAuth::expired_cookie());
  return response;
}

void AuthRoutes::change_password(const Request& request, const Principal& who, Reply reply) {
  auto body = parse_json_object(request, {"current", "new"});
  if (body.refusal) return reply(std::move(*body.refusal));
  FieldErrors errors;
  const auto current = string_field(body.value, "current", errors);
  const auto next = string_field(body.value, "new", errors);
  if (next) {
    if (auto problem = password_problem(*next))
      errors["new"] = *problem;
    else if (current && *next == *current)
      errors["new"] = field_error::same_password();
  }
  if (current && current->size() > options.max_password_length)
    errors["current"] =
        field_error::too_long(static_cast<std::int64_t>(options.max_password_length));
  if (!errors.empty()) return reply(invalid_fields(errors));

  // Guessing the current password from a stolen session counts against the account, before
  // the check as for sign-in.
  const auto now = auth.clock().steady();
  const std::string account_key = text::ascii_lowercase(who.email);
  if (const auto block = account_failures.blocked(account_key, now))
    return reply(too_many_attempts(*block));
  account_failures.record_failure(account_key, now);
  const auto user = db::UsersRepository(db).get(who.user_id);
  const std::string stored = user && user->password_hash ? *user->password_hash : std::string();
  const bool queued =
      run_password_work(reply,
                        [self = shared_from_this(), request, who, current = *current, next = *next,
                         stored, reply]() -> std::function<void()> {
                          bool proven = false;
                          std::string hash;
                          try {
                            proven = !stored.empty() && db::verify_password(current, stored);
                            if (proven) hash = db::hash_password(next);
                          } catch (const std::exception&) {
                            return [self, who, reply] {
                              self->account_failures.forgive(text::ascii_lowercase(who.email));
                              reply(hashing_failed());
                            };
                          }
                          return [self, request, who, proven, hash, reply] {
                            reply(self->finish_password_change(request, who, proven, hash));
                          };
                        });
  if (!queued) {
    account_failures.forgive(account_key);
    reply(password_queue_full());
  }
}

Response AuthRoutes::finish_password_change(const Request& request, const Principal& who,
                                            bool proven, const std::string& hash) {
  const std::string account_key = text::ascii_lowercase(who.email);
  if (!proven) {  // the failure was counted before the check
    return invalid_fields({{"current", field_error::wrong_password()}},
                          "The current password is wrong");
  }
  {
    db::Transaction tx(db);
    db::store_chosen_password(db, who.user_id, hash);
    audit.record(who, "password_change", "user", who.user_id, std::nullopt, std::nullopt);
    tx.commit();
  }
  account_failures.reset(account_key);
  auth.close_user_sessions(who.user_id, &request);  // other browsers sign in again
  return json_response(200, {{"password_change_required", false}});
}

Response AuthRoutes::forgot(const Request& request) {
  auto body = parse_json_object(request, {"email"});
  if (body.refusal) return std::move(*body.refusal);
  FieldErrors errors;
  auto email = string_field(body.value, "email", errors);
  if (email && email->size() > kMaxEmailLength)
    errors["email"] = field_error::too_long(static_cast<std::int64_t>(kMaxEmailLength));
  if (!errors.empty()) return invalid_fields(errors);
  *email = trimmed(*email);

  // The answer is the same whatever happens below: it must not tell whether the address is
  // known, nor whether a limit was reached.
  const auto now = auth.clock().steady();
  const std::string account_key = text::ascii_lowercase(*email);
  if (!forgot_requests.blocked(request.remote_address, now) &&
      !reset_mails.blocked(account_key, now)) {
    forgot_requests.record_failure(request.remote_address, now);
    if (resets.request_for_email(*email)) reset_mails.record_failure(account_key, now);
  }
  return json_response(202, {{"message",
                              "If this address belongs to an account of the portal, a mail with "
                              "a link to set a new password is on its way."}});
}

void AuthRoutes::reset(const Request& request, Reply reply) {
  auto body = parse_json_object(request, {"token", "password"});
  if (body.refusal) return reply(std::move(*body.refusal));
  FieldErrors errors;
  const auto token = string_field(body.value, "token", errors);
  const auto password = string_field(body.value, "password", errors);
  if (password) {
    if (auto problem = password_problem(*password)) errors["password"] = *problem;
  }
  if (!errors.empty()) return reply(invalid_fields(errors));
  if (token->size() > 256 || !resets.spendable(*token)) return reply(invalid_token());
  // The hash is made on the password thread; the token is spent back on the reactor.
  const bool queued =
      hash_then(reply, *password,
                [self = shared_from_this(), remote = request.remote_address, token = *token,
                 reply](const std::string& hash) {
                  if (!self->resets.complete(token, hash, remote)) return reply(invalid_token());
                  reply(json_response(200, {{"message", "Password set; sign in with it"}}));
                });
  if (!queued) reply(password_queue_full());
}

Response AuthRoutes::setup_state() {
  const auto email = setup.account_email();
  const bool pending = setup.pending() && email;
  auto response = json_response(
      200, {{"pending", pending}, {"email", pending ? nlohmann::json(*email) : nullptr}});
  response.headers.set("Cache-Control", "no-store");
  return response;
}

void AuthRoutes::first_setup(const Request& request, Reply reply) {
  auto body = parse_json_object(request, {"code", "password"});
  if (body.refusal) return reply(std::move(*body.refusal));
  FieldErrors errors;
  const auto code = string_field(body.value, "code", errors);
  const auto password = string_field(body.value, "password", errors);
  if (password) {
    if (auto problem = password_problem(*password)) errors["password"] = *problem;
  }
  if (code && code->size() > 64) errors["code"] = field_error::too_long(64);
  if (!errors.empty()) return reply(invalid_fields(errors));
  if (!setup.pending()) return reply(setup_done());
  const auto now = auth.clock().steady();
  if (const auto block = address_failures.blocked(request.remote_address, now))
    return reply(too_many_attempts(*block));
  // The code is checked before anything is hashed; a wrong one counts like a failed sign-in
  // (and FirstSetup replaces the code after too many, wherever they come from).
  if (!setup.check(*code)) {
    address_failures.record_failure(request.remote_address, now);
    audit.record_unauthenticated(std::nullopt, "", request.remote_address, "setup_failed",
                                 "session", std::nullopt);
    return reply(
        invalid_fields({{"code", field_error::invalid("wrong setup code")}}, "Wrong setup code"));
  }
  const auto user_id = setup.account_id();
  if (!user_id) return reply(setup_done());
  const bool queued = hash_then(
      reply, *password,
      [self = shared_from_this(), request, user_id = *user_id, reply](const std::string& hash) {
        self->finish_setup(request, user_id, hash, reply);
      });
  if (!queued) reply(password_queue_full());
}

void AuthRoutes::finish_setup(const Request& request, db::Id user_id, const std::string& hash,
                              const Reply& reply) {
  // Another request with the code may have finished first.
  if (!setup.pending() || setup.account_id() != user_id) return reply(setup_done());
  const auto account = load_account(db, user_id);
  if (!account) return reply(setup_done());
  {
    db::Transaction tx(db);
    db::store_chosen_password(db, user_id, hash);
    db::ResetTokensRepository(db).revoke_for_user(user_id, auth.clock().unix_seconds());
    audit.record_unauthenticated(user_id, account->email(), request.remote_address, "setup", "user",
                                 user_id);
    tx.commit();
  }
  setup.finish();
  log::info("web", "first start: the password of " + account->email() +
                       " was set with the setup code from " + request.remote_address);
  auth.close_user_sessions(user_id);
  // Whoever set the password is signed in with it.
  const auto opened = auth.open(user_id, request.remote_address);
  if (!opened) return reply(json_response(200, {{"message", "Password set; sign in with it"}}));
  audit.record(opened->session.principal, "login", "session", std::nullopt, std::nullopt,
               std::nullopt);
  auto response = json_response(200, session_json(opened->session));
  response.headers.add("Set-Cookie", opened->cookie);
  response.headers.set("Cache-Control", "no-store");
  reply(std::move(response));
}

template <class T>
bool parse_number(std::string_view text, T& out) {
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc() && ptr == end && !text.empty();
}

Response AuthRoutes::audit_list(const Request& request) {
  db::AuditFilter filter;
  db::Page page;
  FieldErrors errors;
  auto integer = [&](const char* name, auto apply) {
    if (const auto text = request.query_param(name)) {
      std::int64_t value = 0;
      if (parse_number(*text, value))
        apply(value);
      else
        errors[name] = field_error::type("integer", "must be an integer");
    }
  };
  auto seconds = [&](const char* name, std::optional<db::Timestamp>& out) {
    if (const auto text = request.query_param(name)) {
      double value = 0;
      // As every other list's time filter: finite, from 1970 to the year 3000 (nan, inf or
      // -1e300 would silently filter nothing or everything).
      if (parse_number(*text, value) && std::isfinite(value) && value >= 0 &&
          value <= kLatestUnixTime)
        out = value;
      else
        errors[name] = field_error::type("time", "must be unix seconds");
    }
  };
  if (const auto entity = request.query_param("entity")) filter.entity = std::string(*entity);
  if (const auto action = request.query_param("action")) filter.action = std::string(*action);
  integer("entity_id", [&](std::int64_t v) { filter.entity_id = v; });
  integer("user_id", [&](std::int64_t v) { filter.user_id = v; });
  integer("limit", [&](std::int64_t v) {
    if (v < 1 || v > kMaxAuditPage) errors["limit"] = field_error::range(1, kMaxAuditPage);
    page.limit = v;
  });
  integer("offset", [&](std::int64_t v) {
    if (v < 0) errors["offset"] = field_error::range(0, std::numeric_limits<std::int32_t>::max());
    page.offset = v;
  });
  seconds("from", filter.from);
  seconds("to", filter.to);
  if (!errors.empty()) return invalid_fields(errors);
  return Response::json(200, audit_page_json(audit.list(filter, page), page));
}

}  // namespace

std::string portal_url(const AuthOptions& options) {
  std::string base = options.base_url;
  while (!base.empty() && base.back() == '/')
    base.pop_back();
  // The old tool's base_url is a host (and port): it put "https://" before it.
  if (!base.empty() && base.find("://") == std::string::npos) base = "https://" + base;
  if (!base.empty()) return base;
  const std::string host = options.host_name.empty() ? machine_host_name() : options.host_name;
  return "https://" + host + ":" + std::to_string(options.port);
}

PasswordResetOptions password_reset_options(const AuthOptions& options) {
  return PasswordResetOptions{portal_url(options), options.reset_token_lifetime, options.site_name};
}

AuthRoutesControl add_auth_routes(RouteTable& routes, SessionAuth& auth, db::Connection& db,
                                  Mailer& mailer, AuditLog& audit, const AuthOptions& options) {
  auto self = std::make_shared<AuthRoutes>(auth, db, mailer, audit, options);
  self->setup.start();  // logs the code when no account can sign in yet
  const RouteOptions small{kAuthBodyLimit};
  const auto entry = [&routes](Method method, std::string pattern, std::string summary,
                               std::string request_schema,
                               std::string response_schema) -> ApiRoute& {
    ApiRoute& route = routes.emplace_back();
    route.method = method;
    route.pattern = std::move(pattern);
    route.tag = "sign-in";
    route.summary = std::move(summary);
    route.request_schema = std::move(request_schema);
    route.response_schema = std::move(response_schema);
    return route;
  };

  ApiRoute& login = entry(Method::post, "/api/v1/auth/login",
                          "Sign in: sets the session cookie and answers the CSRF token; 401 for a "
                          "wrong e-mail or password, 403 for an account without the portal, 429 "
                          "after too many failures",
                          "LoginRequest", "Session");
  login.public_async_handler = [self](const Request& r, Reply reply) {
    self->login(r, std::move(reply));
  };
  login.options = small;

  ApiRoute& session =
      entry(Method::get, "/api/v1/auth/session",
            "Whether a session is open and, when it is, who is signed in and the CSRF token "
            "(always 200: {\"signed_in\": false} without a session)",
            "", "SessionState");
  session.public_handler = [self](const Request& r) { return self->session(r); };

  ApiRoute& logout =
      entry(Method::post, "/api/v1/auth/logout", "Sign out (ends this session)", "", "");
  logout.handler = [self](const Request& r, const Principal& who) { return self->logout(r, who); };
  logout.protect.allow_password_change_required = true;
  logout.options = small;
  logout.success_status = 204;

  ApiRoute& password =
      entry(Method::post, "/api/v1/auth/password",
            "Change the signed-in user's password (the one route open while a change is due); "
            "other sessions of the user end",
            "PasswordChange", "PasswordChanged");
  password.async_handler = [self](const Request& r, const Principal& who, Reply reply) {
    self->change_password(r, who, std::move(reply));
  };
  password.protect.allow_password_change_required = true;
  password.options = small;

  ApiRoute& forgot = entry(Method::post, "/api/v1/auth/forgot",
                           "Mail a reset link when the address belongs to an account of the "
                           "portal; always 202, whether it does or not",
                           "ForgotRequest", "Message");
  forgot.public_handler = [self](const Request& r) { return self->forgot(r); };
  forgot.options = small;
  forgot.success_status = 202;

  ApiRoute& reset = entry(Method::post, "/api/v1/auth/reset",
                          "Set a new password with the token of a mailed link (valid 30 minutes, "
                          "once); 400 invalid_token otherwise",
                          "ResetRequest", "Message");
  reset.public_async_handler = [self](const Request& r, Reply reply) {
    self->reset(r, std::move(reply));
  };
  reset.options = small;

  ApiRoute& setup_state =
      entry(Method::get, "/api/v1/auth/setup",
            "Whether the first start's setup is pending (no account can sign in yet), and the "
            "e-mail it sets up",
            "", "SetupState");
  setup_state.public_handler = [self](const Request&) { return self->setup_state(); };

  ApiRoute& setup = entry(Method::post, "/api/v1/auth/setup",
                          "First start: choose the first administrator's password with the "
                          "one-time setup code of the log; signs in. 400 for a wrong code, 409 "
                          "once set up, 429 after too many failures",
                          "SetupRequest", "Session");
  setup.public_async_handler = [self](const Request& r, Reply reply) {
    self->first_setup(r, std::move(reply));
  };
  setup.options = small;

  ApiRoute& audit_list =
      entry(Method::get, "/api/v1/audit", "The audit log: who changed what and when, newest first",
            "", "AuditPage");
  audit_list.tag = "audit";
  audit_list.handler = [self](const Request& r, const Principal&) { return self->audit_list(r); };
  audit_list.query = {{"entity", "string", "member, machine, session, ...", {}},
                      {"action", "string", "login, create, update, delete, ...", {}},
                      {"entity_id", "integer", "the changed row", {}},
                      {"user_id", "integer", "who made the change", {}},
                      {"from", "number", "unix seconds, inclusive", {}},
                      {"to", "number", "unix seconds, exclusive", {}},
                      {"limit", "integer", "rows per page, 1..500 (default 50)", {}},
                      {"offset", "integer", "rows to skip (default 0)", {}}};

  // Routes and control share the one FirstSetup: a restore is told on the reactor, as are the
  // handlers.
  return AuthRoutesControl{[self] { return self->setup.start(); }};
}

void register_auth_routes(Router& router, SessionAuth& auth, db::Connection& db, Mailer& mailer,
                          AuditLog& audit, const AuthOptions& options) {
  RouteTable routes;
  add_auth_routes(routes, auth, db, mailer, audit, options);
  register_routes(router, std::move(routes), auth);
}

}  // namespace fabomatic::web
