// _native.CrudBatch: entries of the upload queue and their completion.
#include "database.hpp"

#include <pybind11/stl.h>

#include <cstring>

namespace psnative {

namespace {

py::object optional_text(const char* text) {
  if (text == nullptr) return py::none();
  return py::reinterpret_steal<py::object>(PyUnicode_DecodeUTF8(text, static_cast<Py_ssize_t>(strlen(text)), "replace"));
}

class CrudBatch {
 public:
  explicit CrudBatch(powersync_crud_batch_t* batch) : batch_(batch) {}
  ~CrudBatch() { powersync_crud_batch_free(&batch_); }

  // (client_id, tx_id, op, table, id, data_json, old_json, metadata) per entry.
  py::list entries() const {
    const size_t count = powersync_crud_batch_count(batch_);
    py::list out(static_cast<py::ssize_t>(count));
    for (size_t i = 0; i < count; ++i) {
      const int64_t tx_id = powersync_crud_batch_get_tx_id(batch_, i);
      out[i] = py::make_tuple(powersync_crud_batch_get_client_id(batch_, i),
                              tx_id < 0 ? py::object(py::none()) : py::int_(tx_id),
                              powersync_crud_batch_get_op(batch_, i),
                              optional_text(powersync_crud_batch_get_table(batch_, i)),
                              optional_text(powersync_crud_batch_get_id(batch_, i)),
                              optional_text(powersync_crud_batch_get_data_json(batch_, i)),
                              optional_text(powersync_crud_batch_get_old_json(batch_, i)),
                              optional_text(powersync_crud_batch_get_metadata(batch_, i)));
    }
    return out;
  }

  bool has_more() const { return powersync_crud_batch_has_more(batch_); }

  void complete(const std::optional<std::string>& write_checkpoint) {
    powersync_status status;
    {
      py::gil_scoped_release nogil;
      std::lock_guard lock(mutex_);
      status = powersync_crud_batch_complete(batch_, write_checkpoint ? write_checkpoint->c_str() : nullptr);
    }
    check(status);
  }

 private:
  std::mutex mutex_;
  powersync_crud_batch_t* batch_;
};

std::unique_ptr<CrudBatch> wrap(powersync_crud_batch_t* batch) {
  if (batch == nullptr) return nullptr;
  return std::make_unique<CrudBatch>(batch);
}

std::unique_ptr<CrudBatch> get_crud_batch(Database& db, int32_t limit) {
  Database::Use use(db);
  powersync_crud_batch_t* batch = nullptr;
  powersync_status status;
  {
    py::gil_scoped_release nogil;
    status = powersync_db_get_crud_batch(use.db(), limit, &batch);
  }
  check(status);
  return wrap(batch);
}

std::unique_ptr<CrudBatch> get_next_crud_transaction(Database& db) {
  Database::Use use(db);
  powersync_crud_batch_t* batch = nullptr;
  powersync_status status;
  {
    py::gil_scoped_release nogil;
    status = powersync_db_get_next_crud_transaction(use.db(), &batch);
  }
  check(status);
  return wrap(batch);
}

}  // namespace

void bind_crud(py::module_& m) {
  py::class_<CrudBatch>(m, "CrudBatch")
      .def("entries", &CrudBatch::entries)
      .def_property_readonly("has_more", &CrudBatch::has_more)
      .def("complete", &CrudBatch::complete, py::arg("write_checkpoint") = py::none());
  auto database = py::reinterpret_borrow<py::class_<Database>>(m.attr("Database"));
  database.def("get_crud_batch", &get_crud_batch, py::arg("limit"));
  database.def("get_next_crud_transaction", &get_next_crud_transaction);
}

}  // namespace psnative
