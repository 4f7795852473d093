// _native.Listener: on_change and watch registrations. The callbacks run on the library's
// notifier thread; they take the GIL, call the Python callable and never let an exception
// unwind into C.
#include "database.hpp"

#include <pybind11/stl.h>

namespace psnative {

namespace {

class Listener {
 public:
  explicit Listener(powersync_listener_t* listener) : listener_(listener) {}
  ~Listener() {
    if (g_finalizing.load()) return;  // the library may still call back; leak instead
    remove();
  }
  void remove() {
    py::gil_scoped_release nogil;
    std::lock_guard lock(mutex_);
    powersync_listener_remove(&listener_);
  }
  bool active() const { return listener_ != nullptr; }

 private:
  std::mutex mutex_;
  powersync_listener_t* listener_;
};

int32_t deliver_change(void* user_data, const char* const* tables, size_t count) {
  if (g_finalizing.load() || !Py_IsInitialized()) return POWERSYNC_OK;
  py::gil_scoped_acquire gil;
  try {
    py::list names(static_cast<py::ssize_t>(count));
    for (size_t i = 0; i < count; ++i) names[i] = py::str(tables[i]);
    static_cast<PyCallback*>(user_data)->callable(names);
    return POWERSYNC_OK;
  } catch (py::error_already_set& e) {
    e.discard_as_unraisable("powersync on_change callback");
  } catch (...) {
  }
  return POWERSYNC_ERROR_CALLBACK_FAILED;
}

int32_t deliver_rows(void* user_data, powersync_status status, const char* error_message,
                     powersync_cursor_t* rows) {
  if (g_finalizing.load() || !Py_IsInitialized()) return POWERSYNC_OK;
  py::gil_scoped_acquire gil;
  try {
    py::object result = rows != nullptr ? py::object(rows_of(rows)) : py::object(py::none());
    py::object message = error_message != nullptr ? py::object(py::str(error_message)) : py::object(py::none());
    static_cast<PyCallback*>(user_data)->callable(status, message, result);
    return POWERSYNC_OK;
  } catch (py::error_already_set& e) {
    e.discard_as_unraisable("powersync watch callback");
  } catch (...) {
  }
  return POWERSYNC_ERROR_CALLBACK_FAILED;
}

powersync_watch_options_t* watch_options(int32_t throttle_ms, bool skip_identical) {
  powersync_watch_options_t* options = nullptr;
  check(powersync_watch_options_new(&options));
  powersync_status status = powersync_watch_options_set_throttle_ms(options, throttle_ms);
  if (status == POWERSYNC_OK) status = powersync_watch_options_set_skip_identical(options, skip_identical);
  if (status != POWERSYNC_OK) {
    powersync_watch_options_free(&options);
    raise_last_error(status);
  }
  return options;
}

// Runs the C registration `register_fn(db, user_data, &listener)` with the GIL released. From
// that call on the library owns user_data (it frees it even when registering fails).
template <typename Register>
std::unique_ptr<Listener> register_listener(Database& db, py::object callback, Register&& register_fn) {
  Database::Use use(db);
  auto* user_data = new PyCallback(std::move(callback));
  powersync_listener_t* listener = nullptr;
  powersync_status status;
  {
    py::gil_scoped_release nogil;
    status = register_fn(use.db(), user_data, &listener);
  }
  check(status);
  return std::make_unique<Listener>(listener);
}

std::unique_ptr<Listener> on_change(Database& db, const std::vector<std::string>& tables, int32_t throttle_ms,
                                    py::object callback) {
  powersync_watch_options_t* options = watch_options(throttle_ms, false);
  std::vector<const char*> names;
  for (const auto& t : tables) names.push_back(t.c_str());
  return register_listener(db, std::move(callback), [&](powersync_db_t* handle, void* user_data,
                                                        powersync_listener_t** listener) {
    const powersync_status status = powersync_db_on_change(handle, names.data(), names.size(), options,
                                                           &deliver_change, user_data, &free_py_callback, listener);
    powersync_watch_options_free(&options);
    return status;
  });
}

std::unique_ptr<Listener> watch(Database& db, const std::string& sql, const py::object& params, int32_t throttle_ms,
                                bool skip_identical, py::object callback) {
  Params bound(params);
  powersync_watch_options_t* options = watch_options(throttle_ms, skip_identical);
  return register_listener(db, std::move(callback), [&](powersync_db_t* handle, void* user_data,
                                                        powersync_listener_t** listener) {
    const powersync_status status = powersync_db_watch(handle, sql.c_str(), bound.get(), options, &deliver_rows,
                                                       user_data, &free_py_callback, listener);
    powersync_watch_options_free(&options);
    return status;
  });
}

}  // namespace

py::object register_listener_object(Database& db, py::object callback, const ListenerRegistration& register_fn) {
  return py::cast(register_listener(db, std::move(callback), register_fn));
}

void bind_listeners(py::module_& m) {
  py::class_<Listener>(m, "Listener")
      .def("remove", &Listener::remove)
      .def_property_readonly("active", &Listener::active);
  auto database = py::reinterpret_borrow<py::class_<Database>>(m.attr("Database"));
  database.def("on_change", &on_change, py::arg("tables"), py::arg("throttle_ms"), py::arg("callback"));
  database.def("watch", &watch, py::arg("sql"), py::arg("params"), py::arg("throttle_ms"),
               py::arg("skip_identical"), py::arg("callback"));
}

}  // namespace psnative
