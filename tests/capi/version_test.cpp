// Version functions and status names.

#include <cstring>

#include "capi_test_support.hpp"

TEST(CapiVersion, LibraryMatchesHeader) {
  EXPECT_STREQ(POWERSYNC_VERSION_STRING, powersync_version());
  EXPECT_EQ(POWERSYNC_VERSION_NUMBER, powersync_version_number());
  EXPECT_EQ(POWERSYNC_VERSION_MAJOR * 1000000 + POWERSYNC_VERSION_MINOR * 1000 + POWERSYNC_VERSION_PATCH,
            powersync_version_number());
}

TEST(CapiVersion, SqliteVersionIsThePinnedOne) {
  const char* version = powersync_sqlite_version();
  ASSERT_NE(nullptr, version);
  EXPECT_EQ(0, std::strncmp(version, "3.53.", 5)) << version;
}

TEST(CapiVersion, StatusNamesAreStableAndTotal) {
  EXPECT_STREQ("OK", powersync_status_name(POWERSYNC_OK));
  EXPECT_STREQ("INVALID_ARGUMENT", powersync_status_name(POWERSYNC_ERROR_INVALID_ARGUMENT));
  EXPECT_STREQ("SQL_ERROR", powersync_status_name(POWERSYNC_ERROR_SQL));
  EXPECT_STREQ("BUSY", powersync_status_name(POWERSYNC_ERROR_BUSY));
  EXPECT_STREQ("CLOSED", powersync_status_name(POWERSYNC_ERROR_CLOSED));
  EXPECT_STREQ("AUTH_ERROR", powersync_status_name(POWERSYNC_ERROR_AUTH));
  EXPECT_STREQ("NETWORK_ERROR", powersync_status_name(POWERSYNC_ERROR_NETWORK));
  EXPECT_STREQ("CALLBACK_FAILED", powersync_status_name(POWERSYNC_ERROR_CALLBACK_FAILED));
  EXPECT_STREQ("CANCELLED", powersync_status_name(POWERSYNC_ERROR_CANCELLED));
  EXPECT_STREQ("INTERNAL_ERROR", powersync_status_name(POWERSYNC_ERROR_INTERNAL));
  EXPECT_STREQ("UNKNOWN", powersync_status_name(-1));
  EXPECT_STREQ("UNKNOWN", powersync_status_name(10));
}
