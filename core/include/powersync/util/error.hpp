#pragma once
// The one exception type of the core. Its code maps 1:1 to powersync_status in the C ABI.

#include <stdexcept>
#include <string>

namespace powersync {

enum class ErrorCode : int {
  ok = 0,
  invalid_argument = 1,
  sql = 2,
  busy = 3,
  closed = 4,
  auth = 5,
  network = 6,
  callback_failed = 7,
  cancelled = 8,
  internal = 9,
};

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message, int sqlite_code = 0)
      : std::runtime_error(message), code_(code), sqlite_code_(sqlite_code) {}

  ErrorCode code() const noexcept { return code_; }
  // The SQLite extended result code behind an sql/busy error, else 0.
  int sqlite_code() const noexcept { return sqlite_code_; }

 private:
  ErrorCode code_;
  int sqlite_code_;
};

[[noreturn]] inline void throw_invalid_argument(const std::string& message) {
  throw Error(ErrorCode::invalid_argument, message);
}

[[noreturn]] inline void throw_closed(const std::string& what = "database is closed") {
  throw Error(ErrorCode::closed, what);
}

}  // namespace powersync
