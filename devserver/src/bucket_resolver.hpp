#pragma once
// Request side of the stream queries: the buckets one sync request is entitled to, from its
// token, the default (auto_subscribe) streams and its explicit stream subscriptions.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config.hpp"
#include "jwt.hpp"

namespace powersync::devserver {

struct ResolvedBucket {
  std::string name;
  int priority = 3;
  nlohmann::json subscriptions = nlohmann::json::array();  // [{"default": i} | {"sub": i}]
};

struct ResolvedRequest {
  std::vector<ResolvedBucket> buckets;                 // sorted by priority, then name
  nlohmann::json streams = nlohmann::json::array();    // [{name, is_default, errors}]
};

ResolvedRequest resolve_buckets(const DevserverConfig& config, int sync_version, const TokenClaims& claims,
                                const nlohmann::json& request);

}  // namespace powersync::devserver
