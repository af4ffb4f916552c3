// The host the appliance runs on, as the system page shows it: operating system, CPU, load,
// memory and the free space where the database lives. Read from /etc/os-release, /proc and
// statvfs(); what cannot be read is left empty or zero.
#pragma once

#include <cstdint>
#include <string>

namespace fabomatic::web::api {

struct HostFacts {
  std::string host_name;
  std::string os;      // PRETTY_NAME of /etc/os-release
  std::string kernel;  // uname release
  std::string architecture;
  std::string cpu_model;
  unsigned cpus = 0;
  double load[3] = {0, 0, 0};          // 1, 5, 15 minutes
  std::uint64_t memory_total = 0;      // bytes
  std::uint64_t memory_available = 0;  // bytes
  std::uint64_t disk_total = 0;        // bytes, of the file system holding `path`
  std::uint64_t disk_free = 0;         // bytes available to the service
  std::uint64_t process_rss = 0;       // bytes, this process
};

/// Facts of this host; the disk figures are those of the file system holding `path`.
HostFacts host_facts(const std::string& path);

}  // namespace fabomatic::web::api
