// libFuzzer target: a REST request's JSON body as the API reads it (web/api/json.hpp Body):
// the shape check, then every kind of field a handler asks for, then finish() — which may only
// ever fail with an ApiError (a 400), never with anything else.
#include <cstdint>
#include <string>
#include <string_view>

#include "web/api/json.hpp"

using namespace fabomatic::web;
using namespace fabomatic::web::api;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Request request;
  request.body.assign(reinterpret_cast<const char*>(data), size);
  try {
    Body body(request);
    body.require("name");
    (void)body.text("name", TextRule{});
    (void)body.nullable_text("surname");
    (void)body.integer("count", -5, 1'000'000);
    (void)body.nullable_integer("limit", 0, 500);
    (void)body.number("hours", 0, 1e7);
    (void)body.nullable_number("hours_between", 0, 1e6);
    (void)body.boolean("blocked");
    (void)body.id("machine_id");
    (void)body.id_list("machines", 100);
    (void)body.card("card");
    (void)body.time("from");
    (void)body.nullable_time("until");
    (void)body.has("email");
    body.finish();
  } catch (const ApiError& error) {
    (void)error.status();
  }
  return 0;
}
