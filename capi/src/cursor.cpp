// powersync_cursor_t: typed, row-by-row access to an owned (or, in callbacks, borrowed) result.

#include <cmath>
#include <limits>

#include "error.hpp"
#include "handles.hpp"

using namespace powersync;
using namespace powersync::capi;

namespace {

constexpr std::size_t kBeforeFirst = static_cast<std::size_t>(-1);

// The cell of the current row, or nullptr when there is no current row or no such column.
const Value* current_cell(const powersync_cursor_t* cursor, size_t column) noexcept {
  if (cursor == nullptr || cursor->row == kBeforeFirst) return nullptr;
  const ResultSet& rows = *cursor->rows;
  if (cursor->row >= rows.row_count() || column >= rows.columns.size()) return nullptr;
  return &rows.cells[cursor->row * rows.columns.size() + column];
}

}  // namespace

extern "C" {

int32_t powersync_cursor_step(powersync_cursor_t* cursor) {
  if (cursor == nullptr) return POWERSYNC_STEP_DONE;
  const size_t count = cursor->rows->row_count();
  const size_t next = cursor->row == kBeforeFirst ? 0 : cursor->row + 1;
  if (next < count) {
    cursor->row = next;
    return POWERSYNC_STEP_ROW;
  }
  cursor->row = count;  // past the end: stays DONE until reset
  return POWERSYNC_STEP_DONE;
}

void powersync_cursor_reset(powersync_cursor_t* cursor) {
  if (cursor != nullptr) cursor->row = kBeforeFirst;
}

size_t powersync_cursor_row_count(const powersync_cursor_t* cursor) {
  return cursor != nullptr ? cursor->rows->row_count() : 0;
}

size_t powersync_cursor_column_count(const powersync_cursor_t* cursor) {
  return cursor != nullptr ? cursor->rows->columns.size() : 0;
}

const char* powersync_cursor_column_name(const powersync_cursor_t* cursor, size_t column) {
  if (cursor == nullptr || column >= cursor->rows->columns.size()) return nullptr;
  return cursor->rows->columns[column].c_str();
}

int32_t powersync_cursor_type(const powersync_cursor_t* cursor, size_t column) {
  const Value* cell = current_cell(cursor, column);
  return cell != nullptr ? static_cast<int32_t>(cell->index()) : POWERSYNC_TYPE_NULL;
}

int64_t powersync_cursor_int64(const powersync_cursor_t* cursor, size_t column) {
  const Value* cell = current_cell(cursor, column);
  if (cell == nullptr) return 0;
  if (const auto* i = std::get_if<std::int64_t>(cell)) return *i;
  if (const auto* d = std::get_if<double>(cell)) {
    // Like sqlite3_column_int64: truncate, saturating at the int64 range (NaN reads as 0).
    if (std::isnan(*d)) return 0;
    if (*d <= static_cast<double>(std::numeric_limits<int64_t>::min())) return std::numeric_limits<int64_t>::min();
    if (*d >= static_cast<double>(std::numeric_limits<int64_t>::max())) return std::numeric_limits<int64_t>::max();
    return static_cast<int64_t>(*d);
  }
  return 0;
}

double powersync_cursor_double(const powersync_cursor_t* cursor, size_t column) {
  const Value* cell = current_cell(cursor, column);
  if (cell == nullptr) return 0.0;
  if (const auto* d = std::get_if<double>(cell)) return *d;
  if (const auto* i = std::get_if<std::int64_t>(cell)) return static_cast<double>(*i);
  return 0.0;
}

const char* powersync_cursor_text(const powersync_cursor_t* cursor, size_t column, size_t* out_length) {
  if (out_length != nullptr) *out_length = 0;
  const auto* text = std::get_if<std::string>(current_cell(cursor, column));
  if (text == nullptr) return nullptr;
  if (out_length != nullptr) *out_length = text->size();
  return text->c_str();
}

const void* powersync_cursor_blob(const powersync_cursor_t* cursor, size_t column, size_t* out_length) {
  static const std::uint8_t empty_blob = 0;  // a zero-length BLOB still gets a non-NULL pointer
  if (out_length != nullptr) *out_length = 0;
  const auto* blob = std::get_if<Blob>(current_cell(cursor, column));
  if (blob == nullptr) return nullptr;
  if (out_length != nullptr) *out_length = blob->bytes.size();
  return blob->bytes.empty() ? &empty_blob : blob->bytes.data();
}

int64_t powersync_cursor_rows_affected(const powersync_cursor_t* cursor) {
  return cursor != nullptr ? cursor->rows->rows_affected : 0;
}

int64_t powersync_cursor_last_insert_id(const powersync_cursor_t* cursor) {
  return cursor != nullptr ? cursor->rows->last_insert_id : 0;
}

void powersync_cursor_free(powersync_cursor_t** cursor) {
  if (cursor == nullptr) return;
  delete *cursor;
  *cursor = nullptr;
}

}  // extern "C"
