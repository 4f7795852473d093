#include "bucket_name.hpp"

#include "powersync/util/error.hpp"

namespace powersync::devserver {

std::string bucket_name(int sync_version, std::string_view stream, int query_index, const nlohmann::json& parameters) {
  if (!parameters.is_array()) throw_invalid_argument("bucket parameters must be a JSON array");
  std::string name = std::to_string(sync_version);
  name.append("#").append(stream).append("|").append(std::to_string(query_index));
  name.append(parameters.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  return name;
}

std::string legacy_bucket_name(int sync_version, std::string_view definition, const nlohmann::json& parameters) {
  if (!parameters.is_array()) throw_invalid_argument("bucket parameters must be a JSON array");
  std::string name = sync_version > 0 ? std::to_string(sync_version) + "#" : std::string();
  name.append(definition);
  name.append(parameters.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  return name;
}

}  // namespace powersync::devserver
