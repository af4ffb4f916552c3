// Latency figures of a run: nearest-rank percentiles over microsecond samples.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fabomatic::board_sim {

struct LatencySummary {
  std::size_t count = 0;
  std::uint32_t p50 = 0, p90 = 0, p99 = 0, max = 0;
  double mean = 0;
};

/// The q-th percentile (0 < q <= 100) of sorted samples, nearest-rank method; 0 when empty.
std::uint32_t percentile(const std::vector<std::uint32_t>& sorted, double q);

/// Sorts `samples` in place and summarizes them.
LatencySummary summarize(std::vector<std::uint32_t>& samples);

/// `"p50_us":…,"p90_us":…,"p99_us":…,"max_us":…,"mean_us":…` (no braces), for JSON lines.
std::string json_fields(const LatencySummary& summary);

}  // namespace fabomatic::board_sim
