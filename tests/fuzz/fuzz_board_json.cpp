// libFuzzer target: the board protocol's parser (topic and JSON payload of a query), and the
// reply formatter on what it parsed: every reply must fit the board's read buffer.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "backend/board_query.hpp"
#include "backend/board_reply.hpp"
#include "backend/board_topics.hpp"

using namespace fabomatic::backend;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  // "<topic>\n<payload>", or the whole input as the payload of machine/1.
  const auto newline = input.find('\n');
  const std::string_view topic =
      newline == std::string_view::npos ? std::string_view("machine/1") : input.substr(0, newline);
  const std::string_view payload =
      newline == std::string_view::npos ? input : input.substr(newline + 1);
  static const BoardTopics topics;
  const auto parsed = parse_board_message(topics, topic, payload);
  if (const auto* message = std::get_if<BoardMessage>(&parsed)) {
    (void)action_name(message->query);
    // Texts from the query (a card id) in a reply: it must still fit the budget.
    CheckUserReply reply;
    if (const auto* q = std::get_if<CheckUser>(&message->query)) reply.name = q->uid;
    const std::string formatted = format_reply(reply, message->reply_budget);
    if (formatted.size() > message->reply_budget) std::abort();
  }
  (void)parse_query(input);
  return 0;
}
