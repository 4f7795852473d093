#pragma once
// Bucket names in the service's edition-3 form: <version>#<stream>|<query index>[<JSON parameters>].

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace powersync::devserver {

// `parameters` must be a JSON array; it is written compactly, as JSON.stringify does.
std::string bucket_name(int sync_version, std::string_view stream, int query_index, const nlohmann::json& parameters);

// A legacy bucket_definitions bucket: <definition>[<JSON parameters>], prefixed "<version>#"
// when `sync_version` is non-zero (the versioned_bucket_ids behaviour of edition 2 and later).
std::string legacy_bucket_name(int sync_version, std::string_view definition, const nlohmann::json& parameters);

}  // namespace powersync::devserver
