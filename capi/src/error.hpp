#pragma once
// The one noexcept funnel every exported function runs through, and the thread-local
// "last error" it records. No exception leaves the library (ARCHITECTURE.md, C ABI rule 4).

#include <exception>
#include <new>
#include <string>
#include <utility>

#include "powersync.h"
#include "powersync/util/error.hpp"

namespace powersync::capi {

// Records a failure for powersync_last_error_*(). Successful calls leave it alone.
void set_last_error(powersync_status code, const char* message, int sqlite_code = 0) noexcept;

// Throws Error(invalid_argument) naming `name` when `pointer` is NULL.
template <typename T>
inline void require(const T* pointer, const char* name) {
  if (pointer == nullptr) throw Error(ErrorCode::invalid_argument, std::string("argument '") + name + "' is NULL");
}

// Maps whatever `body` throws to a status and a last error. `body` returns void.
template <typename F>
powersync_status guarded(F&& body) noexcept {
  try {
    std::forward<F>(body)();
    return POWERSYNC_OK;
  } catch (const Error& e) {
    const auto code = static_cast<powersync_status>(e.code());
    const auto status = (code > POWERSYNC_OK && code <= POWERSYNC_ERROR_INTERNAL) ? code : POWERSYNC_ERROR_INTERNAL;
    set_last_error(status, e.what(), e.sqlite_code());
    return status;
  } catch (const std::bad_alloc&) {
    set_last_error(POWERSYNC_ERROR_INTERNAL, "out of memory");
    return POWERSYNC_ERROR_INTERNAL;
  } catch (const std::exception& e) {
    set_last_error(POWERSYNC_ERROR_INTERNAL, e.what());
    return POWERSYNC_ERROR_INTERNAL;
  } catch (...) {
    set_last_error(POWERSYNC_ERROR_INTERNAL, "unknown exception");
    return POWERSYNC_ERROR_INTERNAL;
  }
}

// For functions that cannot report a status (destructors): failures are logged.
void log_swallowed(const char* where) noexcept;

template <typename F>
void guarded_void(const char* where, F&& body) noexcept {
  try {
    std::forward<F>(body)();
  } catch (...) {
    log_swallowed(where);
  }
}

}  // namespace powersync::capi
