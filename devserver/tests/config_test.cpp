#include <gtest/gtest.h>

#include "config.hpp"
#include "powersync/util/error.hpp"

using namespace powersync::devserver;

namespace {

std::string with_streams(const std::string& streams) {
  return R"(
port: 9000
storage: {type: sqlite, path: storage.db}
replication:
  connections:
    - type: sqlite
      path: backend.db
client_auth:
  jwks:
    keys:
      - {kty: oct, alg: HS256, kid: dev, k: c2VjcmV0}
  audience: [my-app]
sync_config:
  content: |
    config:
      edition: 3
    streams:
)" + streams;
}

std::string error_of(const std::string& yaml) {
  try {
    parse_config(yaml, "/base");
  } catch (const powersync::Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST(DevserverConfig, DemoConfigLoads) {
  auto config = load_config(POWERSYNC_DEVSERVER_DEMO_CONFIG);
  EXPECT_EQ(config.port, 8080);
  ASSERT_EQ(config.streams.size(), 3u);
  EXPECT_TRUE(config.find_stream("my_lists")->auto_subscribe);
  EXPECT_FALSE(config.find_stream("list_todos")->auto_subscribe);
  ASSERT_EQ(config.keys.size(), 1u);
  EXPECT_EQ(config.keys[0].kid, "powersync-dev");
}

TEST(DevserverConfig, ParsesServiceShape) {
  auto config = parse_config(with_streams(R"(
      mine:
        query: SELECT id, name AS title FROM lists WHERE owner_id = auth.user_id()
        auto_subscribe: true
        priority: 1
      by_list:
        queries:
          - SELECT * FROM todos WHERE list_id = subscription.parameter('list') AND archived = 0
          - SELECT * FROM todos AS items WHERE "owner" = auth.jwt() ->> 'org'
)"),
                             "/base");
  EXPECT_EQ(config.port, 9000);
  EXPECT_EQ(config.storage_path, "/base/storage.db");
  EXPECT_EQ(config.backend_path, "/base/backend.db");
  EXPECT_EQ(config.keys[0].secret, "secret");
  EXPECT_EQ(config.audiences, std::vector<std::string>{"my-app"});

  const auto* mine = config.find_stream("mine");
  ASSERT_NE(mine, nullptr);
  EXPECT_EQ(mine->priority, 1);
  const auto& q = mine->queries.at(0);
  EXPECT_EQ(q.source_table, "lists");
  EXPECT_FALSE(q.select_all);
  ASSERT_EQ(q.columns.size(), 2u);
  EXPECT_EQ(q.columns[1].source, "name");
  EXPECT_EQ(q.columns[1].name, "title");
  ASSERT_EQ(q.parameters.size(), 1u);
  EXPECT_EQ(q.parameters[0].column, "owner_id");
  EXPECT_EQ(q.parameters[0].source, ValueSource::auth_user_id);

  const auto* by_list = config.find_stream("by_list");
  ASSERT_EQ(by_list->queries.size(), 2u);
  EXPECT_TRUE(by_list->queries[0].uses_subscription_parameters());
  ASSERT_EQ(by_list->queries[0].filters.size(), 1u);
  EXPECT_EQ(by_list->queries[0].filters[0].value, 0);
  EXPECT_EQ(by_list->queries[1].output_table, "items");
  EXPECT_EQ(by_list->queries[1].parameters[0].source, ValueSource::jwt_claim);
  EXPECT_EQ(by_list->queries[1].parameters[0].key, "org");
}

TEST(DevserverConfig, InlineStreamsAndDefaults) {
  auto config = parse_config(R"(
client_auth: {jwks: {keys: [{kty: oct, alg: HS256, k: c2VjcmV0}]}}
sync_rules:
  streams:
    all: {query: "SELECT * FROM lists", auto_subscribe: true}
)",
                             "/base");
  EXPECT_EQ(config.audiences, (std::vector<std::string>{"powersync-dev", "powersync"}));
  EXPECT_EQ(config.host, "127.0.0.1");
  EXPECT_TRUE(config.streams[0].queries[0].parameters.empty());
}

TEST(DevserverConfig, RejectsUnsupportedConstructsNamingTheStream) {
  struct Case {
    const char* query;
    const char* construct;
  };
  for (auto c : {
           Case{"SELECT * FROM todos INNER JOIN lists ON lists.id = todos.list_id", "SELECT * with JOIN"},
           Case{"SELECT todos.* FROM todos LEFT JOIN lists ON lists.id = todos.list_id", "left JOIN"},
           Case{"SELECT todos.* FROM todos, lists WHERE lists.id = todos.list_id", "comma join"},
           Case{"SELECT todos.* FROM todos JOIN lists ON lists.owner_id = auth.user_id()", "column equality"},
           Case{"SELECT * FROM todos WHERE list_id IN ('a', 'b')", "IN (value list)"},
           Case{"SELECT * FROM todos WHERE list_id IN (SELECT * FROM lists)", "exactly one column"},
           Case{"SELECT * FROM todos WHERE 'a' = 'b'", "comparison without a column"},
           Case{"SELECT * FROM todos WHERE list_id IN nowhere", "'nowhere' after IN is no common table expression"},
           Case{"SELECT * FROM todos WHERE auth.user_id() IN connection.parameter('x')", "IN connection"},
           Case{"SELECT * FROM todos WHERE list_id NOT IN subscription.parameter('x')", "NOT IN"},
           Case{"SELECT * FROM todos WHERE list_id IN (SELECT id FROM lists WHERE a > 1)", "operator '>'"},
           Case{"SELECT * FROM todos WHERE a = auth.user_id() OR b = auth.user_id()", "OR"},
           Case{"SELECT * FROM todos WHERE a > 1", "operator '>'"},
           Case{"SELECT upper(name) AS id FROM todos", "function call upper()"},
           Case{"SELECT * FROM todos WHERE a = request.user_id()", "request.* (legacy parameter syntax)"},
           Case{"SELECT * FROM todos ORDER BY id", "order"},
           Case{"WITH x AS (SELECT 1) SELECT * FROM x", "WITH"},
       }) {
    auto message = error_of(with_streams(std::string("      broken:\n        query: ") + c.query + "\n"));
    EXPECT_NE(message.find("stream 'broken'"), std::string::npos) << message;
    EXPECT_NE(message.find(c.construct), std::string::npos) << c.query << " -> " << message;
  }
}

TEST(DevserverConfig, RejectsOtherBadInput) {
  EXPECT_NE(error_of(with_streams("      s:\n        query: SELECT name FROM lists\n")).find("`id`"), std::string::npos);
  EXPECT_NE(error_of(with_streams("      s:\n        query: SELECT * FROM lists\n        with: {a: SELECT upper(x) FROM t}\n"))
                .find("stream 's' with 'a': unsupported construct 'function call upper()'"),
            std::string::npos);
  EXPECT_NE(error_of(with_streams("      s:\n        query: SELECT * FROM a\n        with: {a: SELECT id FROM lists}\n"))
                .find("stream 's': unsupported construct 'common table expression 'a' as a data source'"),
            std::string::npos);
  EXPECT_NE(error_of(with_streams("      s:\n        query: SELECT * FROM t WHERE x IN a\n"
                                  "        with:\n          a: SELECT id, name FROM lists\n"))
                .find("'a' must return a single column"),
            std::string::npos);
  EXPECT_NE(error_of(with_streams("      s:\n        query: SELECT * FROM lists\n        colour: red\n"))
                .find("unsupported key 'colour'"),
            std::string::npos);
  EXPECT_NE(error_of(R"(
client_auth: {jwks: {keys: [{kty: oct, alg: HS256, k: c2VjcmV0}]}}
sync_config:
  content: |
    bucket_definitions:
      global:
        data: [SELECT * FROM lists WHERE owner = auth.user_id()]
)").find("bucket definition 'global': unsupported construct 'auth.* (sync streams syntax"),
            std::string::npos);
  EXPECT_NE(error_of("sync_config: {streams: {a: {query: SELECT * FROM t}}}\n").find("client_auth"), std::string::npos);
  EXPECT_NE(error_of(R"(
client_auth: {jwks: {keys: [{kty: EC, alg: ES256, kid: e1}]}}
sync_config: {streams: {a: {query: SELECT * FROM t}}}
)").find("unsupported"),
            std::string::npos);
  EXPECT_NE(error_of("port: [1, 2\n").find("invalid YAML"), std::string::npos);
  EXPECT_NE(error_of("listen: 1\n").find("unsupported key 'listen'"), std::string::npos);
}
