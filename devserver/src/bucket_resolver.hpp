#pragma once
// Request side of the stream queries: the buckets one sync request is entitled to, from its
// token, the default (auto_subscribe) streams and its explicit stream subscriptions.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config.hpp"
#include "jwt.hpp"
#include "parameter_lookup.hpp"

namespace powersync::devserver {

inline constexpr std::size_t kMaxBucketsPerConnection = 1000;

struct ResolvedBucket {
  std::string name;
  int priority = 3;
  nlohmann::json subscriptions = nlohmann::json::array();  // [{"default": i} | {"sub": i}]
};

struct ResolvedRequest {
  std::vector<ResolvedBucket> buckets;                 // sorted by priority, then name
  nlohmann::json streams = nlohmann::json::array();    // [{name, is_default, errors}]
  std::vector<std::string> lookup_tables;  // backend tables the lookups of the resolved streams read
};

// `lookup` evaluates IN (subquery) lookups; it may be null when the config has none. Throws
// powersync::Error(invalid_argument) past kMaxBucketsPerConnection buckets, as the service refuses them.
ResolvedRequest resolve_buckets(const DevserverConfig& config, int sync_version, const TokenClaims& claims,
                                const nlohmann::json& request, ParameterLookup* lookup = nullptr);

}  // namespace powersync::devserver
