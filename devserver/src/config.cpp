#include "config.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "base64url.hpp"
#include "bucket_name.hpp"
#include "legacy_bucket_definitions.hpp"
#include "powersync/util/error.hpp"

namespace powersync::devserver {
namespace {

[[noreturn]] void config_error(const std::string& message) { throw_invalid_argument("config: " + message); }

void reject_unknown_keys(const YAML::Node& node, const std::string& where, const std::set<std::string>& allowed) {
  if (!node.IsMap()) config_error(where + " must be a mapping");
  for (const auto& entry : node) {
    auto key = entry.first.as<std::string>();
    if (!allowed.count(key)) config_error("unsupported key '" + key + "' in " + where);
  }
}

std::filesystem::path resolve(const std::filesystem::path& base, const std::string& path) {
  std::filesystem::path p(path);
  return p.is_absolute() ? p : base / p;
}

std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) config_error("cannot read " + file.string());
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// A `with:` block: each entry may use the ones before it (and those of `visible`).
CommonTableExpressions parse_with(const std::string& stream, const YAML::Node& node, CommonTableExpressions visible) {
  std::string where = stream.empty() ? "the sync config's with" : "stream '" + stream + "': with";
  if (!node.IsMap()) config_error(where + " must be a mapping of names to queries");
  for (const auto& entry : node) {
    auto name = entry.first.as<std::string>();
    if (!entry.second.IsScalar()) config_error(where + ": '" + name + "' must be a query");
    visible[name] = parse_common_table_expression(stream, name, entry.second.as<std::string>(), visible);
  }
  return visible;
}

StreamDefinition parse_stream(const std::string& name, const YAML::Node& node, const CommonTableExpressions& global) {
  if (!node.IsMap()) config_error("stream '" + name + "' must be a mapping");
  StreamDefinition stream;
  stream.name = name;
  CommonTableExpressions ctes = node["with"] ? parse_with(name, node["with"], global) : global;
  for (const auto& entry : node) {
    auto key = entry.first.as<std::string>();
    if (key == "query") {
      stream.queries.push_back(parse_stream_query(name, entry.second.as<std::string>(), ctes));
    } else if (key == "queries") {
      if (!entry.second.IsSequence()) config_error("stream '" + name + "': queries must be a list");
      for (const auto& q : entry.second) stream.queries.push_back(parse_stream_query(name, q.as<std::string>(), ctes));
    } else if (key == "auto_subscribe") {
      stream.auto_subscribe = entry.second.as<bool>();
    } else if (key == "priority") {
      stream.priority = entry.second.as<int>();
      if (stream.priority < 0 || stream.priority > 3) config_error("stream '" + name + "': priority must be 0..3");
    } else if (key == "accept_potentially_dangerous_queries") {
      // Only silences a warning in the real service.
    } else if (key == "with") {
      // Parsed above, before the queries that use it.
    } else {
      config_error("stream '" + name + "': unsupported key '" + key + "'");
    }
  }
  if (stream.queries.empty()) config_error("stream '" + name + "' has no query");
  return stream;
}

std::vector<StreamDefinition> parse_sync_node(const YAML::Node& root) {
  if (!root.IsMap()) config_error("the sync config must be a mapping");
  std::vector<StreamDefinition> streams;
  int edition = 1;  // the service's default: legacy sync rules
  if (root["config"]) {
    reject_unknown_keys(root["config"], "the sync config's config section", {"edition"});
    if (root["config"]["edition"]) edition = root["config"]["edition"].as<int>();
    if (edition < 1 || edition > 3) config_error("edition must be 1, 2 or 3");
  }
  CommonTableExpressions global = root["with"] ? parse_with("", root["with"], {}) : CommonTableExpressions{};
  for (const auto& entry : root) {
    auto key = entry.first.as<std::string>();
    if (key == "config" || key == "with") {
      // Read above, before what depends on them.
    } else if (key == "streams") {
      if (!entry.second.IsMap()) config_error("streams must be a mapping of stream names");
      for (const auto& s : entry.second) streams.push_back(parse_stream(s.first.as<std::string>(), s.second, global));
    } else if (key == "bucket_definitions") {
      if (!entry.second.IsMap()) config_error("bucket_definitions must be a mapping of bucket names");
      for (const auto& b : entry.second)
        streams.push_back(parse_legacy_bucket_definition(b.first.as<std::string>(), b.second, edition));
    } else {
      config_error("unsupported key '" + key + "' in the sync config");
    }
  }
  if (streams.empty()) config_error("the sync config defines no streams or bucket_definitions");
  return streams;
}

void parse_jwk(const YAML::Node& key, DevserverConfig& config) {
  reject_unknown_keys(key, "a client_auth key", {"kty", "alg", "kid", "k", "use", "n", "e", "key_ops"});
  auto kty = key["kty"] ? key["kty"].as<std::string>() : "";
  auto alg = key["alg"] ? key["alg"].as<std::string>() : "";
  auto kid = key["kid"] ? key["kid"].as<std::string>() : "";
  auto bytes = [&](const char* member) {
    if (!key[member]) config_error("client_auth key '" + kid + "' has no '" + member + "'");
    auto decoded = base64url_decode(key[member].as<std::string>());
    if (!decoded || decoded->empty()) config_error("client_auth key '" + kid + "': '" + member + "' is not base64url");
    return *decoded;
  };
  if (kty == "oct" && alg == "HS256") {
    config.keys.push_back({kid, bytes("k")});
  } else if (kty == "RSA" && (alg == "RS256" || alg.empty())) {
    config.rsa_keys.push_back({kid, bytes("n"), bytes("e")});
  } else {
    config_error("unsupported client_auth key (kty '" + kty + "', alg '" + alg +
                 "'); supported: kty oct with alg HS256, kty RSA with alg RS256");
  }
}

void parse_client_auth(const YAML::Node& node, DevserverConfig& config, const std::filesystem::path& base_dir) {
  reject_unknown_keys(node, "client_auth", {"jwks", "jwks_uri", "audience"});
  if (node["audience"]) {
    if (node["audience"].IsSequence()) {
      for (const auto& a : node["audience"]) config.audiences.push_back(a.as<std::string>());
    } else {
      config.audiences.push_back(node["audience"].as<std::string>());
    }
  }
  if (node["jwks"]) {
    reject_unknown_keys(node["jwks"], "client_auth.jwks", {"keys"});
    for (const auto& key : node["jwks"]["keys"]) parse_jwk(key, config);
  }
  if (node["jwks_uri"]) {
    // A JWKS document on disk (a JSON file is YAML too); the devserver fetches nothing remote.
    auto uri = node["jwks_uri"].as<std::string>();
    std::string_view path(uri);
    if (path.substr(0, 7) == "file://") path.remove_prefix(7);
    else if (path.find("://") != std::string_view::npos)
      config_error("client_auth.jwks_uri '" + uri + "': only local files (a path or file://) are supported");
    YAML::Node jwks;
    try {
      jwks = YAML::Load(read_file(resolve(base_dir, std::string(path))));
    } catch (const YAML::Exception& e) {
      config_error("client_auth.jwks_uri '" + uri + "' is not a JWKS document: " + e.what());
    }
    if (!jwks.IsMap() || !jwks["keys"] || !jwks["keys"].IsSequence())
      config_error("client_auth.jwks_uri '" + uri + "' has no \"keys\" array");
    for (const auto& key : jwks["keys"]) parse_jwk(key, config);
  }
}

}  // namespace

void StreamDefinition::collect_lookup_tables(std::vector<std::string>& tables) const {
  for (const auto& q : queries) powersync::devserver::collect_lookup_tables(q, tables);
  for (const auto& p : parameter_queries) {
    if (!p.lookup) continue;
    if (std::find(tables.begin(), tables.end(), p.lookup->table) == tables.end()) tables.push_back(p.lookup->table);
    StreamQuery conditions;
    conditions.parameters = p.lookup->parameters;
    powersync::devserver::collect_lookup_tables(conditions, tables);
  }
}

bool StreamDefinition::uses_lookups() const {
  std::vector<std::string> tables;
  collect_lookup_tables(tables);
  return !tables.empty();
}

std::string StreamDefinition::bucket(int sync_version, int query_index, const nlohmann::json& parameters) const {
  if (legacy) return legacy_bucket_name(versioned_bucket_names ? sync_version : 0, name, parameters);
  return bucket_name(sync_version, name, query_index, parameters);
}

bool DevserverConfig::uses_lookups() const {
  return std::any_of(streams.begin(), streams.end(), [](const StreamDefinition& s) { return s.uses_lookups(); });
}

const StreamDefinition* DevserverConfig::find_stream(std::string_view name) const {
  for (const auto& s : streams)
    if (s.name == name) return &s;
  return nullptr;
}

std::vector<StreamDefinition> parse_sync_config(std::string_view yaml_text) {
  try {
    return parse_sync_node(YAML::Load(std::string(yaml_text)));
  } catch (const YAML::Exception& e) {
    config_error(std::string("invalid sync config YAML: ") + e.what());
  }
}

DevserverConfig parse_config(std::string_view yaml_text, const std::filesystem::path& base_dir) {
  DevserverConfig config;
  try {
    YAML::Node root = YAML::Load(std::string(yaml_text));
    reject_unknown_keys(root, "the top level",
                        {"port", "host", "storage", "replication", "sync_config", "sync_rules", "client_auth",
                         "devserver"});
    if (root["port"]) config.port = root["port"].as<std::uint16_t>();
    if (root["host"]) config.host = root["host"].as<std::string>();
    if (root["storage"]) {
      reject_unknown_keys(root["storage"], "storage", {"type", "path"});
      if (root["storage"]["type"] && root["storage"]["type"].as<std::string>() != "sqlite")
        config_error("storage.type must be sqlite");
      if (root["storage"]["path"]) config.storage_path = resolve(base_dir, root["storage"]["path"].as<std::string>());
    }
    if (root["replication"]) {
      reject_unknown_keys(root["replication"], "replication", {"connections"});
      const auto& connections = root["replication"]["connections"];
      if (!connections.IsSequence() || connections.size() != 1)
        config_error("replication.connections must list exactly one connection");
      const auto& c = connections[0];
      reject_unknown_keys(c, "the replication connection", {"type", "path", "demo_schema", "tag", "id"});
      if (!c["type"] || c["type"].as<std::string>() != "sqlite")
        config_error("the replication connection must have type: sqlite");
      if (!c["path"]) config_error("the replication connection needs a path");
      config.backend_path = resolve(base_dir, c["path"].as<std::string>());
      if (c["demo_schema"]) config.demo_schema = c["demo_schema"].as<bool>();
    }
    if (root["sync_config"] && root["sync_rules"]) config_error("give either sync_config or sync_rules, not both");
    YAML::Node sync = root["sync_config"] ? root["sync_config"] : root["sync_rules"];
    if (!sync) config_error("sync_config is missing");
    if (sync.IsMap() && (sync["streams"] || sync["bucket_definitions"])) {
      config.sync_config_text = YAML::Dump(sync);
      config.streams = parse_sync_node(sync);
    } else {
      reject_unknown_keys(sync, "sync_config", {"path", "content", "exit_on_error"});
      if (sync["content"]) {
        config.sync_config_text = sync["content"].as<std::string>();
      } else if (sync["path"]) {
        config.sync_config_text = read_file(resolve(base_dir, sync["path"].as<std::string>()));
      } else {
        config_error("sync_config needs path, content or streams");
      }
      config.streams = parse_sync_config(config.sync_config_text);
    }
    if (root["client_auth"]) parse_client_auth(root["client_auth"], config, base_dir);
    if (root["devserver"]) {
      reject_unknown_keys(root["devserver"], "devserver",
                          {"keepalive_seconds", "poll_interval_ms", "compact_interval_seconds", "compact_min_superseded"});
      if (root["devserver"]["compact_interval_seconds"])
        config.compact_interval_seconds = root["devserver"]["compact_interval_seconds"].as<int>();
      if (root["devserver"]["compact_min_superseded"])
        config.compact_min_superseded = root["devserver"]["compact_min_superseded"].as<int>();
      if (root["devserver"]["keepalive_seconds"])
        config.keepalive_seconds = root["devserver"]["keepalive_seconds"].as<int>();
      if (root["devserver"]["poll_interval_ms"])
        config.poll_interval_ms = root["devserver"]["poll_interval_ms"].as<int>();
    }
  } catch (const YAML::Exception& e) {
    config_error(std::string("invalid YAML: ") + e.what());
  }
  if (config.keys.empty() && config.rsa_keys.empty())
    config_error("client_auth needs at least one key (jwks.keys or jwks_uri)");
  if (config.audiences.empty()) config.audiences = {"powersync-dev", "powersync"};
  if (config.storage_path.empty()) config.storage_path = base_dir / "devserver-storage.db";
  if (config.backend_path.empty()) config.backend_path = base_dir / "devserver-backend.db";
  std::set<std::string> names;
  for (const auto& s : config.streams)
    if (!names.insert(s.name).second) config_error("stream '" + s.name + "' is defined twice");
  return config;
}

DevserverConfig load_config(const std::filesystem::path& file) {
  auto base = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  return parse_config(read_file(file), base);
}

}  // namespace powersync::devserver
