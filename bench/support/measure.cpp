#include "measure.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>

namespace powersync::bench {

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const std::size_t mid = values.size() / 2;
  return values.size() % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(values.size())));
  return values[std::clamp<std::size_t>(rank, 1, values.size()) - 1];
}

std::int64_t peak_rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atoll(line.c_str() + 6);
  }
  return 0;
}

void print_goal_line(const GoalLine& line) {
  auto field = [](const std::string& text) { return text.empty() ? std::string("-") : text; };
  std::printf("RESULT\t%s\t%s\t%s\t%s\t%s\t%s\n", field(line.goal).c_str(), field(line.what).c_str(),
              field(line.ours).c_str(), field(line.official).c_str(), field(line.ratio).c_str(),
              field(line.met).c_str());
  std::fflush(stdout);
}

std::string format_number(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

std::string format_rate(double per_second) {
  if (per_second >= 1e6) return format_number(per_second / 1e6, 2) + "M";
  if (per_second >= 1e3) return format_number(per_second / 1e3, 1) + "k";
  return format_number(per_second, 0);
}

}  // namespace powersync::bench
