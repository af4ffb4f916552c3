// Observations counted by bucket, the way /metrics reports a Prometheus histogram: bucket i
// holds those above bounds[i - 1] and at most bounds[i]; one more bucket holds everything above
// the last bound. Single-threaded (the reactor's statistics); cheap enough for every reply.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace fabomatic {

/// The bucket `value` falls in: the first of the ascending `bounds` it does not exceed, else
/// bounds.size() (the bucket above them all).
constexpr std::size_t histogram_bucket(std::span<const double> bounds, double value) noexcept {
  std::size_t i = 0;
  while (i < bounds.size() && value > bounds[i])
    ++i;
  return i;
}

template <std::size_t N>
class Histogram {
 public:
  /// `bounds`, ascending, must outlive the histogram (a constant table).
  explicit constexpr Histogram(const double (&bounds)[N]) : bounds_(bounds) {}

  void record(double value) {
    ++counts_[bucket_of(value)];
    sum_ += value;
  }
  std::size_t bucket_of(double value) const { return histogram_bucket(bounds_, value); }

  std::span<const double> bounds() const { return bounds_; }
  /// Per bucket, not cumulative: one more than bounds().
  std::span<const std::uint64_t> counts() const { return counts_; }
  double sum() const { return sum_; }
  std::uint64_t count() const {
    std::uint64_t total = 0;
    for (const auto c : counts_)
      total += c;
    return total;
  }

 private:
  std::span<const double, N> bounds_;
  std::array<std::uint64_t, N + 1> counts_{};
  double sum_ = 0;
};

}  // namespace fabomatic
