#pragma once
// Identifies one subscription to a Sync Stream: the stream's name and the parameters it was
// subscribed with. Parameters are kept as canonical JSON text (nlohmann's dump: no spaces,
// object keys sorted), so equal parameters written differently are the same subscription.

#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace powersync::sync {

struct StreamKey {
  std::string name;
  std::optional<std::string> parameters_json;  // a canonical JSON object; nullopt: no parameters

  // Throws Error(invalid_argument) for an empty name or parameters that are not a JSON
  // object (JSON `null` and nullopt both mean "no parameters").
  static StreamKey make(std::string name, std::optional<std::string_view> parameters_json);

  // The text stored in ps_stream_subscriptions.local_params ('null' without parameters).
  std::string stored_parameters() const { return parameters_json.value_or("null"); }

  auto operator<=>(const StreamKey&) const = default;
  bool operator==(const StreamKey&) const = default;
};

// Canonical form of stream parameters; nullopt for none. Throws like StreamKey::make.
std::optional<std::string> canonical_stream_parameters(std::optional<std::string_view> parameters_json);

}  // namespace powersync::sync
