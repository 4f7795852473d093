// Parameter lists and typed cursor access.

#include <cstring>

#include "capi_test_support.hpp"

using namespace capi_test;

TEST(CapiParams, CountClearAndValidation) {
  powersync_params_t* p = nullptr;
  ASSERT_OK(powersync_params_new(&p));
  EXPECT_EQ(0u, powersync_params_count(p));
  ASSERT_OK(powersync_params_add_null(p));
  ASSERT_OK(powersync_params_add_int64(p, 7));
  ASSERT_OK(powersync_params_add_double(p, 1.5));
  ASSERT_OK(powersync_params_add_text(p, "abc", 3));
  ASSERT_OK(powersync_params_add_blob(p, "\x00\x01", 2));
  ASSERT_OK(powersync_params_add_text(p, nullptr, 0));  // empty text
  ASSERT_OK(powersync_params_add_blob(p, nullptr, 0));  // empty blob
  EXPECT_EQ(7u, powersync_params_count(p));

  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_params_add_text(p, nullptr, 3));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_params_add_blob(p, nullptr, 3));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_params_add_text(p, "\xff\xfe", 2));
  EXPECT_NE(std::string::npos, std::string(powersync_last_error_message()).find("UTF-8"));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_params_add_text(p, "\xc3", 1));          // truncated
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_params_add_text(p, "\xed\xa0\x80", 3));  // surrogate
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_params_add_text(p, "\xc0\xaf", 2));      // overlong
  EXPECT_EQ(7u, powersync_params_count(p));  // failed adds change nothing

  powersync_params_clear(p);
  EXPECT_EQ(0u, powersync_params_count(p));
  powersync_params_free(&p);
}

TEST_F(CapiTest, ParametersRoundTripThroughSqlite) {
  Params p;
  const std::string unicode = "h\xc3\xa9llo \xf0\x9f\x98\x80";
  p.int64(INT64_MIN).real(-0.25).text(unicode).null();
  ASSERT_OK(powersync_params_add_blob(p.get(), "\x00\xff\x10", 3));
  ASSERT_OK(powersync_params_add_text(p.get(), "a\0b", 3));  // embedded NUL kept by length

  powersync_cursor_t* c = nullptr;
  ASSERT_OK(powersync_db_get_all(db_, "SELECT ?1, ?2, ?3, ?4, ?5, ?6", p.get(), &c));
  ASSERT_EQ(1u, powersync_cursor_row_count(c));
  ASSERT_EQ(6u, powersync_cursor_column_count(c));
  ASSERT_EQ(POWERSYNC_STEP_ROW, powersync_cursor_step(c));
  EXPECT_EQ(POWERSYNC_TYPE_INTEGER, powersync_cursor_type(c, 0));
  EXPECT_EQ(INT64_MIN, powersync_cursor_int64(c, 0));
  EXPECT_EQ(POWERSYNC_TYPE_REAL, powersync_cursor_type(c, 1));
  EXPECT_EQ(-0.25, powersync_cursor_double(c, 1));
  EXPECT_EQ(POWERSYNC_TYPE_TEXT, powersync_cursor_type(c, 2));
  size_t length = 0;
  EXPECT_EQ(unicode, std::string(powersync_cursor_text(c, 2, &length)));
  EXPECT_EQ(unicode.size(), length);
  EXPECT_EQ(POWERSYNC_TYPE_NULL, powersync_cursor_type(c, 3));
  EXPECT_EQ(POWERSYNC_TYPE_BLOB, powersync_cursor_type(c, 4));
  const void* blob = powersync_cursor_blob(c, 4, &length);
  ASSERT_EQ(3u, length);
  EXPECT_EQ(0, std::memcmp(blob, "\x00\xff\x10", 3));
  const char* text = powersync_cursor_text(c, 5, &length);
  EXPECT_EQ(3u, length);
  EXPECT_EQ(0, std::memcmp(text, "a\0b", 3));
  EXPECT_EQ(POWERSYNC_STEP_DONE, powersync_cursor_step(c));
  powersync_cursor_free(&c);
}

TEST_F(CapiTest, CursorTypedAccessAndNavigation) {
  powersync_cursor_t* c = nullptr;
  ASSERT_OK(powersync_db_get_all(db_,
                                 "SELECT 1 AS i, 2.75 AS r, 'txt' AS t, x'0102' AS b, NULL AS n, x'' AS e "
                                 "UNION ALL SELECT 2, 3.5, 'two', x'03', NULL, x''",
                                 nullptr, &c));
  EXPECT_EQ(2u, powersync_cursor_row_count(c));
  ASSERT_EQ(6u, powersync_cursor_column_count(c));
  EXPECT_STREQ("i", powersync_cursor_column_name(c, 0));
  EXPECT_STREQ("r", powersync_cursor_column_name(c, 1));
  EXPECT_STREQ("e", powersync_cursor_column_name(c, 5));
  EXPECT_EQ(nullptr, powersync_cursor_column_name(c, 6));

  // Before the first step there is no current row: everything reads as NULL.
  EXPECT_EQ(POWERSYNC_TYPE_NULL, powersync_cursor_type(c, 0));
  EXPECT_EQ(0, powersync_cursor_int64(c, 0));

  ASSERT_EQ(POWERSYNC_STEP_ROW, powersync_cursor_step(c));
  EXPECT_EQ(1, powersync_cursor_int64(c, 0));
  EXPECT_EQ(1.0, powersync_cursor_double(c, 0));  // integers read as doubles
  EXPECT_EQ(2, powersync_cursor_int64(c, 1));     // reals truncate, as in SQLite
  EXPECT_EQ(nullptr, powersync_cursor_text(c, 0, nullptr));  // not TEXT
  EXPECT_EQ(nullptr, powersync_cursor_blob(c, 2, nullptr));  // not BLOB
  EXPECT_STREQ("txt", powersync_cursor_text(c, 2, nullptr));
  EXPECT_EQ(0, powersync_cursor_int64(c, 2));
  size_t length = 99;
  EXPECT_EQ(POWERSYNC_TYPE_BLOB, powersync_cursor_type(c, 5));
  EXPECT_NE(nullptr, powersync_cursor_blob(c, 5, &length));  // an empty BLOB is still a BLOB
  EXPECT_EQ(0u, length);
  EXPECT_EQ(POWERSYNC_TYPE_NULL, powersync_cursor_type(c, 4));
  EXPECT_EQ(POWERSYNC_TYPE_NULL, powersync_cursor_type(c, 99));  // out of range reads as NULL
  EXPECT_EQ(0.0, powersync_cursor_double(c, 99));

  ASSERT_EQ(POWERSYNC_STEP_ROW, powersync_cursor_step(c));
  EXPECT_STREQ("two", powersync_cursor_text(c, 2, nullptr));
  EXPECT_EQ(POWERSYNC_STEP_DONE, powersync_cursor_step(c));
  EXPECT_EQ(POWERSYNC_STEP_DONE, powersync_cursor_step(c));  // stays done
  EXPECT_EQ(POWERSYNC_TYPE_NULL, powersync_cursor_type(c, 0));

  powersync_cursor_reset(c);
  ASSERT_EQ(POWERSYNC_STEP_ROW, powersync_cursor_step(c));
  EXPECT_EQ(1, powersync_cursor_int64(c, 0));
  powersync_cursor_free(&c);
}

TEST_F(CapiTest, EmptyResultHasColumnsButNoRows) {
  powersync_cursor_t* c = nullptr;
  ASSERT_OK(powersync_db_get_all(db_, "SELECT id, description FROM todos", nullptr, &c));
  EXPECT_EQ(0u, powersync_cursor_row_count(c));
  EXPECT_EQ(POWERSYNC_STEP_DONE, powersync_cursor_step(c));
  powersync_cursor_free(&c);
}
