#include "test_server.hpp"

#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <thread>

namespace fabomatic::web::test {

const certs::Material& test_certificate() {
  static const certs::Material material = [] {
    namespace fs = std::filesystem;
    std::string pattern = (fs::temp_directory_path() / "fabomatic-web-test-XXXXXX").string();
    const fs::path dir = ::mkdtemp(pattern.data());
    certs::Config config;
    config.data_dir = dir;
    config.host_name = "fabomatic-test";
    certs::Material created = certs::load_or_create(config);
    fs::remove_all(dir);
    return created;
  }();
  return material;
}

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

log::Sink LogCapture::function() {
  return [this](log::Level, std::string_view message) {
    std::lock_guard lock(mutex_);
    lines_.emplace_back(message);
  };
}

bool LogCapture::contains(std::string_view part) const {
  std::lock_guard lock(mutex_);
  for (const auto& line : lines_) {
    if (line.find(part) != std::string::npos) return true;
  }
  return false;
}

ServerOptions TestServer::fast_options() {
  ServerOptions options;
  options.bind_address = "127.0.0.1";
  options.port = 0;
  options.handshake_timeout = std::chrono::milliseconds(2000);
  options.header_timeout = std::chrono::milliseconds(2000);
  options.body_timeout = std::chrono::milliseconds(2000);
  options.write_timeout = std::chrono::milliseconds(2000);
  options.idle_timeout = std::chrono::milliseconds(2000);
  options.linger_timeout = std::chrono::milliseconds(500);
  return options;
}

TestServer::TestServer(Router router, ServerOptions options)
    : work_(boost::asio::make_work_guard(io_)) {
  options.log = log_->function();
  server_ = std::make_unique<Server>(io_, test_certificate(), std::move(router), options);
  server_->start();
  port_ = server_->port();
  redirect_port_ = server_->redirect_port();
  thread_ = std::thread([this] { io_.run(); });
}

TestServer::~TestServer() {
  boost::asio::post(io_, [this] { server_->stop(); });
  work_.reset();
  thread_.join();  // returns once every connection has ended
  server_.reset();
}

bool TestServer::wait_for_connections(std::size_t n, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (server_->connection_count() == n) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return server_->connection_count() == n;
}

}  // namespace fabomatic::web::test
