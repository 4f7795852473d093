// Thread-local last error and status names.

#include "error.hpp"

#include <cstring>

#include "powersync/util/log.hpp"

namespace powersync::capi {
namespace {

struct LastError {
  powersync_status code = POWERSYNC_OK;
  std::string message;
  const char* fallback = nullptr;  // used when copying the message failed (out of memory)
  int sqlite_code = 0;
};

LastError& last_error() noexcept {
  thread_local LastError error;
  return error;
}

}  // namespace

void set_last_error(powersync_status code, const char* message, int sqlite_code) noexcept {
  LastError& error = last_error();
  error.code = code;
  error.sqlite_code = sqlite_code;
  try {
    error.message.assign(message != nullptr ? message : "");
    error.fallback = nullptr;
  } catch (...) {
    error.fallback = "out of memory (while recording an error message)";
  }
}

void log_swallowed(const char* where) noexcept {
  try {
    std::string text = std::string(where) + ": ";
    try {
      throw;
    } catch (const std::exception& e) {
      text += e.what();
    } catch (...) {
      text += "unknown exception";
    }
    log::warn(text);
  } catch (...) {
  }
}

}  // namespace powersync::capi


extern "C" {

const char* powersync_last_error_message(void) {
  const auto& error = powersync::capi::last_error();
  return error.fallback != nullptr ? error.fallback : error.message.c_str();
}

powersync_status powersync_last_error_code(void) { return powersync::capi::last_error().code; }

int32_t powersync_last_error_sqlite_code(void) { return powersync::capi::last_error().sqlite_code; }

const char* powersync_status_name(powersync_status status) {
  switch (status) {
    case POWERSYNC_OK: return "OK";
    case POWERSYNC_ERROR_INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case POWERSYNC_ERROR_SQL: return "SQL_ERROR";
    case POWERSYNC_ERROR_BUSY: return "BUSY";
    case POWERSYNC_ERROR_CLOSED: return "CLOSED";
    case POWERSYNC_ERROR_AUTH: return "AUTH_ERROR";
    case POWERSYNC_ERROR_NETWORK: return "NETWORK_ERROR";
    case POWERSYNC_ERROR_CALLBACK_FAILED: return "CALLBACK_FAILED";
    case POWERSYNC_ERROR_CANCELLED: return "CANCELLED";
    case POWERSYNC_ERROR_INTERNAL: return "INTERNAL_ERROR";
    default: return "UNKNOWN";
  }
}

}  // extern "C"
