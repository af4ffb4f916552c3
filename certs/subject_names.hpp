// The names a self-signed certificate is valid for, so that browsers reach the appliance by
// any of its usual addresses: its host name, <host>.local (mDNS), localhost and its IPs.
#pragma once

#include <string>
#include <vector>

namespace fabomatic::certs {

struct SubjectNames {
  std::vector<std::string> dns;  // host names, lowercase, no duplicates
  std::vector<std::string> ips;  // textual IPv4/IPv6 addresses, no duplicates
};

/// This machine's host name (gethostname), lowercase; "localhost" when it has none.
std::string machine_host_name();

/// The machine's non-loopback, non-link-local interface addresses (getifaddrs).
std::vector<std::string> machine_addresses();

/// host, its first label when it has dots, <first label>.local, localhost; 127.0.0.1, ::1 and
/// `addresses`.
SubjectNames subject_names_for(const std::string& host, const std::vector<std::string>& addresses);

}  // namespace fabomatic::certs
