// The three modes of board-sim; each returns the process exit status.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <string>

#include "tools/board-sim/options.hpp"

namespace fabomatic::board_sim {

int run_fleet(const Options& options);
int run_bench(const Options& options);
int run_query(const Options& options);

/// The broker's address (resolved once; throws std::system_error when it cannot be).
boost::asio::ip::tcp::endpoint resolve_broker(boost::asio::io_context& io, const Options& options);

/// The client id of the board of `machine_id`: prefix + machine id (unique in a fleet), or
/// prefix + a random number below 1000 as the firmware does.
std::string client_id_for(const Options& options, int machine_id, unsigned random_value);

}  // namespace fabomatic::board_sim
