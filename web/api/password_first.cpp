#include "web/api/password_first.hpp"

#include <memory>

#include "common/text.hpp"
#include "db/passwords.hpp"
#include "web/auth/password_worker.hpp"

namespace fabomatic::web::api {
namespace {

// The body's "password" when it is a string of an acceptable length. Read through Body, whose
// parser bounds depth and keys (a hostile body costs nothing here); the handler validates the
// other fields afterwards, so a body refused for them has cost a hash on the worker.
std::optional<std::string> password_in(const Request& request) {
  try {
    Body body(request);
    auto password = body.text("password", {.max_length = kMaxMemberPassword, .keep_spaces = true});
    if (!password || text::utf8_length(*password) < kMinMemberPassword) return std::nullopt;
    return password;
  } catch (const ApiError&) {
    return std::nullopt;  // not a JSON object: the handler says so
  }
}

}  // namespace

ProtectedAsyncHandler hash_password_first(ApiContext& context, PasswordFirstHandler handler) {
  auto shared = std::make_shared<PasswordFirstHandler>(std::move(handler));
  return [&context, shared](const Request& request, const Principal& who, Reply reply) {
    auto run = [shared, request, who, reply](std::optional<HashedPassword> hashed) {
      reply(guarded([&] { return (*shared)(request, who, hashed); }));
    };
    auto password = password_in(request);
    if (!password) return run(std::nullopt);
    auto job = [run, reply, password = std::move(*password)]() -> std::function<void()> {
      std::string hash;
      try {
        hash = db::hash_password(password);  // the slow part, on the worker
      } catch (const std::exception&) {      // out of memory: answered, never left hanging
        return [reply] {
          reply(error_response(500, "internal_error", "the server failed to hash the password"));
        };
      }
      return [run, hashed = HashedPassword{password, std::move(hash)}] { run(hashed); };
    };
    if (!run_password_job(context.password_work, std::move(job), reply))
      reply(password_queue_full());
  };
}

ApiRoute password_first_route(ApiContext& context, Method method, std::string pattern,
                              std::string tag, std::string summary, PasswordFirstHandler handler) {
  ApiRoute entry;
  entry.method = method;
  entry.pattern = std::move(pattern);
  entry.tag = std::move(tag);
  entry.summary = std::move(summary);
  entry.async_handler = hash_password_first(context, std::move(handler));
  return entry;
}

std::string hash_for(const std::string& password, const std::optional<HashedPassword>& hashed) {
  if (hashed && hashed->password == password) return hashed->hash;
  return db::hash_password(password);
}

}  // namespace fabomatic::web::api
