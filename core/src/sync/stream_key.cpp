#include "powersync/sync/stream_key.hpp"

#include <nlohmann/json.hpp>

#include "powersync/util/error.hpp"

namespace powersync::sync {

std::optional<std::string> canonical_stream_parameters(std::optional<std::string_view> parameters_json) {
  if (!parameters_json) return std::nullopt;
  auto value = nlohmann::json::parse(*parameters_json, nullptr, false);
  if (value.is_discarded()) throw_invalid_argument("Stream parameters are not valid JSON");
  if (value.is_null()) return std::nullopt;
  if (!value.is_object()) throw_invalid_argument("Stream parameters must be a JSON object");
  // Invalid UTF-8 is replaced rather than thrown on: the text already parsed as JSON.
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

StreamKey StreamKey::make(std::string name, std::optional<std::string_view> parameters_json) {
  if (name.empty()) throw_invalid_argument("A sync stream needs a name");
  return StreamKey{std::move(name), canonical_stream_parameters(parameters_json)};
}

}  // namespace powersync::sync
