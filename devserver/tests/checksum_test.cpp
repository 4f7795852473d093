// Op checksums against values captured from the PowerSync Service's own test snapshots.
#include <gtest/gtest.h>

#include "checksum.hpp"

using namespace powersync::devserver;

TEST(DevserverChecksum, PutMatchesServiceSnapshots) {
  // powersync-service: modules/module-mongodb-storage/test/src/__snapshots__/storage_sync.test.ts.snap
  EXPECT_EQ(put_checksum("test", "a", R"({"id":"a","description":"Test 1"})"), 2582164875u);
  EXPECT_EQ(put_checksum("test", "b", R"({"id":"b","description":"Test 2"})"), 3003552978u);
  EXPECT_EQ(put_checksum("test", "t2", R"({"id":"t2","description":"Test 2b"})"), 3028503153u);
  EXPECT_EQ(put_checksum("lists", "list1", R"({"id":"list1","user_id":"user1","name":"User 1"})"), 1418351250u);
}

TEST(DevserverChecksum, RemoveHashesTheDeleteKey) {
  auto subkey = row_subkey("todos", "t1");
  EXPECT_EQ(remove_checksum(subkey), remove_checksum(subkey));
  EXPECT_NE(remove_checksum(subkey), remove_checksum(row_subkey("todos", "t2")));
  EXPECT_NE(remove_checksum(subkey), put_checksum("todos", "t1", ""));
}

TEST(DevserverChecksum, BucketSumsWrapAndShowSigned) {
  EXPECT_EQ(add_checksums(0xffffffffu, 2u), 1u);
  EXPECT_EQ(signed_checksum(0xffffffffu), -1);
  EXPECT_EQ(signed_checksum(2582164875u), static_cast<std::int32_t>(2582164875u - 4294967296u));
}

TEST(DevserverChecksum, SubkeyIsAVersion5Uuid) {
  auto key = row_subkey("todos", "t1");
  ASSERT_EQ(key.size(), 36u);
  EXPECT_EQ(key[14], '5');
  EXPECT_TRUE(key[19] == '8' || key[19] == '9' || key[19] == 'a' || key[19] == 'b');
  EXPECT_EQ(key, row_subkey("todos", "t1"));
}
