#include "web/http/router.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "web/http/request_target.hpp"

namespace fabomatic::web {
namespace {

Handler answer(std::string text) {
  return [text](const Request&) { return Response::text(200, text); };
}

RouteMatch find(const Router& router, Method method, std::string_view path) {
  return router.find(method, parse_target(path).target.segments);
}

std::string run(const Router& router, Method method, std::string_view path) {
  const RouteMatch match = find(router, method, path);
  Request request;
  request.method = method;
  return dispatch(match, request, {}).body;
}

TEST(Router, MatchesLiteralsAndParameters) {
  Router router;
  router.get("/api/v1/machines", answer("list"));
  router.get("/api/v1/machines/{id}", answer("one"));
  router.get("/api/v1/machines/{id}/uses/{use}", answer("use"));
  EXPECT_EQ(run(router, Method::get, "/api/v1/machines"), "list");
  EXPECT_EQ(run(router, Method::get, "/api/v1/machines/7"), "one");
  const RouteMatch match = find(router, Method::get, "/api/v1/machines/7/uses/x%20y");
  ASSERT_EQ(match.outcome, RouteMatch::Outcome::found);
  EXPECT_EQ(match.params.at("id"), "7");
  EXPECT_EQ(match.params.at("use"), "x y");
}

TEST(Router, ParameterNeedsAValueAndSegmentCountsMustAgree) {
  Router router;
  router.get("/machines/{id}", answer("one"));
  EXPECT_EQ(find(router, Method::get, "/machines/").outcome, RouteMatch::Outcome::not_found);
  EXPECT_EQ(find(router, Method::get, "/machines").outcome, RouteMatch::Outcome::not_found);
  EXPECT_EQ(find(router, Method::get, "/machines/1/2").outcome, RouteMatch::Outcome::not_found);
}

TEST(Router, MostSpecificRouteWins) {
  Router router;
  router.get("/files/{path...}", answer("tail"));
  router.get("/machines/{id}", answer("param"));
  router.get("/machines/new", answer("literal"));
  router.get("/files/{name}", answer("one"));
  EXPECT_EQ(run(router, Method::get, "/machines/new"), "literal");
  EXPECT_EQ(run(router, Method::get, "/machines/5"), "param");
  EXPECT_EQ(run(router, Method::get, "/files/a"), "one");
  EXPECT_EQ(run(router, Method::get, "/files/a/b/c"), "tail");
  EXPECT_EQ(find(router, Method::get, "/files/a/b/c").params.at("path"), "a/b/c");
  EXPECT_EQ(find(router, Method::get, "/files").outcome, RouteMatch::Outcome::not_found);
}

TEST(Router, WrongMethodIs405WithAllow) {
  Router router;
  router.get("/machines/{id}", answer("get"));
  router.put("/machines/{id}", answer("put"));
  const RouteMatch match = find(router, Method::delete_, "/machines/3");
  EXPECT_EQ(match.outcome, RouteMatch::Outcome::method_not_allowed);
  EXPECT_EQ(match.allow, "GET, HEAD, PUT");
  const Response response = dispatch(match, Request{}, {});
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(response.headers.get("Allow"), "GET, HEAD, PUT");
  EXPECT_EQ(response.headers.get("Content-Type"), "application/json");
}

TEST(Router, UnknownPathIs404Json) {
  Router router;
  router.get("/a", answer("a"));
  const Response response = dispatch(find(router, Method::get, "/b"), Request{}, {});
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.body,
            R"({"error":{"status":404,"code":"not_found","message":"no such resource"}})");
}

TEST(Router, HeadFallsBackToGet) {
  Router router;
  router.get("/a", answer("a"));
  EXPECT_EQ(find(router, Method::head, "/a").outcome, RouteMatch::Outcome::found);
  EXPECT_EQ(find(router, Method::post, "/a").allow, "GET, HEAD");
}

TEST(Router, HandlerExceptionBecomes500AndIsLogged) {
  Router router;
  router.get("/boom", [](const Request&) -> Response { throw std::runtime_error("kaputt"); });
  std::string logged;
  Request request;
  const Response response = dispatch(find(router, Method::get, "/boom"), request,
                                     [&](std::string_view line) { logged = line; });
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(response.body.find("kaputt"), std::string::npos);  // no internals to the client
  EXPECT_NE(logged.find("kaputt"), std::string::npos);
  EXPECT_NE(logged.find("GET /boom"), std::string::npos);
}

TEST(Router, WebSocketRouteWithoutUpgradeIs426) {
  Router router;
  router.websocket("/live", WebSocketRoute{});
  EXPECT_EQ(dispatch(find(router, Method::get, "/live"), Request{}, {}).status, 426);
}

TEST(Router, AsyncHandlerAnswersLaterExactlyOnce) {
  Router router;
  Reply saved;
  router.add_async(Method::post, "/later", [&](const Request&, Reply reply) { saved = reply; });
  router.add_async(Method::post, "/twice", [](const Request&, Reply reply) {
    reply(Response::text(200, "first"));
    throw std::runtime_error("and then failed");
  });
  std::vector<Response> answers;
  const Reply collect = [&](Response response) { answers.push_back(std::move(response)); };
  Request request;
  request.method = Method::post;
  dispatch(find(router, Method::post, "/later"), request, {}, collect);
  EXPECT_TRUE(answers.empty());  // not yet
  ASSERT_TRUE(saved);
  saved(Response::text(201, "done"));
  saved(Response::text(200, "again"));  // a second answer is ignored
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0].status, 201);

  answers.clear();
  std::string logged;
  dispatch(
      find(router, Method::post, "/twice"), request, [&](std::string_view line) { logged = line; },
      collect);
  ASSERT_EQ(answers.size(), 1u);  // the handler's own answer; the throw is only logged
  EXPECT_EQ(answers[0].body, "first");
  EXPECT_NE(logged.find("and then failed"), std::string::npos);
}

TEST(Router, SynchronousDispatchOfAnAsyncRouteNeedsAnInlineAnswer) {
  Router router;
  router.add_async(Method::get, "/inline",
                   [](const Request&, Reply reply) { reply(Response::text(200, "now")); });
  router.add_async(Method::get, "/never", [](const Request&, Reply) {});
  EXPECT_EQ(run(router, Method::get, "/inline"), "now");
  std::string logged;
  const Response response = dispatch(find(router, Method::get, "/never"), Request{},
                                     [&](std::string_view line) { logged = line; });
  EXPECT_EQ(response.status, 500);
  EXPECT_NE(logged.find("did not answer"), std::string::npos);
}

TEST(Router, RejectsBadPatternsAndDuplicates) {
  Router router;
  EXPECT_THROW(router.get("nope", answer("")), std::invalid_argument);
  EXPECT_THROW(router.get("/a/{rest...}/b", answer("")), std::invalid_argument);
  EXPECT_THROW(router.get("/a/{}", answer("")), std::invalid_argument);
  EXPECT_THROW(router.get("/a/x{y}", answer("")), std::invalid_argument);
  router.get("/m/{id}", answer(""));
  EXPECT_THROW(router.get("/m/{other}", answer("")), std::invalid_argument);
  EXPECT_NO_THROW(router.post("/m/{id}", answer("")));
}

TEST(Response, ErrorEscapesJson) {
  EXPECT_EQ(Response::error(400, "bad", "say \"hi\"\n\x01").body,
            R"({"error":{"status":400,"code":"bad","message":"say \"hi\"\n\u0001"}})");
}

}  // namespace
}  // namespace fabomatic::web
