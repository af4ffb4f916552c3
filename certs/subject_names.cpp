#include "certs/subject_names.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>

#include "common/text.hpp"

namespace fabomatic::certs {

namespace {

void add_unique(std::vector<std::string>& list, std::string value) {
  if (!value.empty() && std::find(list.begin(), list.end(), value) == list.end()) {
    list.push_back(std::move(value));
  }
}

}  // namespace

std::string machine_host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
  return text::ascii_lowercase(name);
}

std::vector<std::string> machine_addresses() {
  std::vector<std::string> addresses;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return addresses;
  for (const ifaddrs* entry = list; entry != nullptr; entry = entry->ifa_next) {
    if (entry->ifa_addr == nullptr) continue;
    char text[INET6_ADDRSTRLEN] = {};
    if (entry->ifa_addr->sa_family == AF_INET) {
      const auto* in = reinterpret_cast<const sockaddr_in*>(entry->ifa_addr);
      if ((ntohl(in->sin_addr.s_addr) >> 24) == 127) continue;  // loopback
      if (inet_ntop(AF_INET, &in->sin_addr, text, sizeof text)) add_unique(addresses, text);
    } else if (entry->ifa_addr->sa_family == AF_INET6) {
      const auto* in6 = reinterpret_cast<const sockaddr_in6*>(entry->ifa_addr);
      // Link-local addresses need a zone id that browsers do not accept in URLs.
      if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr) || IN6_IS_ADDR_LINKLOCAL(&in6->sin6_addr)) {
        continue;
      }
      if (inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text)) add_unique(addresses, text);
    }
  }
  freeifaddrs(list);
  return addresses;
}

SubjectNames subject_names_for(const std::string& host, const std::vector<std::string>& addresses) {
  SubjectNames names;
  const std::string name = text::ascii_lowercase(host);
  const std::string first_label = name.substr(0, name.find('.'));
  if (!first_label.empty() && first_label != "localhost") {
    add_unique(names.dns, name);
    add_unique(names.dns, first_label);
    add_unique(names.dns, first_label + ".local");
  }
  add_unique(names.dns, "localhost");
  add_unique(names.ips, "127.0.0.1");
  add_unique(names.ips, "::1");
  for (const auto& address : addresses)
    add_unique(names.ips, address);
  return names;
}

}  // namespace fabomatic::certs
