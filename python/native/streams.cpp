// _native Sync Streams: subscribe / unsubscribe_all and the subscription handle.
#include <pybind11/stl.h>

#include <optional>
#include <shared_mutex>

#include "database.hpp"

namespace psnative {

namespace {

// A subscription handle. Waits hold it shared; unsubscribe() takes it exclusively so the
// handle is never freed under a wait on another thread.
class StreamSubscription {
 public:
  explicit StreamSubscription(powersync_stream_subscription_t* handle) : handle_(handle) {
    name_ = powersync_stream_subscription_get_name(handle);
    const char* params = powersync_stream_subscription_get_params_json(handle);
    if (params != nullptr) params_json_ = params;
  }
  ~StreamSubscription() {
    if (g_finalizing.load()) return;
    py::gil_scoped_release nogil;
    std::unique_lock lock(mutex_);
    powersync_stream_subscription_unsubscribe(&handle_);
  }

  bool wait_for_first_sync(int32_t timeout_ms) {
    bool synced = false;
    powersync_status status;
    {
      py::gil_scoped_release nogil;
      std::shared_lock lock(mutex_);
      status = handle_ == nullptr ? -1 : powersync_stream_subscription_wait_for_first_sync(handle_, timeout_ms, &synced);
    }
    if (status == -1) raise_closed("the subscription");
    check(status);
    return synced;
  }

  void unsubscribe() {
    py::gil_scoped_release nogil;
    std::unique_lock lock(mutex_);
    powersync_stream_subscription_unsubscribe(&handle_);
  }

  bool active() {
    std::shared_lock lock(mutex_);
    return handle_ != nullptr;
  }

  std::string name_;
  std::optional<std::string> params_json_;

 private:
  std::shared_mutex mutex_;
  powersync_stream_subscription_t* handle_;
};

std::unique_ptr<StreamSubscription> subscribe(Database& db, const std::string& name,
                                              const std::optional<std::string>& params_json,
                                              std::optional<int64_t> ttl_seconds, std::optional<int32_t> priority) {
  powersync_subscribe_options_t* options = nullptr;
  check(powersync_subscribe_options_new(&options));
  struct Free {
    powersync_subscribe_options_t*& options;
    ~Free() { powersync_subscribe_options_free(&options); }
  } free_options{options};
  if (ttl_seconds) check(powersync_subscribe_options_set_ttl_seconds(options, *ttl_seconds));
  if (priority) check(powersync_subscribe_options_set_priority(options, *priority));
  Database::Use use(db);
  powersync_stream_subscription_t* handle = nullptr;
  powersync_status status;
  {
    py::gil_scoped_release nogil;
    status = powersync_db_subscribe_stream(use.db(), name.c_str(), params_json ? params_json->c_str() : nullptr,
                                           options, &handle);
  }
  check(status);
  return std::make_unique<StreamSubscription>(handle);
}

void unsubscribe_all(Database& db, const std::string& name, const std::optional<std::string>& params_json) {
  Database::Use use(db);
  powersync_status status;
  {
    py::gil_scoped_release nogil;
    status = powersync_db_unsubscribe_all_stream(use.db(), name.c_str(), params_json ? params_json->c_str() : nullptr);
  }
  check(status);
}

}  // namespace

void bind_streams(py::module_& m) {
  py::class_<StreamSubscription>(m, "StreamSubscription")
      .def_readonly("name", &StreamSubscription::name_)
      .def_readonly("params_json", &StreamSubscription::params_json_)
      .def("wait_for_first_sync", &StreamSubscription::wait_for_first_sync, py::arg("timeout_ms"))
      .def("unsubscribe", &StreamSubscription::unsubscribe)
      .def_property_readonly("active", &StreamSubscription::active);
  auto database = py::reinterpret_borrow<py::class_<Database>>(m.attr("Database"));
  database.def("subscribe_stream", &subscribe, py::arg("name"), py::arg("params_json"), py::arg("ttl_seconds"),
               py::arg("priority"));
  database.def("unsubscribe_all_stream", &unsubscribe_all, py::arg("name"), py::arg("params_json"));
}

}  // namespace psnative
