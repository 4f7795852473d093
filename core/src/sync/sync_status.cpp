#include "powersync/sync/sync_status.hpp"

namespace powersync::sync {

std::optional<SyncStreamStatus> SyncStatus::for_stream(std::string_view name,
                                                       std::optional<std::string_view> parameters_json) const {
  const auto parameters = canonical_stream_parameters(parameters_json);
  for (const auto& stream : streams) {
    if (stream.name == name && stream.parameters_json == parameters) return stream;
  }
  return std::nullopt;
}

}  // namespace powersync::sync
