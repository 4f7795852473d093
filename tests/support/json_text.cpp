#include "json_text.hpp"

#include <nlohmann/json.hpp>

namespace powersync::test {

std::optional<std::string> normalize_json(std::string_view text) {
  // nlohmann::json keeps objects in a std::map, so dump() sorts the keys.
  auto parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return std::nullopt;
  return parsed.dump();
}

bool same_json(std::string_view a, std::string_view b) {
  auto na = normalize_json(a);
  auto nb = normalize_json(b);
  return na && nb && *na == *nb;
}

}  // namespace powersync::test
