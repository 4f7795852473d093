#pragma once
// The library version, shared by the C ABI (POWERSYNC_VERSION_STRING must match) and the
// user agent the sync client sends.

#include <string_view>

namespace powersync {

inline constexpr std::string_view kVersion = "0.1.0";

}  // namespace powersync
