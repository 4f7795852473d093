// Legacy bucket_definitions: parameter and data queries, bucket names as the service forms them
// (<definition>["v1","v2"], versioned from edition 2), resolution against a backend, and errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <random>

#include <nlohmann/json.hpp>

#include "bucket_name.hpp"
#include "bucket_resolver.hpp"
#include "config.hpp"
#include "http_test_client.hpp"
#include "parameter_lookup.hpp"
#include "powersync/storage/connection.hpp"
#include "powersync/util/error.hpp"
#include "row_evaluator.hpp"

using namespace powersync::devserver;
using nlohmann::json;

namespace {

std::string config_with(const std::string& sync_config) {
  return "client_auth: {jwks: {keys: [{kty: oct, alg: HS256, k: c2VjcmV0}]}}\nsync_config:\n  content: |\n" +
         devserver_test::indented_sync_config(sync_config);
}

std::string error_of(const std::string& sync_config) {
  try {
    parse_config(config_with(sync_config), "/base");
  } catch (const powersync::Error& e) {
    return e.what();
  }
  return "no error";
}

const char* kRules = R"(bucket_definitions:
  global:
    data:
      - SELECT id, name FROM lists WHERE archived = 0
  user_lists:
    parameters: SELECT request.user_id() AS user_id
    data:
      - SELECT * FROM lists WHERE owner_id = bucket.user_id
  org_todos:
    parameters:
      - SELECT id AS list_id, owner_id AS owner FROM lists WHERE org = request.jwt() ->> 'org'
      - SELECT owner_id AS owner, list_id FROM list_shares WHERE user_id = token_parameters.user_id
    data:
      - SELECT * FROM todos WHERE created_by = bucket.owner AND list_id = bucket.list_id
    priority: 1
  admins:
    parameters: SELECT request.parameters() ->> 'team' AS team WHERE request.jwt() ->> 'role' = 'admin'
    data:
      - SELECT * FROM todos WHERE team = bucket.team
  by_token:
    parameters: SELECT token_parameters.region AS region
    data:
      - SELECT * FROM lists WHERE region = bucket.region
)";

std::vector<std::string> names_of(const ResolvedRequest& resolved) {
  std::vector<std::string> out;
  for (const auto& b : resolved.buckets) out.push_back(b.name);
  return out;
}

}  // namespace

TEST(DevserverLegacyBuckets, BucketNamesAreTheDefinitionAndItsParameters) {
  EXPECT_EQ(legacy_bucket_name(0, "by_list", json::array({"l1", 2})), R"(by_list["l1",2])");
  EXPECT_EQ(legacy_bucket_name(0, "global", json::array()), "global[]");
  EXPECT_EQ(legacy_bucket_name(4, "global", json::array()), "4#global[]");
}

TEST(DevserverLegacyBuckets, ParsesDefinitionsIntoParameterAndDataQueries) {
  auto config = parse_config(config_with(kRules), "/base");
  const auto* org = config.find_stream("org_todos");
  ASSERT_NE(org, nullptr);
  EXPECT_TRUE(org->legacy);
  EXPECT_TRUE(org->auto_subscribe);
  EXPECT_FALSE(org->versioned_bucket_names);
  EXPECT_EQ(org->priority, 1);
  EXPECT_EQ(org->bucket_parameters, (std::vector<std::string>{"list_id", "owner"}));
  ASSERT_EQ(org->parameter_queries.size(), 2u);
  EXPECT_EQ(org->parameter_queries[0].lookup->table, "lists");
  EXPECT_EQ(org->parameter_queries[0].columns, (std::vector<std::string>{"id", "owner_id"}));
  // The second query's outputs are put in the first one's order.
  EXPECT_EQ(org->parameter_queries[1].names, (std::vector<std::string>{"list_id", "owner"}));
  EXPECT_EQ(org->parameter_queries[1].columns, (std::vector<std::string>{"list_id", "owner_id"}));
  EXPECT_EQ(org->parameter_queries[1].lookup->parameters[0].source, ValueSource::auth_user_id);
  // Data query parameters follow the bucket parameter order, whatever the WHERE order.
  ASSERT_EQ(org->queries[0].parameters.size(), 2u);
  EXPECT_EQ(org->queries[0].parameters[0].column, "list_id");
  EXPECT_EQ(org->queries[0].parameters[1].column, "created_by");

  const auto* global = config.find_stream("global");
  ASSERT_EQ(global->parameter_queries.size(), 1u);
  EXPECT_TRUE(global->parameter_queries[0].names.empty());
  EXPECT_EQ(config.find_stream("by_token")->parameter_queries[0].values[0].source, ValueSource::token_parameter);

  BackendRow todo{{"id", "list_id", "created_by", "team"},
                  {std::string("t1"), std::string("l1"), std::string("u9"), std::string("red")}};
  std::vector<std::string> buckets;
  for (const auto& row : evaluate_row(config.streams, 3, "todos", todo)) buckets.push_back(row.placement.bucket);
  EXPECT_EQ(buckets, (std::vector<std::string>{R"(org_todos["l1","u9"])", R"(admins["red"])"}));

  auto versioned = parse_config(config_with(std::string("config: {edition: 2}\n") + kRules), "/base");
  BackendRow list{{"id", "name", "archived"}, {std::string("l1"), std::string("x"), std::int64_t{0}}};
  EXPECT_EQ(evaluate_row(versioned.streams, 3, "lists", list).at(0).placement.bucket, "3#global[]");
}

TEST(DevserverLegacyBuckets, RequestsGetTheBucketsTheirParameterQueriesGive) {
  std::random_device random;
  auto dir = std::filesystem::temp_directory_path() / ("devserver-legacy-" + std::to_string(random()));
  std::filesystem::create_directories(dir);
  {
    powersync::Connection backend(powersync::ConnectionOptions{.path = (dir / "backend.db").string()});
    backend.exec(R"sql(
      CREATE TABLE lists (id TEXT PRIMARY KEY, owner_id TEXT, org TEXT);
      CREATE TABLE list_shares (id TEXT PRIMARY KEY, list_id TEXT, owner_id TEXT, user_id TEXT);
      INSERT INTO lists VALUES ('l1', 'u1', 'acme'), ('l2', 'u2', 'acme'), ('l3', 'u3', 'globex');
      INSERT INTO list_shares VALUES ('s1', 'l3', 'u3', 'u1');
    )sql");
  }
  auto config = parse_config(config_with(kRules), dir);
  ParameterLookup lookup(dir / "backend.db");
  TokenClaims claims;
  claims.subject = "u1";
  claims.payload = json{{"sub", "u1"}, {"org", "acme"}, {"role", "admin"}, {"parameters", {{"region", "eu"}}}};
  auto resolved = resolve_buckets(config, 1, claims, json::parse(R"({"parameters": {"team": "red"}})"), &lookup);
  EXPECT_EQ(names_of(resolved),
            (std::vector<std::string>{R"(org_todos["l1","u1"])", R"(org_todos["l2","u2"])", R"(org_todos["l3","u3"])",
                                      R"(admins["red"])", R"(by_token["eu"])", "global[]", R"(user_lists["u1"])"}));
  EXPECT_EQ(resolved.buckets[0].priority, 1);
  EXPECT_EQ(resolved.buckets[0].subscriptions, json::parse(R"([{"default":2}])"));
  EXPECT_EQ(resolved.lookup_tables, (std::vector<std::string>{"lists", "list_shares"}));

  // Not an admin: the static query's WHERE fails, so no admins bucket.
  claims.payload["role"] = "member";
  auto member = resolve_buckets(config, 1, claims, json::parse(R"({"parameters": {"team": "red"}})"), &lookup);
  auto member_names = names_of(member);
  EXPECT_EQ(std::count(member_names.begin(), member_names.end(), R"(admins["red"])"), 0);
  EXPECT_EQ(member_names.size(), 6u);
  std::filesystem::remove_all(dir);
}

TEST(DevserverLegacyBuckets, RejectsWhatTheServiceRejects) {
  EXPECT_NE(error_of(R"(bucket_definitions:
  b:
    parameters: SELECT request.user_id() AS user_id
    data:
      - SELECT * FROM lists
)").find("Query must cover all bucket parameters. Expected: [\"bucket.user_id\"] Got: []"),
            std::string::npos);
  EXPECT_NE(error_of(R"(bucket_definitions:
  b:
    parameters:
      - SELECT request.user_id() AS user_id
      - SELECT id AS list_id FROM lists
    data: [SELECT * FROM lists WHERE id = bucket.list_id]
)").find("Bucket parameters must match for each parameter query within a bucket"),
            std::string::npos);
  EXPECT_NE(error_of(R"(bucket_definitions:
  b:
    parameters: SELECT l.id AS list_id FROM lists l
    data: [SELECT * FROM lists WHERE id = bucket.list_id]
)").find("Table aliases not supported in parameter queries"),
            std::string::npos);
  EXPECT_NE(error_of(R"(bucket_definitions:
  b:
    parameters: SELECT request.user_id() AS u
    data: [SELECT * FROM lists WHERE owner = request.user_id()]
)").find("bucket definition 'b': data queries filter by bucket parameters only"),
            std::string::npos);
  EXPECT_NE(error_of(R"(bucket_definitions:
  b:
    parameters: SELECT request.user_id()
    data: [SELECT * FROM lists]
)").find("needs a name (AS name)"),
            std::string::npos);
  EXPECT_NE(error_of(R"(streams:
  s:
    query: SELECT * FROM lists WHERE owner = request.user_id()
)").find("stream 's': unsupported construct 'request.* (legacy parameter syntax)'"),
            std::string::npos);
}
