// The _native extension module: versions, the error factory hook, the shutdown hook and
// the bound objects. Includes only powersync.h from the library.
#include "native.hpp"

namespace psnative {
namespace {
void shutdown() { g_finalizing.store(true); }
}  // namespace
}  // namespace psnative

PYBIND11_MODULE(_native, m) {
  namespace py = pybind11;
  using namespace psnative;
  m.doc() = "Thin binding of the powersync C ABI (powersync.h); use the powersync package instead.";
  m.attr("HEADER_VERSION") = POWERSYNC_VERSION_STRING;
  m.attr("HEADER_VERSION_NUMBER") = POWERSYNC_VERSION_NUMBER;
  m.def("library_version", [] { return std::string(powersync_version()); });
  m.def("library_version_number", [] { return powersync_version_number(); });
  m.def("sqlite_version", [] { return std::string(powersync_sqlite_version()); });
  m.def("status_name", [](int32_t status) { return std::string(powersync_status_name(status)); });
  m.def("set_error_factory", &set_error_factory, py::arg("factory"));
  m.def("shutdown", &shutdown, "Called at interpreter exit: callbacks stop entering Python.");
  bind_database(m);
  bind_transaction(m);
  bind_crud(m);
  bind_listeners(m);
  bind_logging(m);
  bind_sync(m);
  bind_streams(m);
}
