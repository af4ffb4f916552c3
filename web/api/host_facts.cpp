#include "web/api/host_facts.hpp"

#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string_view>
#include <thread>

namespace fabomatic::web::api {

namespace {

std::string trim_quotes(std::string value) {
  if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
      value.back() == value.front()) {
    value = value.substr(1, value.size() - 2);
  }
  return value;
}

/// "Key:   value kB" lines of /proc/meminfo and /proc/self/status, in bytes.
std::uint64_t kib_field(const char* file, std::string_view key) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with(key) && line.size() > key.size() && line[key.size()] == ':') {
      return std::strtoull(line.c_str() + key.size() + 1, nullptr, 10) * 1024;
    }
  }
  return 0;
}

}  // namespace

HostFacts host_facts(const std::string& path) {
  HostFacts facts;
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) == 0) facts.host_name = name;
  {
    std::ifstream in("/etc/os-release");
    std::string line;
    while (std::getline(in, line)) {
      if (line.starts_with("PRETTY_NAME=")) facts.os = trim_quotes(line.substr(12));
    }
  }
  utsname uts{};
  if (uname(&uts) == 0) {
    facts.kernel = std::string(uts.sysname) + " " + uts.release;
    facts.architecture = uts.machine;
  }
  {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line) && facts.cpu_model.empty()) {
      // x86: "model name"; Raspberry Pi (arm64): "Model" names the board.
      for (std::string_view key : {"model name", "Model"}) {
        if (line.starts_with(key)) {
          const auto colon = line.find(':');
          if (colon != std::string::npos && colon + 2 <= line.size()) {
            facts.cpu_model = line.substr(colon + 2);
          }
        }
      }
    }
  }
  facts.cpus = std::thread::hardware_concurrency();
  {
    std::ifstream in("/proc/loadavg");
    in >> facts.load[0] >> facts.load[1] >> facts.load[2];
  }
  facts.memory_total = kib_field("/proc/meminfo", "MemTotal");
  facts.memory_available = kib_field("/proc/meminfo", "MemAvailable");
  facts.process_rss = kib_field("/proc/self/status", "VmRSS");
  struct statvfs fs {};
  if (statvfs(path.c_str(), &fs) == 0) {
    facts.disk_total = static_cast<std::uint64_t>(fs.f_blocks) * fs.f_frsize;
    facts.disk_free = static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize;
  }
  return facts;
}

}  // namespace fabomatic::web::api
