// _native.set_logger: routes the library's log records to a Python callable(level, message).
// Records may come from any thread; the callable runs with the GIL taken.
#include "native.hpp"

namespace psnative {

namespace {
void deliver_log(void* user_data, int32_t level, const char* message) {
  if (g_finalizing.load() || !Py_IsInitialized()) return;
  py::gil_scoped_acquire gil;
  try {
    static_cast<PyCallback*>(user_data)->callable(level, message);
  } catch (py::error_already_set& e) {
    e.discard_as_unraisable("powersync log callback");
  } catch (...) {
  }
}

void set_logger(int32_t min_level, py::object callback) {
  powersync_status status;
  if (callback.is_none()) {
    py::gil_scoped_release nogil;
    status = powersync_set_logger(min_level, nullptr, nullptr, nullptr);
  } else {
    auto* user_data = new PyCallback(std::move(callback));
    py::gil_scoped_release nogil;  // the previous logger may be mid-call and need the GIL
    status = powersync_set_logger(min_level, &deliver_log, user_data, &free_py_callback);
  }
  check(status);
}
}  // namespace

void bind_logging(py::module_& m) { m.def("set_logger", &set_logger, py::arg("min_level"), py::arg("callback")); }

}  // namespace psnative
