#pragma once
// The devserver's YAML configuration, in the PowerSync Service's shape where one applies:
//   port, host                      where to listen (host defaults to 127.0.0.1)
//   storage: {path}                 the devserver's own bucket storage (SQLite file)
//   replication: {connections: [{type: sqlite, path, demo_schema}]}   the backend database
//   sync_config: {path | content}   edition-3 sync config (`sync_rules` is accepted as the old name);
//                                   an inline mapping with `streams:` works too
//   client_auth: {jwks: {keys: [{kty: oct, alg: HS256, kid, k} | {kty: RSA, alg: RS256, kid, n, e}]},
//                 jwks_uri: <local JWKS JSON file>, audience: [...]}
// Relative paths resolve against the config file's folder.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "stream_query.hpp"

namespace powersync::devserver {

struct HmacKey {
  std::string kid;     // empty: matches tokens with any or no kid
  std::string secret;  // raw key bytes (decoded from the JWK's base64url `k`)
};

// An RS256 public key from a JWK (kty RSA): modulus and exponent as big-endian bytes.
struct RsaKey {
  std::string kid;  // empty: matches tokens with any or no kid
  std::string modulus;
  std::string exponent;
};

// A stream, or a legacy `bucket_definitions` entry (legacy = true): its data queries are
// `queries`, its buckets named <name>[<parameters>] (with "<version>#" from edition 2) and
// its parameters come from `parameter_queries`; every data query uses every bucket parameter.
struct StreamDefinition {
  std::string name;
  std::vector<StreamQuery> queries;  // the index is the bucket name's query index (streams)
  bool auto_subscribe = false;
  int priority = 3;
  bool legacy = false;
  bool versioned_bucket_names = true;           // legacy: only from edition 2
  std::vector<std::string> bucket_parameters;  // legacy: the names, in bucket-name order
  std::vector<LegacyParameterQuery> parameter_queries;

  // Every backend table a lookup of this definition reads, added to `tables` without duplicates.
  void collect_lookup_tables(std::vector<std::string>& tables) const;
  bool uses_lookups() const;
  // The bucket a data row with these parameters belongs to, for query `query_index`.
  std::string bucket(int sync_version, int query_index, const nlohmann::json& parameters) const;
};

struct DevserverConfig {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  std::filesystem::path storage_path;
  std::filesystem::path backend_path;
  bool demo_schema = true;  // create lists/todos in a fresh backend database
  std::vector<StreamDefinition> streams;
  std::vector<HmacKey> keys;     // HS256; the first one signs development tokens
  std::vector<RsaKey> rsa_keys;  // RS256, verification only
  std::vector<std::string> audiences;
  int keepalive_seconds = 20;
  int poll_interval_ms = 100;
  // Automatic compaction (compactor.hpp): every interval, buckets with at least this many ops
  // superseded since their last compaction are compacted; an interval of 0 turns it off.
  int compact_interval_seconds = 30;
  int compact_min_superseded = 200;
  std::string sync_config_text;  // the sync config's source, fingerprinted to version bucket names

  const StreamDefinition* find_stream(std::string_view name) const;
  bool uses_lookups() const;  // some query has an IN (subquery), JOIN or CTE lookup
};

// Throws powersync::Error(invalid_argument) naming the offending key, stream and construct.
DevserverConfig parse_config(std::string_view yaml_text, const std::filesystem::path& base_dir);
DevserverConfig load_config(const std::filesystem::path& file);

// Parses just a sync config document (`config: {edition: 3}`, `streams:`).
std::vector<StreamDefinition> parse_sync_config(std::string_view yaml_text);

}  // namespace powersync::devserver
