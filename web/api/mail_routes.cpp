// Mail from the portal: a test mail with the current SMTP settings (the server's answer shown),
// the weekly summary previewed or sent now, and its schedule.
#include "common/text.hpp"
#include "web/api/operations.hpp"
#include "web/api/routes.hpp"
#include "web/auth/guard.hpp"

namespace fabomatic::web::api {

namespace {

MailCenter& center(ApiContext& context) {
  if (context.mail == nullptr) {
    throw ApiError(503, "unavailable", "mail is not available in this set-up");
  }
  return *context.mail;
}

std::string read_language(Query& query) {
  const auto raw = query.text("lang", 5);
  if (!raw) return "";
  if (*raw != "en" && *raw != "it") {
    query.error("lang", field_error::choice({"en", "it"}));
    return "";
  }
  return *raw;
}

Json summary_json(const SummaryMail& mail) {
  Json recipients = Json::array();
  for (const auto& r : mail.recipients)
    recipients.push_back(r);
  return Json{{"subject", mail.subject}, {"text", mail.text}, {"recipients", recipients}};
}

Response preview(ApiContext& context, const Request& request) {
  Query query(request);
  const std::string language = read_language(query);
  query.finish();
  auto& mail = center(context);
  const SummarySchedule s = mail.schedule();
  Json body = summary_json(mail.weekly_summary(language.empty() ? s.language : language));
  body["schedule"] =
      Json{{"enabled", s.enabled}, {"language", s.language},  {"day", s.day},
           {"hour", s.hour},       {"next", or_null(s.next)}, {"last_sent", or_null(s.last_sent)}};
  return json_response(200, body);
}

Response send_summary(ApiContext& context, const Request& request, const Principal& who) {
  Body body(request);
  auto language = body.text("lang", {.max_length = 5});
  if (language && *language != "en" && *language != "it") {
    body.error("lang", field_error::choice({"en", "it"}));
  }
  body.finish();
  auto& mail = center(context);
  const std::string chosen = language.value_or(mail.schedule().language);
  const std::size_t sent = mail.send_weekly_summary(chosen);
  {
    db::Transaction tx(context.db);
    record_change(context, who, "send", "weekly_summary", std::nullopt, std::nullopt,
                  Json{{"language", chosen}, {"mails", sent}});
    tx.commit();
  }
  return json_response(202, Json{{"mails", sent}, {"language", chosen}});
}

void test_mail(ApiContext& context, const Request& request, const Principal& who, Reply reply) {
  std::string to;
  try {
    Body body(request);
    body.require("to");
    auto v = body.text("to", {.max_length = 254});
    if (v && !text::plausible_email(*v)) {
      body.error("to", field_error::pattern("email", "not an e-mail address"));
    }
    body.finish();
    to = *v;
    center(context);
  } catch (const ApiError& e) {
    return reply(error_response(e.status(), e.code(), e.what(), e.fields()));
  }
  context.mail->test(to, [&context, who, to, reply](MailOutcome outcome) {
    try {
      db::Transaction tx(context.db);
      record_change(context, who, "send", "test_mail", std::nullopt, std::nullopt,
                    Json{{"to", to}, {"ok", outcome.ok}});
      tx.commit();
    } catch (const std::exception&) {
    }
    reply(json_response(200, Json{{"ok", outcome.ok}, {"server_answer", outcome.server_answer}}));
  });
}

}  // namespace

void add_mail_routes(RouteTable& routes, ApiContext& c) {
  const std::string base = "/api/v1/mail";
  ApiRoute& t = routes.emplace_back();
  t.method = Method::post;
  t.pattern = base + "/test";
  t.tag = "mail";
  t.summary =
      "Send a test mail with the [email] settings in effect; answers the SMTP server's reply "
      "(ok false: what failed)";
  t.async_handler = [&c](const Request& r, const Principal& w, Reply reply) {
    test_mail(c, r, w, std::move(reply));
  };
  t.request_schema = "TestMail";
  t.response_schema = "TestMailResult";
  auto& p = routes.emplace_back(
      route(Method::get, base + "/weekly-summary", "mail",
            "Last week's summary as it would be mailed now (uses per machine, maintenance due, "
            "unknown cards), its recipients and schedule",
            [&c](const Request& r, const Principal&) { return preview(c, r); }));
  p.query = {{"lang", "string", "default: [weekly_summary] language", {"en", "it"}}};
  p.response_schema = "WeeklySummary";
  auto& s = routes.emplace_back(
      route(Method::post, base + "/weekly-summary", "mail",
            "Send the weekly summary now to the members who asked for it",
            [&c](const Request& r, const Principal& w) { return send_summary(c, r, w); }));
  s.request_schema = "WeeklySummarySend";
  s.response_schema = "WeeklySummarySent";
  s.success_status = 202;
}

}  // namespace fabomatic::web::api
