#pragma once
// Child processes for the benchmarks: each client runs in a fresh process, so its peak RSS
// is its own (from wait4's rusage) and nothing is warm from an earlier run.

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace powersync::bench {

struct ChildResult {
  int exit_code = -1;        // -1 when killed by a signal
  std::string output;        // everything the child wrote to stdout
  std::int64_t max_rss_kib = 0;
  double wall_seconds = 0;
  double cpu_seconds = 0;  // user + system, all threads (on a loaded machine wall time is mostly waiting)
};

// Runs argv[0] (searched in PATH) with stdout captured and stderr inherited; waits for it.
ChildResult run_child(const std::vector<std::string>& argv);

// A long-running child whose stdout is read line by line (the devserver).
class BackgroundChild {
 public:
  explicit BackgroundChild(const std::vector<std::string>& argv);
  ~BackgroundChild();  // SIGTERM, then waits
  BackgroundChild(const BackgroundChild&) = delete;
  BackgroundChild& operator=(const BackgroundChild&) = delete;

  // The next line of stdout (without the newline); false at end of output.
  bool read_line(std::string& line);
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string buffer_;
};

// The last non-empty line of `text`.
std::string last_line(const std::string& text);

// The directory holding this executable.
std::string executable_dir();

}  // namespace powersync::bench
