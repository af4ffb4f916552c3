// The OpenAPI document against the route table and against real answers, and the error rules
// every route shares: malformed JSON is a 400, hostile input never a 500.
#include <functional>
#include <set>

#include "../broker/broker_test_client.hpp"
#include "common/log.hpp"
#include "db/boards_repository.hpp"
#include "db/discovered_boards_repository.hpp"
#include "db/unknown_cards_repository.hpp"
#include "support_api.hpp"
#include "web/api/openapi.hpp"

namespace fabomatic::web::api::test {
namespace {

class OpenApiTest : public ApiTest {
 protected:
  // One row of everything, so that every route with an id finds row 1.
  void seed() {
    const db::Id plan = create("maintenance-plans",
                               {{"machine_id", 1}, {"description", "Oil"}, {"hours_between", 1}});
    create("interventions", {{"plan_id", plan}, {"member_id", 1}});
    create("authorizations", {{"member_id", 1}, {"machine_id", 1}});
    create("uses", {{"member_id", 1}, {"machine_id", 1}, {"start", now_}});
    db::BoardsRepository(db_).upsert(1, {"10.0.0.1", "1.0", "S", 1}, now_);
    db::UnknownCardsRepository(db_).record("aabbccdd", 1, now_);
    db::DiscoveredBoardsRepository(db_).record(1, {"10.0.0.2", "1.0", std::nullopt, std::nullopt},
                                               now_);
    db::DiscoveredBoardsRepository(db_).record(5, {"10.0.0.5", "1.0", std::nullopt, std::nullopt},
                                               now_);
  }
};
using ErrorsTest = ApiTest;

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Every "$ref" in `value`.
void collect_refs(const json& value, std::set<std::string>& refs) {
  if (value.is_object()) {
    for (const auto& [key, item] : value.items()) {
      if (key == "$ref") refs.insert(item.get<std::string>());
      collect_refs(item, refs);
    }
  } else if (value.is_array()) {
    for (const auto& item : value)
      collect_refs(item, refs);
  }
}

// A concrete target for a pattern: every "{id}" becomes `id` (roles: 3, the first one that is
// not reserved).
std::string concrete(std::string pattern, db::Id id) {
  if (pattern.find("/roles/") != std::string::npos) id = 3;
  for (auto open = pattern.find('{'); open != std::string::npos; open = pattern.find('{')) {
    pattern.replace(open, pattern.find('}', open) - open + 1, std::to_string(id));
  }
  return pattern;
}

TEST_F(OpenApiTest, ServedAndDescribesEveryRegisteredRoute) {
  const Reply reply = get("/api/v1/openapi.json");
  ASSERT_EQ(reply.status, 200);
  const json& doc = reply.body;
  EXPECT_EQ(doc["openapi"], "3.0.3");
  std::size_t operations = 0;
  for (const auto& [path, methods] : doc["paths"].items())
    operations += methods.size();
  EXPECT_EQ(operations, routes_.size());
  EXPECT_GE(routes_.size(), 50u);
  for (const auto& route : routes_) {
    const std::string method = lower(to_string(route.method));
    ASSERT_TRUE(doc["paths"].contains(route.pattern)) << route.pattern;
    ASSERT_TRUE(doc["paths"][route.pattern].contains(method)) << method << " " << route.pattern;
    const auto& op = doc["paths"][route.pattern][method];
    EXPECT_TRUE(op["responses"].contains(std::to_string(route.success_status))) << route.pattern;
    EXPECT_EQ(op["responses"].contains("401"), !route.is_public()) << route.pattern;
    // Path parameters are declared.
    if (route.pattern.find("{id}") != std::string::npos) {
      bool declared = false;
      for (const auto& p : op["parameters"])
        declared = declared || (p["in"] == "path" && p["name"] == "id");
      EXPECT_TRUE(declared) << route.pattern;
    }
  }
  // Only the document itself is public.
  std::size_t public_routes = 0;
  for (const auto& route : routes_)
    public_routes += route.is_public() ? 1 : 0;
  EXPECT_EQ(public_routes, 1u);
}

TEST_F(OpenApiTest, EveryReferenceResolves) {
  const json doc = get("/api/v1/openapi.json").body;
  std::set<std::string> refs;
  collect_refs(doc, refs);
  EXPECT_GT(refs.size(), 40u);
  for (const auto& ref : refs) {
    const std::string prefix = "#/components/schemas/";
    ASSERT_EQ(ref.rfind(prefix, 0), 0u) << ref;
    EXPECT_TRUE(doc["components"]["schemas"].contains(ref.substr(prefix.size()))) << ref;
  }
}

// The documented answer schemas list exactly the fields the handlers send, for every GET route
// (lists: the fields of an item). Drift in either direction fails here.
TEST_F(OpenApiTest, AnswerSchemasMatchRealAnswers) {
  // One row of everything.
  const db::Id plan = create("maintenance-plans",
                             {{"machine_id", 1}, {"description", "Oil"}, {"hours_between", 1}});
  create("interventions", {{"plan_id", plan}, {"member_id", 1}});
  create("authorizations", {{"member_id", 1}, {"machine_id", 1}});
  create("uses", {{"member_id", 1}, {"machine_id", 1}, {"start", now_}});
  db::BoardsRepository(db_).upsert(1, {"10.0.0.1", "1.0", "S", 1}, now_);
  db::UnknownCardsRepository(db_).record("aabbccdd", 1, now_);
  db::DiscoveredBoardsRepository(db_).record(1, {"10.0.0.2", "1.0", std::nullopt, std::nullopt},
                                             now_);
  db::DiscoveredBoardsRepository(db_).record(5, {"10.0.0.5", "1.0", std::nullopt, std::nullopt},
                                             now_);
  log::info("test", "a line for GET /api/v1/system/log");
  accounts_.create(1);
  // Two boards that named themselves alike, from two addresses: a shared client id.
  broker::testing::TestClient first(*broker_, "10.0.0.1:1"), second(*broker_, "10.0.0.9:1");
  first.login("BOARD417", "user", "password");
  second.login("BOARD417", "user", "password");
  const json schemas = openapi_schemas();
  const auto keys_of = [](const json& object) {
    std::set<std::string> keys;
    for (const auto& [key, value] : object.items())
      keys.insert(key);
    return keys;
  };
  const auto schema_keys = [&](const std::string& name) {
    return keys_of(schemas.at(name).at("properties"));
  };
  int checked = 0;
  for (const auto& route : routes_) {
    if (route.method != Method::get || route.response_schema.empty()) continue;
    const Reply reply = get(concrete(route.pattern, 1));
    ASSERT_EQ(reply.status, 200) << route.pattern << " " << reply.body.dump();
    if (schemas.at(route.response_schema).value("type", "") == "array") {
      // A bare list (the pickers' names): the keys of an item.
      const std::string item =
          schemas.at(route.response_schema)["items"]["$ref"].get<std::string>().substr(21);
      ASSERT_TRUE(reply.body.is_array()) << route.pattern;
      ASSERT_FALSE(reply.body.empty()) << route.pattern;
      EXPECT_EQ(keys_of(reply.body[0]), schema_keys(item)) << route.pattern;
      ++checked;
      continue;
    }
    EXPECT_EQ(keys_of(reply.body), schema_keys(route.response_schema)) << route.pattern;
    const auto& props = schemas.at(route.response_schema).at("properties");
    if (props.contains("items") && props["items"]["items"].contains("$ref")) {
      const std::string item = props["items"]["items"]["$ref"].get<std::string>().substr(21);
      ASSERT_FALSE(reply.body["items"].empty()) << route.pattern;
      EXPECT_EQ(keys_of(reply.body["items"][0]), schema_keys(item)) << route.pattern;
    }
    if (props.contains("machines") && props["machines"].value("type", "") == "array" &&
        props["machines"]["items"].contains("$ref")) {  // the live status's machines
      EXPECT_EQ(keys_of(reply.body["machines"][0]), schema_keys("MachineStatus"));
    }
    ++checked;
  }
  EXPECT_GE(checked, 20);
}

// Request schemas list exactly the fields the handlers accept: each documented field is not
// refused as unknown, and a field outside the schema is.
TEST_F(OpenApiTest, RequestSchemasMatchAcceptedFields) {
  seed();
  const json schemas = openapi_schemas();
  for (const auto& route : routes_) {
    if (route.request_schema.empty()) continue;
    const auto& props = schemas.at(route.request_schema).at("properties");
    json body = json::object();
    for (const auto& [key, value] : props.items())
      body[key] = json::array({"wrong type for everything"});
    body["surely_not_a_field"] = 1;
    const Reply reply = call(route.method, concrete(route.pattern, 1), body.dump());
    if (reply.status == 404) continue;  // the route's row is missing; checked elsewhere
    ASSERT_EQ(reply.status, 400) << route.pattern;
    EXPECT_EQ(reply.field("surely_not_a_field"), "unknown field") << route.pattern;
    for (const auto& [key, value] : props.items())
      EXPECT_NE(reply.field(key), "unknown field") << route.pattern << " " << key;
  }
}

TEST_F(ErrorsTest, MalformedJsonIs400OnEveryRouteWithABody) {
  for (const auto& route : routes_) {
    if (route.request_schema.empty()) continue;
    for (const std::string& bad :
         std::vector<std::string>{"{", "not json", "[1,2]", "\"text\"", "", "{\"a\":1}x",
                                  std::string("{\"name\":\"\xff\"}")}) {
      const Reply reply = call(route.method, concrete(route.pattern, 1), bad);
      EXPECT_TRUE(reply.status == 400 || reply.status == 404) << route.pattern << " " << bad;
      if (reply.status == 400) {
        EXPECT_EQ(reply.code(), "malformed_json") << route.pattern;
      }
    }
  }
}

// A body is read only as the type its route documents, and a route that documents none refuses
// one: nothing a client sent is silently dropped or guessed at.
TEST_F(ErrorsTest, EveryRouteTakesOnlyTheBodyItDocuments) {
  int with_body = 0, without = 0;
  for (const auto& route : routes_) {
    if (route.is_public() || route.method == Method::get) continue;
    const std::string target = concrete(route.pattern, 1);
    if (!route.request_schema.empty() || !route.request_type.empty()) {
      const Reply typed = call(route.method, target, "{}", "text/plain");
      EXPECT_EQ(typed.status, 415) << route.pattern;
      EXPECT_EQ(typed.code(), "unsupported_media_type") << route.pattern;
      ++with_body;
    } else {
      const Reply sent = call(route.method, target, R"({"force":true})");
      EXPECT_EQ(sent.status, 400) << route.pattern;
      EXPECT_EQ(sent.code(), "unexpected_body") << route.pattern;
      ++without;
    }
  }
  EXPECT_GE(with_body, 20);
  EXPECT_GE(without, 10);
}

TEST_F(ErrorsTest, DeeplyNestedJsonIsRefusedWithoutHarm) {
  const std::string deep = std::string(200000, '[') + std::string(200000, ']');
  const Reply reply = call(Method::post, "/api/v1/members", deep);
  EXPECT_EQ(reply.status, 400);
  const std::string deep_object = "{\"name\":" + deep + "}";
  EXPECT_EQ(call(Method::post, "/api/v1/members", deep_object).code(), "malformed_json");
  // 32 levels are still parsed: the field gets its own message.
  const std::string nested = "{\"name\":" + std::string(31, '[') + std::string(31, ']') + "}";
  EXPECT_EQ(call(Method::post, "/api/v1/members", nested).field("name"), "must be a string");
}

// An ordered_json object finds keys by linear search: tens of thousands of keys would hold the
// reactor (and every board) for seconds. Refused after the 256th key, before any object is built.
TEST_F(ErrorsTest, ObjectWithTooManyKeysIsRefusedQuickly) {
  std::string body = "{";
  for (int n = 0; n < 40000; ++n)
    body += (n ? ",\"k" : "\"k") + std::to_string(n) + "\":1";
  body += "}";
  const auto started = std::chrono::steady_clock::now();
  const Reply reply = call(Method::post, "/api/v1/members", body);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(1));
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.code(), "malformed_json");
}

// {"name":"A","name":"B"}: the parser would keep one silently; which one the sender meant is
// unknown, so nothing is written.
TEST_F(ErrorsTest, AKeyGivenTwiceIsRefusedAndNothingIsWritten) {
  const auto members = call(Method::get, "/api/v1/members", "").body["total"];
  const Reply reply =
      call(Method::post, "/api/v1/members", R"({"name":"Anna","role_id":1,"name":"Bea"})");
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.code(), "malformed_json");
  EXPECT_NE(reply.body["error"]["message"].get<std::string>().find("\"name\""), std::string::npos);
  EXPECT_EQ(call(Method::get, "/api/v1/members", "").body["total"], members);
  // A NUL byte would end the document for the parser, the rest ignored.
  const Reply nul = call(Method::post, "/api/v1/members",
                         std::string(R"({"name":"Anna","role_id":1})") + '\0' + "garbage");
  EXPECT_EQ(nul.status, 400);
  EXPECT_EQ(nul.code(), "malformed_json");
  EXPECT_EQ(call(Method::get, "/api/v1/members", "").body["total"], members);
  // The same key in two different objects is no duplicate: the body gets as far as its fields.
  EXPECT_EQ(
      call(Method::post, "/api/v1/members", R"({"name":{"a":1},"surname":{"a":1}})").field("name"),
      "must be a string");
}

// Every route with odd ids, odd query values and odd bodies: always an answer below 500
// (the fixture fails the test on any handler exception).
TEST_F(ErrorsTest, HostileInputNeverCausesA500) {
  const std::vector<std::string> ids = {
      "1", "0", "-1", "999999999999", "9223372036854775807", "99999999999999999999", "abc", "1.5"};
  const std::vector<std::string> queries = {"",
                                            "?limit=999999999999999999999",
                                            "?offset=9223372036854775807",
                                            "?sort=%27%3B--&order=sideways",
                                            "?from=nan&before=inf&open=2",
                                            "?member_id=0&machine_id=-5&q=%25%5F%5C",
                                            "?card=" + std::string(300, 'a')};
  const std::vector<json> bodies = {
      json::object(),
      json{{"name", "x"}, {"role_id", 1e300}, {"machine_id", -1}, {"member_id", 1.5}},
      json{{"name", std::string(5000, 'x')}, {"start", "now"}, {"end", true}},
      json{{"member_ids", json::array({1, 2, "3"})}, {"machine_id", 18446744073709551615ULL}},
      json{{"hours", -0.0}, {"hours_between", 1e308}, {"timestamp", 4e10}},
      json{{"card", nullptr}, {"email", ""}, {"type_id", nullptr}, {"lcd_message", "\u00e8"}}};
  for (const auto& route : routes_) {
    for (const auto& id : ids) {
      std::string target = route.pattern;
      if (const auto open = target.find("{id}"); open != std::string::npos) {
        target.replace(open, 4, id);
      }
      for (const auto& query : queries) {
        if (route.method == Method::get || route.method == Method::delete_) {
          const Reply reply = call(route.method, target + query);
          EXPECT_LT(reply.status, 500) << to_string(route.method) << " " << target << query;
          continue;
        }
        for (const auto& body : bodies) {
          const Reply reply = call(route.method, target + query, body.dump());
          EXPECT_LT(reply.status, 500)
              << to_string(route.method) << " " << target << query << " " << body.dump();
        }
      }
    }
  }
}

}  // namespace
}  // namespace fabomatic::web::api::test
