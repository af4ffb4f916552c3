#include "support_api.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>

#include "backend/machine_status_loader.hpp"
#include "db/audit_repository.hpp"
#include "web/api/openapi.hpp"
#include "web/http/request_target.hpp"

namespace fabomatic::web::api::test {

namespace {

std::filesystem::path make_dir() {
  static std::atomic<int> counter{0};
  auto dir = std::filesystem::temp_directory_path() /
             ("fabomatic-web-api-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

db::Database open_fresh(const std::filesystem::path& dir) {
  db::OpenOptions options;
  options.default_admin_email = "admin@lab.example";
  auto database = db::open_database((dir / "database.sqldb").string(), options);
  // A new database's admin has no card; the lab gives it one (the tests tap it).
  database.conn.execute("UPDATE users SET \"card_UUID\" = '12345678' WHERE user_id = 1");
  return database;
}

}  // namespace

std::string Reply::field(const std::string& name) const {
  if (!body.is_object() || !body.contains("error")) return "";
  const auto& error = body["error"];
  if (!error.contains("fields") || !error["fields"].contains(name)) return "";
  return error["fields"][name].get<std::string>();
}

json Reply::field_code(const std::string& name) const {
  if (!body.is_object() || !body.contains("error")) return nullptr;
  const auto& error = body["error"];
  if (!error.contains("field_codes") || !error["field_codes"].contains(name)) return nullptr;
  return error["field_codes"][name];
}

// An error with per-field messages has a code for each field, one the OpenAPI document lists
// (and web/auth/field_errors.hpp documents), and nothing else.
void expect_field_codes(const json& body, const std::string& target) {
  if (!body.is_object() || !body.contains("error")) return;
  const auto& error = body["error"];
  if (!error.contains("fields")) {
    EXPECT_FALSE(error.contains("field_codes")) << target;
    return;
  }
  static const json documented =
      json::parse(openapi_schemas()["FieldCode"]["properties"]["code"]["enum"].dump());
  ASSERT_TRUE(error.contains("field_codes")) << target << " " << body.dump();
  EXPECT_EQ(error["field_codes"].size(), error["fields"].size()) << target << " " << body.dump();
  for (const auto& [name, message] : error["fields"].items()) {
    ASSERT_TRUE(error["field_codes"].contains(name)) << target << " " << name;
    const auto& code = error["field_codes"][name];
    ASSERT_TRUE(code.contains("code")) << target << " " << name;
    EXPECT_NE(std::find(documented.begin(), documented.end(), code["code"]), documented.end())
        << target << " " << name << ": " << code.dump();
  }
}

std::string Reply::code() const {
  if (!body.is_object() || !body.contains("error")) return "";
  return body["error"]["code"].get<std::string>();
}

ApiTest::ApiTest()
    : dir_(make_dir()),
      database_(open_fresh(dir_)),
      db_(database_.conn),
      audit_(db_),
      remote_(bus_, db_, live_, backend::BoardTopics{}, [this] { return now_; }),
      sessions_(db_),
      resets_(sessions_, outbox_, audit_, PasswordResetOptions{"https://lab.example:23336"}),
      downloads_(exports::ExportOptions{.database_path = db_.path(), .temp_dir = dir_}),
      context_{db_, audit_, live_, &remote_, nullptr, [this] { return now_; }, &resets_} {
  live_.reset(backend::load_all_machine_statuses(db_));
  context_.system = &system_;
  context_.settings = &settings_;
  context_.mail = &mail_;
  context_.downloads = &downloads_;
  start_mqtt(backend::AnonymousMode::legacy);
  routes_ = api_routes(context_);
  for (auto& entry : routes_) {
    refuse_undeclared_input(entry);  // as register_routes does, past the session check
    if (entry.async_handler) {       // replies before returning: context_.password_work is unset
      router_.add_async(entry.method, entry.pattern,
                        [this, handler = entry.async_handler](const Request& r, web::Reply reply) {
                          handler(r, admin_, std::move(reply));
                        });
      continue;
    }
    if (entry.public_handler) {
      router_.add(entry.method, entry.pattern, entry.public_handler);
      continue;
    }
    router_.add(entry.method, entry.pattern,
                [this, handler = entry.handler](const Request& r) { return handler(r, admin_); });
  }
  admin_.user_id = 1;
  admin_.email = "admin@lab.example";
  admin_.display_name = "admin admin";
  admin_.csrf_token = "token";
  admin_.remote_address = "127.0.0.1";
}

ApiTest::~ApiTest() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

Response ApiTest::respond(Method method, const std::string& target, const std::string& body,
                          const std::string& content_type) {
  const TargetResult parsed = parse_target(target);
  EXPECT_EQ(parsed.status, 0) << target;
  Request request;
  request.method = method;
  request.target = target;
  request.path = parsed.target.path;
  request.query = parsed.target.query;
  request.body = body;
  if (!body.empty()) request.headers.set("Content-Type", content_type);
  request.remote_address = "127.0.0.1";
  const RouteMatch match = router_.find(method, parsed.target.segments);
  request.path_params = match.params;
  return dispatch(match, request, [](std::string_view error) { ADD_FAILURE() << error; });
}

Reply ApiTest::call(Method method, const std::string& target, const std::string& body,
                    const std::string& content_type) {
  const Response response = respond(method, target, body, content_type);
  Reply reply;
  reply.status = response.status;
  reply.text = response.body;
  const auto type = response.headers.get("Content-Type").value_or("");
  // Every answer is JSON but the log's download, a text file.
  if (!response.body.empty() &&
      !(type.starts_with("text/plain") && target.find("/log/download") != std::string::npos)) {
    EXPECT_EQ(type, "application/json") << target;
    reply.body = json::parse(response.body);  // every answer must be valid JSON
    expect_field_codes(reply.body, target);
  }
  return reply;
}

db::Id ApiTest::create(const std::string& collection, const json& body) {
  const Reply reply = post("/api/v1/" + collection, body);
  EXPECT_EQ(reply.status, 201) << collection << " " << body.dump() << " -> " << reply.body.dump();
  if (reply.status != 201) return 0;
  return reply.body["id"].get<db::Id>();
}

void ApiTest::start_mqtt(backend::AnonymousMode mode) {
  context_.mqtt_security = nullptr;
  security_.reset();
  broker::BrokerConfig config;
  config.sys_interval = std::chrono::seconds(0);
  broker_ = std::make_unique<broker::Broker>(config);
  access_ = std::make_unique<broker::auth::AccessControl>(mode != backend::AnonymousMode::refused);
  access_->set_files(std::make_shared<broker::auth::PasswordFile>(), nullptr);
  if (mode == backend::AnonymousMode::legacy) {
    access_->set_anonymous_access(auth_.legacy_anonymous_access());
  }
  broker_->add_hooks(auth_);
  broker_->add_hooks(*access_);
  security_ = std::make_unique<backend::MqttSecurity>(*broker_, db_, accounts_, auth_, mode);
  context_.mqtt_security = security_.get();
}

std::vector<db::AuditEntry> ApiTest::audit_entries() {
  return db::AuditRepository(db_).list({}, db::Page{.limit = 0});
}

std::int64_t ApiTest::count_rows(const std::string& table) {
  return db_.query_one<std::int64_t>("SELECT COUNT(*) FROM " + table);
}

}  // namespace fabomatic::web::api::test
