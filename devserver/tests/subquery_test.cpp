// Parameter lookups: IN (subquery), IN <JSON array>, `with:` CTEs and INNER JOIN forms — parsing,
// the SQL they become, bucket resolution against a backend, and (in-process, on 127.0.0.1) a
// user gaining and losing the todos of lists shared with them while their stream stays open.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <map>
#include <random>
#include <set>

#include <nlohmann/json.hpp>

#include "bucket_resolver.hpp"
#include "config.hpp"
#include "http_server.hpp"
#include "http_test_client.hpp"
#include "jwt.hpp"
#include "parameter_lookup.hpp"
#include "powersync/storage/connection.hpp"
#include "powersync/util/error.hpp"
#include "row_evaluator.hpp"

using namespace powersync::devserver;
using devserver_test::HttpConnection;
using devserver_test::indented_sync_config;
using devserver_test::read_until;
using nlohmann::json;

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE lists (id TEXT PRIMARY KEY NOT NULL, name TEXT, owner_id TEXT);
CREATE TABLE todos (id TEXT PRIMARY KEY NOT NULL, description TEXT, list_id TEXT);
CREATE TABLE list_shares (id TEXT PRIMARY KEY NOT NULL, list_id TEXT, user_id TEXT);
)sql";

std::string config_yaml(const std::string& sync_config) {
  return R"(
port: 0
host: 127.0.0.1
storage: {type: sqlite, path: storage.db}
replication: {connections: [{type: sqlite, path: backend.db, demo_schema: false}]}
devserver: {poll_interval_ms: 20}
client_auth:
  jwks: {keys: [{kty: oct, alg: HS256, kid: dev, k: c2VjcmV0LXNlY3JldC1zZWNyZXQ}]}
  audience: [powersync-dev]
sync_config:
  content: |
)" + indented_sync_config(sync_config);
}

const char* kSharedTodos = R"(config:
  edition: 3
with:
  shared_with_me: SELECT list_id FROM list_shares WHERE user_id = auth.user_id()
streams:
  owned_todos:
    auto_subscribe: true
    query: SELECT * FROM todos WHERE list_id IN (SELECT id FROM lists WHERE owner_id = auth.user_id())
  shared_todos:
    auto_subscribe: true
    query: SELECT * FROM todos WHERE list_id IN (SELECT list_id FROM list_shares WHERE user_id = auth.user_id())
  shared_by_cte:
    query: SELECT * FROM todos WHERE list_id IN shared_with_me
  owned_by_join:
    query: SELECT todos.* FROM todos INNER JOIN lists ON todos.list_id = lists.id WHERE lists.owner_id = auth.user_id()
  picked:
    query: SELECT * FROM todos WHERE list_id IN subscription.parameter('list_ids')
  claimed:
    query: SELECT * FROM lists WHERE id IN auth.jwt() ->> 'lists'
  local_cte:
    with:
      mine: SELECT id AS list, name FROM lists WHERE owner_id = auth.user_id()
    query: SELECT * FROM todos WHERE list_id IN (SELECT list FROM mine WHERE name = 'groceries')
)";

const StreamQuery& only_query(const DevserverConfig& config, const char* stream) {
  const auto* s = config.find_stream(stream);
  if (!s) throw std::runtime_error(std::string("no stream ") + stream);
  return s->queries.at(0);
}

class TempDir {
 public:
  TempDir() {
    std::random_device random;
    path = std::filesystem::temp_directory_path() / ("devserver-subquery-" + std::to_string(random()));
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::filesystem::path path;
};

}  // namespace

TEST(DevserverSubqueries, ParsesLookupsIntoNestedSubqueries) {
  auto config = parse_config(config_yaml(kSharedTodos), "/base");

  const auto& owned = only_query(config, "owned_todos");
  ASSERT_EQ(owned.parameters.size(), 1u);
  EXPECT_EQ(owned.parameters[0].column, "list_id");
  EXPECT_EQ(owned.parameters[0].kind, ParameterKind::in_subquery);
  ASSERT_TRUE(owned.parameters[0].subquery);
  EXPECT_EQ(owned.parameters[0].subquery->table, "lists");
  EXPECT_EQ(owned.parameters[0].subquery->result_column, "id");
  ASSERT_EQ(owned.parameters[0].subquery->parameters.size(), 1u);
  EXPECT_EQ(owned.parameters[0].subquery->parameters[0].column, "owner_id");
  EXPECT_EQ(owned.parameters[0].subquery->parameters[0].source, ValueSource::auth_user_id);
  EXPECT_TRUE(owned.uses_lookups());
  EXPECT_TRUE(config.uses_lookups());

  // The JOIN form and the CTE form are the same lookups as the subqueries they stand for.
  const auto& joined = only_query(config, "owned_by_join");
  EXPECT_EQ(joined.source_table, "todos");
  EXPECT_EQ(joined.output_table, "todos");
  ASSERT_EQ(joined.parameters.size(), 1u);
  EXPECT_EQ(joined.parameters[0].column, "list_id");
  EXPECT_EQ(joined.parameters[0].subquery->table, "lists");
  EXPECT_EQ(joined.parameters[0].subquery->result_column, "id");
  EXPECT_EQ(joined.parameters[0].subquery->parameters[0].column, "owner_id");

  const auto& by_cte = only_query(config, "shared_by_cte");
  EXPECT_EQ(by_cte.parameters[0].subquery->table, "list_shares");
  EXPECT_EQ(by_cte.parameters[0].subquery->result_column, "list_id");

  // A stream's own CTE: its column names map back to the table's, its conditions carry over.
  const auto& local = only_query(config, "local_cte");
  const auto& sub = *local.parameters[0].subquery;
  EXPECT_EQ(sub.table, "lists");
  EXPECT_EQ(sub.result_column, "id");
  ASSERT_EQ(sub.parameters.size(), 1u);
  EXPECT_EQ(sub.parameters[0].column, "owner_id");
  ASSERT_EQ(sub.filters.size(), 1u);
  EXPECT_EQ(sub.filters[0].column, "name");
  EXPECT_EQ(sub.filters[0].value, "groceries");

  EXPECT_EQ(only_query(config, "picked").parameters[0].kind, ParameterKind::in_array);
  EXPECT_EQ(only_query(config, "picked").parameters[0].source, ValueSource::subscription_parameter);
  EXPECT_EQ(only_query(config, "claimed").parameters[0].kind, ParameterKind::in_array);
  EXPECT_EQ(only_query(config, "claimed").parameters[0].source, ValueSource::jwt_claim);

  std::vector<std::string> tables;
  for (const auto& s : config.streams) collect_lookup_tables(s.queries[0], tables);
  EXPECT_EQ(tables, (std::vector<std::string>{"lists", "list_shares"}));
}

TEST(DevserverSubqueries, JoinChainsBecomeNestedLookups) {
  auto query = parse_stream_query("chat", R"(
    SELECT m.* FROM messages AS m
      JOIN memberships mb ON mb.room_id = m.room_id
      JOIN teams t ON t.id = mb.team_id AND t.active = 1
      WHERE t.owner = auth.jwt() ->> 'org' AND m.kind = 'text')");
  EXPECT_EQ(query.source_table, "messages");
  EXPECT_EQ(query.output_table, "m");  // the alias, as the service names output tables
  ASSERT_EQ(query.filters.size(), 1u);
  EXPECT_EQ(query.filters[0].column, "kind");
  ASSERT_EQ(query.parameters.size(), 1u);
  const auto& memberships = *query.parameters[0].subquery;
  EXPECT_EQ(query.parameters[0].column, "room_id");
  EXPECT_EQ(memberships.table, "memberships");
  EXPECT_EQ(memberships.result_column, "room_id");
  ASSERT_EQ(memberships.parameters.size(), 1u);
  EXPECT_EQ(memberships.parameters[0].column, "team_id");
  const auto& teams = *memberships.parameters[0].subquery;
  EXPECT_EQ(teams.table, "teams");
  EXPECT_EQ(teams.result_column, "id");
  ASSERT_EQ(teams.parameters.size(), 1u);
  EXPECT_EQ(teams.parameters[0].source, ValueSource::jwt_claim);
  ASSERT_EQ(teams.filters.size(), 1u);
  EXPECT_EQ(teams.filters[0].column, "active");
}

TEST(DevserverSubqueries, LookupsAreParameterisedSql) {
  auto query = parse_stream_query(
      "s", "SELECT * FROM todos WHERE list_id IN (SELECT id FROM lists WHERE owner_id = auth.user_id() AND "
           "kind = 'x' AND team IN connection.parameter('teams') AND id IN (SELECT list_id FROM pins WHERE n = 2))");
  auto statement = lookup_statement(*query.parameters[0].subquery, [](const ParameterCondition& p) -> json {
    if (p.source == ValueSource::auth_user_id) return "u1'; DROP TABLE lists; --";
    return json::array({"t1", "t2"});
  });
  EXPECT_EQ(statement.sql,
            "SELECT DISTINCT \"id\" FROM \"lists\" WHERE \"id\" IS NOT NULL AND \"owner_id\" = ? AND \"team\" IN "
            "(SELECT value FROM json_each(?)) AND \"id\" IN (SELECT DISTINCT \"list_id\" FROM \"pins\" WHERE "
            "\"list_id\" IS NOT NULL AND \"n\" = ?) AND \"kind\" = ?");
  EXPECT_EQ(statement.arguments, (std::vector<json>{"u1'; DROP TABLE lists; --", R"(["t1","t2"])", 2, "x"}));
}

TEST(DevserverSubqueries, ArrayParametersComeFromArraysOrJsonText) {
  EXPECT_EQ(array_parameters(json::parse(R"(["a", 2, true, null, {"x":1}, "a"])")), (std::vector<json>{"a", 2, 1}));
  EXPECT_EQ(array_parameters(R"(["l1","l2"])"), (std::vector<json>{"l1", "l2"}));
  EXPECT_TRUE(array_parameters("not json").empty());
  EXPECT_TRUE(array_parameters(nullptr).empty());
}

TEST(DevserverSubqueries, BucketsComeFromTheBackendAndDataRowsFromTheirColumn) {
  TempDir dir;
  auto backend_path = dir.path / "backend.db";
  {
    powersync::Connection backend(powersync::ConnectionOptions{.path = backend_path.string()});
    backend.exec(kSchema);
    backend.exec(R"sql(
      INSERT INTO lists VALUES ('l1', 'groceries', 'u1'), ('l2', 'work', 'u1'), ('l3', 'other', 'u2');
      INSERT INTO list_shares VALUES ('s1', 'l3', 'u1'), ('s2', 'l2', 'u2');
    )sql");
  }
  auto config = parse_config(config_yaml(kSharedTodos), dir.path);
  ParameterLookup lookup(backend_path);
  TokenClaims claims;
  claims.subject = "u1";
  claims.payload = json{{"sub", "u1"}, {"lists", R"(["l1","l3"])"}};

  auto names = [](const ResolvedRequest& r) {
    std::vector<std::string> out;
    for (const auto& b : r.buckets) out.push_back(b.name);
    return out;
  };
  auto defaults = resolve_buckets(config, 1, claims, json::object(), &lookup);
  EXPECT_EQ(names(defaults), (std::vector<std::string>{R"(1#owned_todos|0["l1"])", R"(1#owned_todos|0["l2"])",
                                                        R"(1#shared_todos|0["l3"])"}));
  EXPECT_EQ(defaults.lookup_tables, (std::vector<std::string>{"lists", "list_shares"}));

  auto subscribed = resolve_buckets(config, 1, claims, json::parse(R"({"streams": {"include_defaults": false,
      "subscriptions": [{"stream": "owned_by_join"}, {"stream": "shared_by_cte"}, {"stream": "local_cte"},
                        {"stream": "picked", "parameters": {"list_ids": ["l7", "l8"]}}, {"stream": "claimed"}]}})"),
                                    &lookup);
  EXPECT_EQ(names(subscribed),
            (std::vector<std::string>{R"(1#claimed|0["l1"])", R"(1#claimed|0["l3"])", R"(1#local_cte|0["l1"])",
                                      R"(1#owned_by_join|0["l1"])", R"(1#owned_by_join|0["l2"])",
                                      R"(1#picked|0["l7"])", R"(1#picked|0["l8"])", R"(1#shared_by_cte|0["l3"])"}));

  // Without its array parameter a subscription gets no bucket and an error, as for `=`.
  auto missing = resolve_buckets(
      config, 1, claims, json::parse(R"({"streams": {"include_defaults": false, "subscriptions": [{"stream": "picked"}]}})"),
      &lookup);
  EXPECT_TRUE(missing.buckets.empty());
  auto picked = config.streams.size();
  for (std::size_t i = 0; i < config.streams.size(); ++i)
    if (config.streams[i].name == "picked") picked = i;
  ASSERT_LT(picked, config.streams.size());
  EXPECT_EQ(missing.streams[picked]["errors"][0]["message"], "missing subscription parameter 'list_ids'");

  // The data side: a todo's bucket parameter is its list_id, whichever lookup admits the list.
  BackendRow todo{{"id", "description", "list_id"}, {std::string("t1"), std::string("milk"), std::string("l3")}};
  std::vector<std::string> buckets;
  for (const auto& row : evaluate_row(config.streams, 1, "todos", todo)) buckets.push_back(row.placement.bucket);
  EXPECT_EQ(buckets, (std::vector<std::string>{R"(1#owned_todos|0["l3"])", R"(1#shared_todos|0["l3"])",
                                               R"(1#shared_by_cte|0["l3"])", R"(1#owned_by_join|0["l3"])",
                                               R"(1#picked|0["l3"])", R"(1#local_cte|0["l3"])"}));
}

TEST(DevserverSubqueries, ConditionsOnTheRequestAloneGateTheQuery) {
  TempDir dir;
  auto backend_path = dir.path / "backend.db";
  {
    powersync::Connection backend(powersync::ConnectionOptions{.path = backend_path.string()});
    backend.exec(kSchema);
    backend.exec(R"sql(
      CREATE TABLE admins (id TEXT PRIMARY KEY);
      CREATE TABLE synced (id TEXT PRIMARY KEY, table_name TEXT, user_id TEXT);
      INSERT INTO admins VALUES ('boss');
      INSERT INTO synced VALUES ('x1', 'todos', 'u1');
    )sql");
  }
  auto config = parse_config(config_yaml(R"(config:
  edition: 3
streams:
  admin_todos:
    auto_subscribe: true
    query: SELECT * FROM todos WHERE auth.user_id() IN (SELECT id FROM admins)
  opted_in:
    auto_subscribe: true
    query: SELECT * FROM todos WHERE 'todos' IN (SELECT table_name FROM synced WHERE user_id = auth.user_id())
  by_role:
    auto_subscribe: true
    query: SELECT * FROM lists WHERE auth.jwt() ->> 'role' = 'editor' AND owner_id = auth.user_id()
  tagged:
    auto_subscribe: true
    query: SELECT * FROM lists WHERE 'beta' IN connection.parameter('features')
  editors_lists:
    auto_subscribe: true
    query: SELECT * FROM todos WHERE list_id IN (SELECT id FROM lists WHERE 'editor' = auth.jwt() ->> 'role')
)"),
                             dir.path);
  const auto& gate = only_query(config, "admin_todos");
  EXPECT_TRUE(gate.parameters.empty());
  ASSERT_EQ(gate.request_conditions.size(), 1u);
  EXPECT_TRUE(gate.request_conditions[0].subquery);
  EXPECT_TRUE(gate.uses_lookups());
  {
    powersync::Connection backend(powersync::ConnectionOptions{.path = backend_path.string()});
    backend.exec("INSERT INTO lists VALUES ('l1', 'a', 'someone')");
  }
  ParameterLookup lookup(backend_path);
  auto names = [&](const std::string& user, const json& payload, const json& request) {
    TokenClaims claims;
    claims.subject = user;
    claims.payload = payload;
    std::vector<std::string> out;
    for (const auto& b : resolve_buckets(config, 1, claims, request, &lookup).buckets) out.push_back(b.name);
    return out;
  };
  EXPECT_EQ(names("boss", json::object(), json::object()), (std::vector<std::string>{"1#admin_todos|0[]"}));
  EXPECT_EQ(names("u1", json{{"role", "editor"}}, json::parse(R"({"parameters": {"features": ["beta"]}})")),
            (std::vector<std::string>{R"(1#by_role|0["u1"])", R"(1#editors_lists|0["l1"])", "1#opted_in|0[]",
                                      "1#tagged|0[]"}));
  EXPECT_TRUE(names("u2", json{{"role", "viewer"}}, json::parse(R"({"parameters": {"features": "[\"alpha\"]"}})")).empty());

  auto statement = lookup_statement(*only_query(config, "editors_lists").parameters[0].subquery,
                                    [](const ParameterCondition&) -> json { return "editor"; });
  EXPECT_EQ(statement.sql, "SELECT DISTINCT \"id\" FROM \"lists\" WHERE \"id\" IS NOT NULL AND ? = ?");
  EXPECT_EQ(statement.arguments, (std::vector<json>{"editor", "editor"}));
}

TEST(DevserverSubqueries, MoreThanAThousandBucketsAreRefused) {
  auto config = parse_config(config_yaml(kSharedTodos), "/base");
  TokenClaims claims;
  claims.subject = "u1";
  json ids = json::array();
  for (int i = 0; i < 1001; ++i) ids.push_back("l" + std::to_string(i));
  json request{{"streams", {{"include_defaults", false}, {"subscriptions", {{{"stream", "picked"}, {"parameters", {{"list_ids", ids}}}}}}}}};
  try {
    resolve_buckets(config, 1, claims, request);
    FAIL() << "no error";
  } catch (const powersync::Error& e) {
    EXPECT_STREQ(e.what(), "Too many buckets: 1001 (limit of 1000)");
  }
  ids.erase(ids.size() - 1);
  request["streams"]["subscriptions"][0]["parameters"]["list_ids"] = ids;
  EXPECT_EQ(resolve_buckets(config, 1, claims, request).buckets.size(), 1000u);
}

TEST(DevserverSubqueries, SeveralParametersGiveEveryCombinationInOrder) {
  TempDir dir;
  auto backend_path = dir.path / "backend.db";
  {
    powersync::Connection backend(powersync::ConnectionOptions{.path = backend_path.string()});
    backend.exec(kSchema);
    backend.exec("INSERT INTO list_shares VALUES ('s1', 'l1', 'u1'), ('s2', 'l2', 'u1')");
  }
  auto config = parse_config(config_yaml(R"(config:
  edition: 3
streams:
  s:
    auto_subscribe: true
    query: SELECT * FROM todos WHERE list_id IN (SELECT list_id FROM list_shares WHERE user_id = auth.user_id()) AND label IN connection.parameter('labels')
)"),
                             dir.path);
  ParameterLookup lookup(backend_path);
  TokenClaims claims;
  claims.subject = "u1";
  auto resolved = resolve_buckets(config, 1, claims, json::parse(R"({"parameters": {"labels": ["a", "b"]}})"), &lookup);
  std::vector<std::string> names;
  for (const auto& b : resolved.buckets) names.push_back(b.name);
  EXPECT_EQ(names, (std::vector<std::string>{R"(1#s|0["l1","a"])", R"(1#s|0["l1","b"])", R"(1#s|0["l2","a"])",
                                             R"(1#s|0["l2","b"])"}));
}

namespace {

// Client-side view: the current bucket set and each bucket's rows (null once removed).
struct ClientView {
  std::map<std::string, json> buckets;
  std::map<std::string, std::map<std::string, json>> rows;
  json last_diff;

  void apply(const json& line) {
    if (line.contains("checkpoint")) {
      buckets.clear();
      for (const auto& b : line["checkpoint"]["buckets"]) buckets[b["bucket"]] = b;
    } else if (line.contains("checkpoint_diff")) {
      last_diff = line["checkpoint_diff"];
      for (const auto& b : last_diff["updated_buckets"]) buckets[b["bucket"]] = b;
      for (const auto& b : last_diff["removed_buckets"]) {
        buckets.erase(b.get<std::string>());
        rows.erase(b.get<std::string>());  // as the client does with a removed bucket
      }
    } else if (line.contains("data")) {
      for (const auto& op : line["data"]["data"]) {
        auto& slot = rows[line["data"]["bucket"]][op["object_id"]];
        slot = op["op"] == "PUT" ? json::parse(op["data"].get<std::string>()) : json();
      }
    }
  }

  // Every todo this client has, from any bucket.
  std::set<std::string> todos() const {
    std::set<std::string> out;
    for (const auto& [bucket, objects] : rows)
      for (const auto& [id, data] : objects)
        if (!data.is_null()) out.insert(id);
    return out;
  }
};

}  // namespace

TEST(DevserverSubqueries, SharingAndUnsharingAListChangesTheOpenStreamsBuckets) {
  TempDir dir;
  {
    powersync::Connection backend(powersync::ConnectionOptions{.path = (dir.path / "backend.db").string()});
    backend.exec(kSchema);
    backend.exec(R"sql(
      INSERT INTO lists VALUES ('l1', 'groceries', 'u1'), ('l2', 'work', 'u2');
      INSERT INTO todos VALUES ('t1', 'milk', 'l1'), ('t2', 'eggs', 'l1'), ('t3', 'report', 'l2');
    )sql");
  }
  auto config = parse_config(config_yaml(kSharedTodos), dir.path);
  auto key = config.keys.front();
  DevServer server(std::move(config));
  server.start();
  powersync::Connection backend(powersync::ConnectionOptions{.path = (dir.path / "backend.db").string()});
  auto now = unix_now();

  HttpConnection stream(server.port());
  stream.send("POST", "/sync/stream", json{{"buckets", json::array()}, {"client_id", "c2"}}.dump(),
              sign_token(key, "u2", "powersync-dev", now, now + 3600));
  ASSERT_EQ(stream.status, 200);
  ClientView view;
  const std::string owned_l2 = R"(1#owned_todos|0["l2"])";
  const std::string shared_l1 = R"(1#shared_todos|0["l1"])";
  read_until(stream, view, [](const ClientView& v) { return v.todos() == std::set<std::string>{"t3"}; });
  EXPECT_EQ(view.buckets.size(), 1u);
  EXPECT_TRUE(view.buckets.count(owned_l2));

  // u1 shares l1 with u2: the open stream gains the bucket and its todos.
  backend.exec("INSERT INTO list_shares VALUES ('s1', 'l1', 'u2')");
  read_until(stream, view, [](const ClientView& v) { return v.todos() == std::set<std::string>{"t1", "t2", "t3"}; });
  ASSERT_TRUE(view.last_diff.is_object());
  ASSERT_EQ(view.last_diff["updated_buckets"].size(), 1u);
  EXPECT_EQ(view.last_diff["updated_buckets"][0]["bucket"], shared_l1);
  EXPECT_EQ(view.last_diff["updated_buckets"][0]["count"], 2);
  EXPECT_TRUE(view.last_diff["removed_buckets"].empty());

  // A todo added to the shared list reaches u2 through the same bucket.
  backend.exec("INSERT INTO todos VALUES ('t4', 'bread', 'l1')");
  read_until(stream, view, [](const ClientView& v) { return v.todos().count("t4") > 0; });

  // Unsharing removes the bucket (and so its todos) from u2's stream.
  backend.exec("DELETE FROM list_shares WHERE id = 's1'");
  read_until(stream, view, [](const ClientView& v) { return v.todos() == std::set<std::string>{"t3"}; });
  EXPECT_EQ(view.last_diff["removed_buckets"], json::array({shared_l1}));
  EXPECT_TRUE(view.last_diff["updated_buckets"].empty());
  EXPECT_FALSE(view.buckets.count(shared_l1));

  // Ownership moves: u2 gains l1 through the other stream and loses l2.
  backend.exec("UPDATE lists SET owner_id = 'u2' WHERE id = 'l1'; UPDATE lists SET owner_id = 'u1' WHERE id = 'l2'");
  read_until(stream, view, [&](const ClientView& v) {
    return v.buckets.count(R"(1#owned_todos|0["l1"])") && !v.buckets.count(owned_l2);
  });
  EXPECT_EQ(view.todos(), (std::set<std::string>{"t1", "t2", "t4"}));
  server.stop();
}

TEST(DevserverSubqueries, LegacyParameterQueriesFollowTheBackendToo) {
  TempDir dir;
  {
    powersync::Connection backend(powersync::ConnectionOptions{.path = (dir.path / "backend.db").string()});
    backend.exec(kSchema);
    backend.exec("INSERT INTO todos VALUES ('t1', 'milk', 'l1'), ('t2', 'report', 'l2')");
  }
  auto config = parse_config(config_yaml(R"(bucket_definitions:
  shared:
    parameters: SELECT list_id FROM list_shares WHERE user_id = request.user_id()
    data:
      - SELECT * FROM todos WHERE list_id = bucket.list_id
)"),
                             dir.path);
  auto key = config.keys.front();
  DevServer server(std::move(config));
  server.start();
  powersync::Connection backend(powersync::ConnectionOptions{.path = (dir.path / "backend.db").string()});
  auto now = unix_now();
  HttpConnection stream(server.port());
  stream.send("POST", "/sync/stream", json{{"buckets", json::array()}}.dump(),
              sign_token(key, "u2", "powersync-dev", now, now + 3600));
  ASSERT_EQ(stream.status, 200);
  ClientView view;
  read_until(stream, view, [](const ClientView& v) { return v.buckets.empty(); });

  backend.exec("INSERT INTO list_shares VALUES ('s1', 'l2', 'u2')");
  read_until(stream, view, [](const ClientView& v) { return v.todos() == std::set<std::string>{"t2"}; });
  EXPECT_EQ(view.last_diff["updated_buckets"][0]["bucket"], R"(shared["l2"])");  // edition 1: unversioned

  backend.exec("DELETE FROM list_shares");
  read_until(stream, view, [](const ClientView& v) { return v.todos().empty(); });
  EXPECT_EQ(view.last_diff["removed_buckets"], json::array({R"(shared["l2"])"}));
  server.stop();
}
