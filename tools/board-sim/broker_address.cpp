#include <boost/asio/ip/tcp.hpp>

#include "tools/board-sim/modes.hpp"

namespace fabomatic::board_sim {

boost::asio::ip::tcp::endpoint resolve_broker(boost::asio::io_context& io, const Options& options) {
  boost::asio::ip::tcp::resolver resolver(io);
  const auto results = resolver.resolve(options.host, std::to_string(options.port));
  return results.begin()->endpoint();
}

std::string client_id_for(const Options& options, int machine_id, unsigned random_value) {
  if (options.random_client_ids) return options.client_prefix + std::to_string(random_value % 1000);
  return options.client_prefix + std::to_string(machine_id);
}

}  // namespace fabomatic::board_sim
