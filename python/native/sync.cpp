// _native sync: connect with a connector whose callbacks hand request objects to Python,
// disconnect, status snapshots (as the library's JSON form) and status listeners.
// The connector callbacks run on a sync worker thread: they take the GIL only to pass the
// request on and return at once; Python finishes the request later from any thread.
#include <pybind11/stl.h>

#include <chrono>
#include <condition_variable>
#include <optional>

#include "database.hpp"

namespace psnative {

namespace {

// A credentials or upload request; finishing or dropping it frees the C handle.
template <typename Handle, void (*Free)(Handle**)>
class Request {
 public:
  explicit Request(Handle* handle) : handle_(handle) {}
  ~Request() {
    std::lock_guard lock(mutex_);
    Free(&handle_);  // an unfinished request fails
  }

  template <typename Finish>
  void finish(Finish&& call) {
    powersync_status status;
    {
      py::gil_scoped_release nogil;
      std::lock_guard lock(mutex_);
      if (handle_ == nullptr) {
        status = -1;
      } else {
        status = call(&handle_);
      }
    }
    if (status == -1) throw py::value_error("this request was already finished");
    check(status);
  }

  bool open() {
    std::lock_guard lock(mutex_);
    return handle_ != nullptr;
  }

 private:
  std::mutex mutex_;
  Handle* handle_;
};

using CredentialsRequest = Request<powersync_credentials_request_t, powersync_credentials_request_free>;
using UploadRequest = Request<powersync_upload_request_t, powersync_upload_request_free>;

// The Python side of a connection: two callables taking a request object.
struct PyConnector {
  py::object fetch_credentials;
  py::object upload_data;
};

void free_connector(void* user_data) {
  auto* connector = static_cast<PyConnector*>(user_data);
  if (connector == nullptr || g_finalizing.load() || !Py_IsInitialized()) return;
  py::gil_scoped_acquire gil;
  delete connector;
}

template <typename Wrapped, typename Handle>
int32_t hand_over(py::object PyConnector::*member, void* user_data, Handle* handle, const char* where) {
  if (g_finalizing.load() || !Py_IsInitialized()) return POWERSYNC_ERROR_CANCELLED;
  py::gil_scoped_acquire gil;
  try {
    auto request = std::make_unique<Wrapped>(handle);
    (static_cast<PyConnector*>(user_data)->*member)(py::cast(std::move(request)));
    return POWERSYNC_OK;
  } catch (py::error_already_set& e) {
    e.discard_as_unraisable(where);
  } catch (...) {
  }
  return POWERSYNC_ERROR_CALLBACK_FAILED;
}

int32_t fetch_credentials_cb(void* user_data, powersync_credentials_request_t* request) {
  return hand_over<CredentialsRequest>(&PyConnector::fetch_credentials, user_data, request,
                                       "powersync fetch_credentials");
}

int32_t upload_data_cb(void* user_data, powersync_upload_request_t* request) {
  return hand_over<UploadRequest>(&PyConnector::upload_data, user_data, request, "powersync upload_data");
}

struct ConnectArgs {
  std::optional<std::string> params_json;
  std::optional<std::string> app_metadata_json;
  bool include_default_streams = true;
  int32_t retry_delay_ms = 5000;
  int32_t crud_upload_throttle_ms = 1000;
  std::optional<int32_t> stream_idle_timeout_ms;
  std::optional<std::string> user_agent_binding;
  std::optional<std::string> ca_bundle_path;
};

void connect(Database& db, py::object fetch_credentials, py::object upload_data, const ConnectArgs& args) {
  powersync_connect_options_t* options = nullptr;
  check(powersync_connect_options_new(&options));
  struct FreeOptions {
    powersync_connect_options_t*& options;
    ~FreeOptions() { powersync_connect_options_free(&options); }
  } free_options{options};
  if (args.params_json) check(powersync_connect_options_set_params_json(options, args.params_json->c_str()));
  if (args.app_metadata_json)
    check(powersync_connect_options_set_app_metadata_json(options, args.app_metadata_json->c_str()));
  check(powersync_connect_options_set_include_default_streams(options, args.include_default_streams));
  check(powersync_connect_options_set_retry_delay_ms(options, args.retry_delay_ms));
  check(powersync_connect_options_set_crud_upload_throttle_ms(options, args.crud_upload_throttle_ms));
  if (args.stream_idle_timeout_ms)
    check(powersync_connect_options_set_stream_idle_timeout_ms(options, *args.stream_idle_timeout_ms));
  if (args.user_agent_binding)
    check(powersync_connect_options_set_user_agent_binding(options, args.user_agent_binding->c_str()));
  if (args.ca_bundle_path) check(powersync_connect_options_set_ca_bundle_path(options, args.ca_bundle_path->c_str()));

  Database::Use use(db);
  powersync_connector_t connector{};
  connector.struct_size = sizeof(powersync_connector_t);
  connector.user_data = new PyConnector{std::move(fetch_credentials), std::move(upload_data)};
  connector.fetch_credentials = &fetch_credentials_cb;
  connector.upload_data = &upload_data_cb;
  connector.free_user_data = &free_connector;
  powersync_status status;
  {
    py::gil_scoped_release nogil;
    status = powersync_db_connect(use.db(), &connector, options);
  }
  check(status);
}

template <typename Call>
void blocking(Database& db, Call&& call) {
  Database::Use use(db);
  powersync_status status;
  {
    py::gil_scoped_release nogil;
    status = call(use.db());
  }
  check(status);
}

std::string status_json(const powersync_sync_status_t* status) {
  const char* json = powersync_sync_status_get_json(status);
  return json != nullptr ? json : "{}";
}

std::string get_sync_status(Database& db) {
  Database::Use use(db);
  powersync_sync_status_t* status = nullptr;
  check(powersync_db_get_sync_status(use.db(), &status));
  std::string json = status_json(status);
  powersync_sync_status_free(&status);
  return json;
}

int32_t deliver_status(void* user_data, const powersync_sync_status_t* status) {
  if (g_finalizing.load() || !Py_IsInitialized()) return POWERSYNC_OK;
  const std::string json = status_json(status);  // before taking the GIL
  py::gil_scoped_acquire gil;
  try {
    static_cast<PyCallback*>(user_data)->callable(json);
    return POWERSYNC_OK;
  } catch (py::error_already_set& e) {
    e.discard_as_unraisable("powersync sync status callback");
  } catch (...) {
  }
  return POWERSYNC_ERROR_CALLBACK_FAILED;
}

// Waits for a first sync without holding the database handle, so close() can proceed and
// end the wait: the status listener's free_user_data runs on close and wakes the waiter.
struct FirstSyncWait {
  explicit FirstSyncWait(int32_t wanted) : priority(wanted) {}
  const int32_t priority;
  std::mutex mutex;
  std::condition_variable changed;
  bool synced = false;
  bool ended = false;  // the listener was removed (database closed)

  bool reached(const powersync_sync_status_t* status) const {
    if (powersync_sync_status_has_synced(status)) return true;
    if (priority < 0) return false;
    const size_t count = powersync_sync_status_priority_count(status);
    for (size_t i = 0; i < count; ++i) {
      int32_t entry_priority = 0;
      bool entry_synced = false;
      int64_t at = 0;
      if (powersync_sync_status_priority_at(status, i, &entry_priority, &entry_synced, &at) == POWERSYNC_OK &&
          entry_synced && entry_priority >= priority)
        return true;
    }
    return false;
  }
  void offer(const powersync_sync_status_t* status) {
    if (!reached(status)) return;
    std::lock_guard lock(mutex);
    synced = true;
    changed.notify_all();
  }
};

int32_t first_sync_status(void* user_data, const powersync_sync_status_t* status) {
  (*static_cast<std::shared_ptr<FirstSyncWait>*>(user_data))->offer(status);
  return POWERSYNC_OK;
}

void first_sync_ended(void* user_data) {
  auto* wait = static_cast<std::shared_ptr<FirstSyncWait>*>(user_data);
  {
    std::lock_guard lock((*wait)->mutex);
    (*wait)->ended = true;
    (*wait)->changed.notify_all();
  }
  delete wait;
}

bool wait_for_first_sync(Database& db, int32_t priority, int32_t timeout_ms) {
  auto wait = std::make_shared<FirstSyncWait>(priority);
  powersync_listener_t* listener = nullptr;
  powersync_sync_status_t* current = nullptr;
  {
    Database::Use use(db);  // only while registering: the wait itself must not hold close() up
    powersync_status status = powersync_db_on_sync_status(use.db(), &first_sync_status,
                                                          new std::shared_ptr<FirstSyncWait>(wait), &first_sync_ended,
                                                          &listener);
    check(status);
    status = powersync_db_get_sync_status(use.db(), &current);
    if (status != POWERSYNC_OK) {
      powersync_listener_remove(&listener);
      raise_last_error(status);
    }
  }
  wait->offer(current);
  powersync_sync_status_free(&current);
  bool synced, ended;
  {
    py::gil_scoped_release nogil;
    std::unique_lock lock(wait->mutex);
    auto done = [&] { return wait->synced || wait->ended; };
    if (timeout_ms < 0)
      wait->changed.wait(lock, done);
    else
      wait->changed.wait_for(lock, std::chrono::milliseconds(timeout_ms), done);
    synced = wait->synced;
    ended = wait->ended;
    lock.unlock();
    powersync_listener_remove(&listener);
  }
  if (!synced && ended) raise_closed("the database");
  return synced;
}

}  // namespace


void bind_sync(py::module_& m) {
  py::class_<CredentialsRequest>(m, "CredentialsRequest")
      .def("complete",
           [](CredentialsRequest& self, const std::string& endpoint, const std::string& token, int64_t expires_at_ms) {
             self.finish([&](powersync_credentials_request_t** handle) {
               return powersync_credentials_request_complete(handle, endpoint.c_str(), token.c_str(), expires_at_ms);
             });
           },
           py::arg("endpoint"), py::arg("token"), py::arg("expires_at_ms"))
      .def("signed_out",
           [](CredentialsRequest& self) { self.finish(&powersync_credentials_request_signed_out); })
      .def("fail",
           [](CredentialsRequest& self, const std::string& message) {
             self.finish([&](powersync_credentials_request_t** handle) {
               return powersync_credentials_request_fail(handle, message.c_str());
             });
           },
           py::arg("message"))
      .def_property_readonly("open", &CredentialsRequest::open);
  py::class_<UploadRequest>(m, "UploadRequest")
      .def("complete", [](UploadRequest& self) { self.finish(&powersync_upload_request_complete); })
      .def("fail",
           [](UploadRequest& self, const std::string& message) {
             self.finish([&](powersync_upload_request_t** handle) {
               return powersync_upload_request_fail(handle, message.c_str());
             });
           },
           py::arg("message"))
      .def_property_readonly("open", &UploadRequest::open);

  auto database = py::reinterpret_borrow<py::class_<Database>>(m.attr("Database"));
  database.def(
      "connect",
      [](Database& db, py::object fetch_credentials, py::object upload_data, std::optional<std::string> params_json,
         std::optional<std::string> app_metadata_json, bool include_default_streams, int32_t retry_delay_ms,
         int32_t crud_upload_throttle_ms, std::optional<int32_t> stream_idle_timeout_ms,
         std::optional<std::string> user_agent_binding, std::optional<std::string> ca_bundle_path) {
        connect(db, std::move(fetch_credentials), std::move(upload_data),
                ConnectArgs{std::move(params_json), std::move(app_metadata_json), include_default_streams,
                            retry_delay_ms, crud_upload_throttle_ms, stream_idle_timeout_ms,
                            std::move(user_agent_binding), std::move(ca_bundle_path)});
      },
      py::arg("fetch_credentials"), py::arg("upload_data"), py::arg("params_json"), py::arg("app_metadata_json"),
      py::arg("include_default_streams"), py::arg("retry_delay_ms"), py::arg("crud_upload_throttle_ms"),
      py::arg("stream_idle_timeout_ms"), py::arg("user_agent_binding"), py::arg("ca_bundle_path"));
  database.def("disconnect", [](Database& db) { blocking(db, &powersync_db_disconnect); });
  database.def(
      "disconnect_and_clear",
      [](Database& db, bool clear_local) {
        blocking(db, [&](powersync_db_t* handle) { return powersync_db_disconnect_and_clear(handle, clear_local); });
      },
      py::arg("clear_local"));
  database.def("get_sync_status", &get_sync_status);
  database.def("wait_for_first_sync", &wait_for_first_sync, py::arg("priority"), py::arg("timeout_ms"));
  database.def(
      "on_sync_status",
      [](Database& db, py::object callback) {
        return register_listener_object(
            db, std::move(callback), [](powersync_db_t* handle, void* user_data, powersync_listener_t** listener) {
              return powersync_db_on_sync_status(handle, &deliver_status, user_data, &free_py_callback, listener);
            });
      },
      py::arg("callback"));
}

}  // namespace psnative
