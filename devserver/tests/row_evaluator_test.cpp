#include <gtest/gtest.h>

#include "bucket_resolver.hpp"
#include "checksum.hpp"
#include "row_evaluator.hpp"

using namespace powersync::devserver;
using nlohmann::json;

namespace {

std::vector<StreamDefinition> streams() {
  return parse_sync_config(R"(
config: {edition: 3}
streams:
  mine:
    query: SELECT id, name FROM lists WHERE owner_id = auth.user_id()
    auto_subscribe: true
  open_lists:
    query: SELECT * FROM lists WHERE archived = 0
    auto_subscribe: true
    priority: 1
  by_list:
    query: SELECT * FROM todos AS items WHERE list_id = subscription.parameter('list')
)");
}

BackendRow list_row(powersync::Value owner, std::int64_t archived) {
  return BackendRow{{"id", "name", "owner_id", "archived", "icon"},
                    {std::string("l1"), std::string("groceries"), std::move(owner), archived,
                     powersync::Blob{{1, 2}}}};
}

}  // namespace

TEST(DevserverRowEvaluator, RowGoesToEveryMatchingBucketWithItsData) {
  auto rows = evaluate_row(streams(), 1, "lists", list_row(std::string("u1"), 0));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].placement.bucket, R"(1#mine|0["u1"])");
  EXPECT_EQ(rows[0].data, R"({"id":"l1","name":"groceries"})");
  EXPECT_EQ(rows[0].placement.data_checksum, put_checksum("lists", "l1", rows[0].data));
  EXPECT_EQ(rows[1].placement.bucket, "1#open_lists|0[]");
  // SELECT * keeps column order, NULLs, and leaves blobs out.
  EXPECT_EQ(rows[1].data, R"({"id":"l1","name":"groceries","owner_id":"u1","archived":0})");
}

TEST(DevserverRowEvaluator, FiltersAndNullParametersKeepRowsOut) {
  auto rows = evaluate_row(streams(), 1, "lists", list_row(std::monostate{}, 1));
  EXPECT_TRUE(rows.empty());
}

TEST(DevserverRowEvaluator, AliasNamesTheObjectTypeAndIdsBecomeText) {
  BackendRow todo{{"id", "list_id"}, {std::int64_t{7}, std::string("l1")}};
  auto rows = evaluate_row(streams(), 2, "todos", todo);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].placement.bucket, R"(2#by_list|0["l1"])");
  EXPECT_EQ(rows[0].placement.object_type, "items");
  EXPECT_EQ(rows[0].placement.object_id, "7");
  EXPECT_EQ(rows[0].data, R"({"id":"7","list_id":"l1"})");
}

TEST(DevserverBucketResolver, DefaultsAndSubscriptions) {
  DevserverConfig config;
  config.streams = streams();
  TokenClaims claims;
  claims.subject = "u1";
  auto request = json::parse(R"({"streams":{"include_defaults":true,"subscriptions":[
      {"stream":"by_list","parameters":{"list":"l9"},"override_priority":0},
      {"stream":"by_list","parameters":{}},
      {"stream":"unknown","parameters":{}}]}})");
  auto resolved = resolve_buckets(config, 1, claims, request);
  ASSERT_EQ(resolved.buckets.size(), 3u);
  // Sorted by priority: the overridden subscription first.
  EXPECT_EQ(resolved.buckets[0].name, R"(1#by_list|0["l9"])");
  EXPECT_EQ(resolved.buckets[0].priority, 0);
  EXPECT_EQ(resolved.buckets[0].subscriptions, json::parse(R"([{"sub":0}])"));
  EXPECT_EQ(resolved.buckets[1].name, "1#open_lists|0[]");
  EXPECT_EQ(resolved.buckets[1].subscriptions, json::parse(R"([{"default":1}])"));
  EXPECT_EQ(resolved.buckets[2].name, R"(1#mine|0["u1"])");
  ASSERT_EQ(resolved.streams.size(), 3u);
  EXPECT_EQ(resolved.streams[2]["errors"].size(), 1u);  // subscription 1 lacks 'list'
  EXPECT_EQ(resolved.streams[2]["errors"][0]["subscription"], 1);

  auto without_defaults = resolve_buckets(config, 1, claims, json::parse(R"({"streams":{"include_defaults":false}})"));
  EXPECT_TRUE(without_defaults.buckets.empty());
}
