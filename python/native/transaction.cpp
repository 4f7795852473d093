// _native.Transaction: a read or write transaction holding one connection.
#include "database.hpp"

namespace psnative {

namespace {

// The C transaction is used from one thread at a time; the mutex makes that true even
// when Python threads share the object.
class Transaction {
 public:
  explicit Transaction(powersync_tx_t* tx) : tx_(tx) {}
  ~Transaction() {
    py::gil_scoped_release nogil;
    std::lock_guard lock(mutex_);
    powersync_tx_free(&tx_);
  }

  py::tuple execute(const std::string& sql, const py::object& params) {
    Params bound(params);
    CursorGuard result;
    const powersync_status status = run([&](powersync_tx_t* tx) {
      return powersync_tx_execute(tx, sql.c_str(), bound.get(), &result.cursor);
    });
    check(status);
    return py::make_tuple(rows_of(result.cursor), powersync_cursor_rows_affected(result.cursor),
                          powersync_cursor_last_insert_id(result.cursor));
  }

  py::list get_all(const std::string& sql, const py::object& params) {
    Params bound(params);
    CursorGuard rows;
    check(run([&](powersync_tx_t* tx) { return powersync_tx_get_all(tx, sql.c_str(), bound.get(), &rows.cursor); }));
    return rows_of(rows.cursor);
  }

  void commit() { check(run([](powersync_tx_t* tx) { return powersync_tx_commit(tx); })); }
  void rollback() { check(run([](powersync_tx_t* tx) { return powersync_tx_rollback(tx); })); }

  void free() {
    py::gil_scoped_release nogil;
    std::lock_guard lock(mutex_);
    powersync_tx_free(&tx_);
  }

 private:
  template <typename Call>
  powersync_status run(Call&& call) {
    py::gil_scoped_release nogil;
    std::lock_guard lock(mutex_);
    if (tx_ == nullptr) {
      py::gil_scoped_acquire gil;
      raise_closed("the transaction");
    }
    return call(tx_);
  }

  std::mutex mutex_;
  powersync_tx_t* tx_;
};

template <powersync_status (*Begin)(powersync_db_t*, powersync_tx_t**)>
std::unique_ptr<Transaction> begin(Database& db) {
  Database::Use use(db);
  powersync_tx_t* tx = nullptr;
  powersync_status status;
  {
    py::gil_scoped_release nogil;
    status = Begin(use.db(), &tx);
  }
  check(status);
  return std::make_unique<Transaction>(tx);
}

}  // namespace

void bind_transaction(py::module_& m) {
  py::class_<Transaction>(m, "Transaction")
      .def("execute", &Transaction::execute, py::arg("sql"), py::arg("params"))
      .def("get_all", &Transaction::get_all, py::arg("sql"), py::arg("params"))
      .def("commit", &Transaction::commit)
      .def("rollback", &Transaction::rollback)
      .def("free", &Transaction::free);
  auto database = py::reinterpret_borrow<py::class_<Database>>(m.attr("Database"));
  database.def("begin_write", &begin<powersync_db_begin_write>);
  database.def("begin_read", &begin<powersync_db_begin_read>);
}

}  // namespace psnative
