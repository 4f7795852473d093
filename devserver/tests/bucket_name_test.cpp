#include <gtest/gtest.h>

#include "bucket_name.hpp"
#include "powersync/util/error.hpp"

using namespace powersync::devserver;

TEST(DevserverBucketName, ServiceForm) {
  EXPECT_EQ(bucket_name(1, "everything", 0, nlohmann::json::array()), "1#everything|0[]");
  EXPECT_EQ(bucket_name(1, "my_lists", 0, {"u1"}), R"(1#my_lists|0["u1"])");
  EXPECT_EQ(bucket_name(3, "s", 2, nlohmann::json::array({"a", 5})), R"(3#s|2["a",5])");
}

TEST(DevserverBucketName, EscapesLikeJsonStringify) {
  EXPECT_EQ(bucket_name(1, "s", 0, {"a\"b"}), R"(1#s|0["a\"b"])");
  EXPECT_EQ(bucket_name(1, "s", 0, {"é"}), "1#s|0[\"é\"]");
}

TEST(DevserverBucketName, RejectsNonArrayParameters) {
  EXPECT_THROW(bucket_name(1, "s", 0, nlohmann::json::object()), powersync::Error);
}
