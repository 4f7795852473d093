// _native.Database: open, statements, batches, schema updates, close. Every call that can
// block (the writer lock, a query, close) runs with the GIL released.
#include "database.hpp"

#include <pybind11/stl.h>

namespace psnative {

Database::Use::Use(Database& owner) : owner_(owner) {
  std::lock_guard lock(owner_.mutex_);
  if (owner_.closing_.load()) raise_closed("the database");
  ++owner_.in_flight_;
}

Database::Use::~Use() {
  std::lock_guard lock(owner_.mutex_);
  if (--owner_.in_flight_ == 0) owner_.idle_.notify_all();
}

void Database::close() {
  std::unique_lock lock(mutex_);
  if (closing_.exchange(true)) {
    idle_.wait(lock, [&] { return db_ == nullptr; });
    return;
  }
  // New calls now fail with ClosedError; calls from callbacks finish quickly for the same
  // reason, so waiting here cannot deadlock against powersync_db_close's callback wait.
  idle_.wait(lock, [&] { return in_flight_ == 0; });
  powersync_db_t* db = db_;
  lock.unlock();
  powersync_db_close(&db);
  lock.lock();
  db_ = nullptr;
  idle_.notify_all();
}

Database::~Database() {
  if (db_ != nullptr && !g_finalizing.load()) {
    py::gil_scoped_release nogil;
    close();
  }
}

namespace {

struct OpenArgs {
  std::string path = ":memory:";
  int32_t reader_count = 4;
  bool wal = true;
  int32_t busy_timeout_ms = 30000;
  int32_t cache_size_kib = 0;
};

std::unique_ptr<Database> open(const std::string& schema_json, const OpenArgs& args) {
  powersync_schema_t* schema = nullptr;
  check(powersync_schema_from_json(schema_json.c_str(), &schema));
  struct Free {
    powersync_schema_t*& schema;
    powersync_open_options_t* options = nullptr;
    ~Free() {
      powersync_schema_free(&schema);
      powersync_open_options_free(&options);
    }
  } owned{schema};
  check(powersync_open_options_new(&owned.options));
  check(powersync_open_options_set_path(owned.options, args.path.c_str()));
  check(powersync_open_options_set_reader_count(owned.options, args.reader_count));
  check(powersync_open_options_set_wal(owned.options, args.wal));
  check(powersync_open_options_set_busy_timeout_ms(owned.options, args.busy_timeout_ms));
  if (args.cache_size_kib > 0) check(powersync_open_options_set_cache_size_kib(owned.options, args.cache_size_kib));
  powersync_db_t* db = nullptr;
  powersync_status status;
  {
    py::gil_scoped_release nogil;
    status = powersync_db_open(owned.options, schema, &db);
  }
  check(status);
  auto database = std::make_unique<Database>(db);
  const char* client_id = nullptr;
  check(powersync_db_get_client_id(db, &client_id));
  database->set_client_id(client_id);
  return database;
}

// Result of execute: the rows a statement returned plus its counters.
py::tuple execute(Database& self, const std::string& sql, const py::object& params) {
  Params bound(params);
  Database::Use use(self);
  CursorGuard result;
  powersync_status status;
  {
    py::gil_scoped_release nogil;
    status = powersync_db_execute(use.db(), sql.c_str(), bound.get(), &result.cursor);
  }
  check(status);
  return py::make_tuple(rows_of(result.cursor), powersync_cursor_rows_affected(result.cursor),
                        powersync_cursor_last_insert_id(result.cursor));
}

py::list get_all(Database& self, const std::string& sql, const py::object& params) {
  Params bound(params);
  Database::Use use(self);
  CursorGuard rows;
  powersync_status status;
  {
    py::gil_scoped_release nogil;
    status = powersync_db_get_all(use.db(), sql.c_str(), bound.get(), &rows.cursor);
  }
  check(status);
  return rows_of(rows.cursor);
}

int64_t execute_batch(Database& self, const std::string& sql, const py::iterable& param_sets) {
  std::vector<Params> sets;
  for (const auto& item : param_sets) sets.emplace_back(item);
  // An empty list still needs a (NULL) params pointer per statement run.
  std::vector<powersync_params_t*> empties;
  std::vector<const powersync_params_t*> pointers;
  pointers.reserve(sets.size());
  for (auto& set : sets) {
    if (set.get() == nullptr) {
      powersync_params_t* empty = nullptr;
      check(powersync_params_new(&empty));
      empties.push_back(empty);
      pointers.push_back(empty);
    } else {
      pointers.push_back(set.get());
    }
  }
  struct FreeEmpties {
    std::vector<powersync_params_t*>& list;
    ~FreeEmpties() {
      for (auto*& p : list) powersync_params_free(&p);
    }
  } free_empties{empties};
  Database::Use use(self);
  int64_t changed = 0;
  powersync_status status;
  {
    py::gil_scoped_release nogil;
    status = powersync_db_execute_batch(use.db(), sql.c_str(), pointers.data(), pointers.size(), &changed);
  }
  check(status);
  return changed;
}

void update_schema(Database& self, const std::string& schema_json) {
  powersync_schema_t* schema = nullptr;
  check(powersync_schema_from_json(schema_json.c_str(), &schema));
  Database::Use use(self);
  powersync_status status;
  {
    py::gil_scoped_release nogil;
    status = powersync_db_update_schema(use.db(), schema);
  }
  powersync_schema_free(&schema);
  check(status);
}

py::tuple upload_queue_stats(Database& self) {
  Database::Use use(self);
  int64_t count = 0, size = 0;
  powersync_status status;
  {
    py::gil_scoped_release nogil;
    status = powersync_db_get_upload_queue_stats(use.db(), &count, &size);
  }
  check(status);
  return py::make_tuple(count, size);
}

}  // namespace

void bind_database(py::module_& m) {
  py::class_<Database>(m, "Database")
      .def_static(
          "open",
          [](const std::string& schema_json, const std::string& path, int32_t reader_count, bool wal,
             int32_t busy_timeout_ms, int32_t cache_size_kib) {
            return open(schema_json, OpenArgs{path, reader_count, wal, busy_timeout_ms, cache_size_kib});
          },
          py::arg("schema_json"), py::arg("path"), py::arg("reader_count"), py::arg("wal"),
          py::arg("busy_timeout_ms"), py::arg("cache_size_kib"))
      .def("execute", &execute, py::arg("sql"), py::arg("params"))
      .def("get_all", &get_all, py::arg("sql"), py::arg("params"))
      .def("execute_batch", &execute_batch, py::arg("sql"), py::arg("param_sets"))
      .def("update_schema", &update_schema, py::arg("schema_json"))
      .def("upload_queue_stats", &upload_queue_stats)
      .def_property_readonly("client_id", &Database::client_id_copy)
      .def_property_readonly("closed", &Database::closed)
      .def("close", [](Database& self) {
        py::gil_scoped_release nogil;
        self.close();
      });

  m.def("validate_schema", [](const std::string& json) {
    powersync_schema_t* schema = nullptr;
    check(powersync_schema_from_json(json.c_str(), &schema));
    std::string canonical = powersync_schema_get_json(schema);
    powersync_schema_free(&schema);
    return canonical;
  });
}

}  // namespace psnative
