// Turns a failed powersync_status into the package's exception, built by a Python factory
// so that the exception classes live (and are documented) in Python.
#include "native.hpp"

namespace psnative {

std::atomic<bool> g_finalizing{false};

namespace {
py::object& factory() {
  static auto* f = new py::object();  // leaked: must not be destroyed after the interpreter
  return *f;
}

[[noreturn]] void raise(int32_t status, const std::string& message, int32_t sqlite_code) {
  if (!factory()) throw std::runtime_error(message);
  py::object exc = factory()(status, message, sqlite_code);
  PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(exc.ptr())), exc.ptr());
  throw py::error_already_set();
}
}  // namespace

void set_error_factory(py::object f) { factory() = std::move(f); }

void raise_last_error(powersync_status status) {
  // Read everything before any other powersync call can replace the thread's last error.
  const std::string message = powersync_last_error_message();
  const int32_t sqlite_code = powersync_last_error_sqlite_code();
  raise(status, message, sqlite_code);
}

void raise_closed(const char* what) { raise(POWERSYNC_ERROR_CLOSED, std::string(what) + " is closed", 0); }

void free_py_callback(void* user_data) {
  auto* callback = static_cast<PyCallback*>(user_data);
  if (callback == nullptr) return;
  if (g_finalizing.load() || !Py_IsInitialized()) return;  // leak rather than touch a dying interpreter
  py::gil_scoped_acquire gil;
  delete callback;
}

}  // namespace psnative
