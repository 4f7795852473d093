#pragma once
// Legacy sync rules: one `bucket_definitions` entry becomes a StreamDefinition with legacy = true.
//   my_lists:
//     parameters: SELECT request.user_id() AS user_id        # or a list; or a query with FROM
//     data:
//       - SELECT * FROM lists WHERE owner_id = bucket.user_id
//     priority: 1                                           # optional
// Every parameter query must give the same parameter names and every data query must use each of
// them once (`column = bucket.name`), as the service requires.

#include <string>

#include <yaml-cpp/yaml.h>

#include "config.hpp"

namespace powersync::devserver {

// `edition` is the sync config's (1 when absent): bucket names carry the version from edition 2.
StreamDefinition parse_legacy_bucket_definition(const std::string& name, const YAML::Node& node, int edition);

}  // namespace powersync::devserver
