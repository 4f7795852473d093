// Python values <-> powersync parameter lists and cursor rows, on the CPython API directly
// because this is the per-call hot path.
#include <string>

#include "native.hpp"

namespace psnative {

namespace {
void add_value(powersync_params_t* params, PyObject* value, Py_ssize_t index) {
  powersync_status status;
  if (value == Py_None) {
    status = powersync_params_add_null(params);
  } else if (PyBool_Check(value)) {
    status = powersync_params_add_int64(params, value == Py_True ? 1 : 0);
  } else if (PyLong_Check(value)) {
    int overflow = 0;
    const long long v = PyLong_AsLongLongAndOverflow(value, &overflow);
    if (overflow != 0)
      throw py::value_error("parameter " + std::to_string(index + 1) + " does not fit in a 64-bit integer");
    if (v == -1 && PyErr_Occurred()) throw py::error_already_set();
    status = powersync_params_add_int64(params, v);
  } else if (PyFloat_Check(value)) {
    status = powersync_params_add_double(params, PyFloat_AS_DOUBLE(value));
  } else if (PyUnicode_Check(value)) {
    Py_ssize_t size = 0;
    const char* text = PyUnicode_AsUTF8AndSize(value, &size);
    if (text == nullptr) throw py::error_already_set();
    status = powersync_params_add_text(params, text, static_cast<size_t>(size));
  } else if (PyObject_CheckBuffer(value)) {
    Py_buffer view;
    if (PyObject_GetBuffer(value, &view, PyBUF_SIMPLE) != 0) throw py::error_already_set();
    status = powersync_params_add_blob(params, view.buf, static_cast<size_t>(view.len));
    PyBuffer_Release(&view);
  } else {
    throw py::type_error("parameter " + std::to_string(index + 1) + " has unsupported type '" +
                         Py_TYPE(value)->tp_name + "' (use None, bool, int, float, str or bytes)");
  }
  check(status);
}
}  // namespace

Params::Params(const py::handle& values) {
  if (values.is_none()) return;
  if (PyUnicode_Check(values.ptr()) || PyBytes_Check(values.ptr()) || PyDict_Check(values.ptr()))
    throw py::type_error("parameters must be a sequence such as a list or tuple, not " +
                         std::string(Py_TYPE(values.ptr())->tp_name));
  PyObject* seq = PySequence_Fast(values.ptr(), "parameters must be a sequence such as a list or tuple");
  if (seq == nullptr) throw py::error_already_set();
  py::object owned = py::reinterpret_steal<py::object>(seq);
  const Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
  if (n == 0) return;
  check(powersync_params_new(&params_));
  PyObject** items = PySequence_Fast_ITEMS(seq);
  for (Py_ssize_t i = 0; i < n; ++i) add_value(params_, items[i], i);
}

namespace {
PyObject* cell(powersync_cursor_t* cursor, size_t column) {
  switch (powersync_cursor_type(cursor, column)) {
    case POWERSYNC_TYPE_INTEGER:
      return PyLong_FromLongLong(powersync_cursor_int64(cursor, column));
    case POWERSYNC_TYPE_REAL:
      return PyFloat_FromDouble(powersync_cursor_double(cursor, column));
    case POWERSYNC_TYPE_TEXT: {
      size_t length = 0;
      const char* text = powersync_cursor_text(cursor, column, &length);
      return PyUnicode_DecodeUTF8(text, static_cast<Py_ssize_t>(length), "replace");
    }
    case POWERSYNC_TYPE_BLOB: {
      size_t length = 0;
      const void* data = powersync_cursor_blob(cursor, column, &length);
      return PyBytes_FromStringAndSize(static_cast<const char*>(data), static_cast<Py_ssize_t>(length));
    }
    default:
      Py_RETURN_NONE;
  }
}
}  // namespace

py::list rows_of(powersync_cursor_t* cursor) {
  if (cursor == nullptr) return py::list();
  const size_t columns = powersync_cursor_column_count(cursor);
  std::vector<py::object> names;
  names.reserve(columns);
  for (size_t c = 0; c < columns; ++c) {
    const char* name = powersync_cursor_column_name(cursor, c);
    PyObject* key = PyUnicode_FromString(name != nullptr ? name : "");
    if (key == nullptr) throw py::error_already_set();
    PyUnicode_InternInPlace(&key);
    names.push_back(py::reinterpret_steal<py::object>(key));
  }
  py::list rows(static_cast<py::ssize_t>(powersync_cursor_row_count(cursor)));
  Py_ssize_t r = 0;
  while (powersync_cursor_step(cursor) == POWERSYNC_STEP_ROW) {
    PyObject* row = _PyDict_NewPresized(static_cast<Py_ssize_t>(columns));
    if (row == nullptr) throw py::error_already_set();
    PyList_SET_ITEM(rows.ptr(), r++, row);  // the list owns it from here on
    for (size_t c = 0; c < columns; ++c) {
      PyObject* value = cell(cursor, c);
      if (value == nullptr) throw py::error_already_set();
      const int failed = PyDict_SetItem(row, names[c].ptr(), value);
      Py_DECREF(value);
      if (failed != 0) throw py::error_already_set();
    }
  }
  powersync_cursor_reset(cursor);
  return rows;
}

}  // namespace psnative
