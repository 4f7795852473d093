#pragma once
// Small helpers the benchmarks share: timing, medians and percentiles, this process's peak
// RSS, and the one machine-readable line each goal ends with (collected by bench/run).

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace powersync::bench {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double median(std::vector<double> values);
// p in [0, 100], nearest rank.
double percentile(std::vector<double> values, double p);

// VmHWM of this process in KiB (0 when /proc is unavailable).
std::int64_t peak_rss_kib();

// One line for bench/run: RESULT<TAB>goal<TAB>what<TAB>ours<TAB>official<TAB>ratio<TAB>met.
// Empty fields are printed as "-".
struct GoalLine {
  std::string goal;      // P1..P7
  std::string what;      // e.g. "initial sync 1M rows, rows/s"
  std::string ours;
  std::string official;  // official SDK's figure, or the physical reference, or "-"
  std::string ratio;
  std::string met;       // "yes", "no", or "-"
};
void print_goal_line(const GoalLine& line);

std::string format_number(double value, int decimals = 0);
std::string format_rate(double per_second);  // e.g. "123.4k"

}  // namespace powersync::bench
