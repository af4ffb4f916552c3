// fabomatic: the FabLab access appliance in one process.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>

#include "backend/log.hpp"
#include "backend/settings.hpp"

namespace {

void print_usage() {
  std::puts(
      "usage: fabomatic [--config FILE] [--help] [--version]\n"
      "  --config FILE   settings.toml to use");
}

}  // namespace

int main(int argc, char** argv) {
  using namespace fabomatic;
  std::string config_file;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      print_usage();
      return 0;
    }
    if (arg == "--version") {
      std::puts("fabomatic " FABOMATIC_VERSION);
      return 0;
    }
    if (arg == "--config" && i + 1 < argc) {
      config_file = argv[++i];
      continue;
    }
    std::fprintf(stderr, "fabomatic: unknown argument '%s' (see --help)\n", arg.c_str());
    return 2;
  }

  backend::Settings settings;
  try {
    if (!config_file.empty()) settings = backend::load_settings(config_file);
  } catch (const backend::SettingsError& e) {
    log::error("config", e.what());
    return 1;
  }

  boost::asio::io_context io(1);
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    log::info("main", std::string("received ") + strsignal(signal) + ", stopping");
    io.stop();
  });
  log::info("main", "fabomatic " FABOMATIC_VERSION " starting");
  io.run();
  log::info("main", "stopped");
  return 0;
}
