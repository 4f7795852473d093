// Shared pieces of the _native module: the thin pybind11 layer over powersync.h.
// It mirrors the C ABI without policy; the idiomatic API lives in the Python package.
#pragma once

#include <pybind11/pybind11.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "powersync.h"

namespace psnative {

namespace py = pybind11;

// Set by an atexit hook: after it, host callbacks no longer enter Python and user_data is
// leaked instead of freed, because the interpreter is going away.
extern std::atomic<bool> g_finalizing;

// Raises the exception that the Python error factory builds for the last error on this thread.
[[noreturn]] void raise_last_error(powersync_status status);
inline void check(powersync_status status) {
  if (status != POWERSYNC_OK) raise_last_error(status);
}
[[noreturn]] void raise_closed(const char* what);
void set_error_factory(py::object factory);

// Converts a Python sequence of values to a new parameter list (NULL for None / empty).
class Params {
 public:
  Params() = default;
  explicit Params(const py::handle& values);
  Params(const Params&) = delete;
  Params& operator=(const Params&) = delete;
  Params(Params&& other) noexcept : params_(other.params_) { other.params_ = nullptr; }
  ~Params() { powersync_params_free(&params_); }
  const powersync_params_t* get() const { return params_; }

 private:
  powersync_params_t* params_ = nullptr;
};

// The rows of a cursor as a list of dicts (column name -> value). Needs the GIL.
py::list rows_of(powersync_cursor_t* cursor);

// Owns a cursor and frees it.
struct CursorGuard {
  powersync_cursor_t* cursor = nullptr;
  ~CursorGuard() { powersync_cursor_free(&cursor); }
};

// A Python callable handed to the library as user_data. Freed with the GIL taken.
struct PyCallback {
  explicit PyCallback(py::object fn) : callable(std::move(fn)) {}
  py::object callable;
};
void free_py_callback(void* user_data);

class Database;
// A C listener registration, e.g. powersync_db_on_sync_status with its callback bound.
using ListenerRegistration = std::function<powersync_status(powersync_db_t*, void*, powersync_listener_t**)>;
// Registers `callback` through `register_fn` with the GIL released and returns the Listener
// handle; the library owns the callback from that call on (listeners.cpp).
py::object register_listener_object(Database& db, py::object callback, const ListenerRegistration& register_fn);


void bind_database(py::module_& m);
void bind_transaction(py::module_& m);
void bind_crud(py::module_& m);
void bind_listeners(py::module_& m);
void bind_logging(py::module_& m);
void bind_sync(py::module_& m);
void bind_streams(py::module_& m);

}  // namespace psnative
