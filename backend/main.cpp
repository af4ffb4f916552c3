// fabomatic: the FabLab access appliance in one process.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>

#include "backend/log.hpp"
#include "backend/settings.hpp"
#include "broker/broker.hpp"
#include "broker/server.hpp"

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

  log::info("main", "fabomatic " FABOMATIC_VERSION " starting");
  boost::asio::io_context io(1);

  broker::BrokerConfig broker_config;
  broker_config.version = "fabomatic " FABOMATIC_VERSION;
  broker_config.logger = [](broker::LogLevel level, std::string_view text) {
    static constexpr log::Level kLevels[] = {log::Level::debug, log::Level::info,
                                             log::Level::warning, log::Level::error};
    log::write(kLevels[static_cast<int>(level)], "broker", text);
  };
  broker::Broker mqtt(broker_config);
  broker::Server mqtt_server(io, mqtt);
  try {
    const auto port = mqtt_server.listen_tcp(settings.mqtt.bind_address, settings.mqtt.port);
    log::info("main", "MQTT broker listening on " + settings.mqtt.bind_address + ":" +
                          std::to_string(port));
  } catch (const std::system_error& e) {
    log::error("main", e.what());
    return 1;
  }
  mqtt_server.start();

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    log::info("main", std::string("received ") + strsignal(signal) + ", stopping");
    mqtt_server.stop();
    io.stop();
  });
  io.run();
  log::info("main", "stopped");
  return 0;
}
