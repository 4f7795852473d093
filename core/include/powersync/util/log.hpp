#pragma once
// Process-wide logging sink. Records below the configured level cost one atomic load.

#include <functional>
#include <string_view>

namespace powersync::log {

enum class Level : int { trace = 0, debug = 1, info = 2, warn = 3, error = 4, off = 5 };

using Sink = std::function<void(Level, std::string_view)>;

// Installs `sink` for records at `min_level` and above; an empty sink disables logging.
// Returns once no call into the previous sink is in flight.
void set_sink(Level min_level, Sink sink);

bool enabled(Level level) noexcept;
void write(Level level, std::string_view message) noexcept;

inline void debug(std::string_view m) noexcept { if (enabled(Level::debug)) write(Level::debug, m); }
inline void info(std::string_view m) noexcept { if (enabled(Level::info)) write(Level::info, m); }
inline void warn(std::string_view m) noexcept { if (enabled(Level::warn)) write(Level::warn, m); }
inline void error(std::string_view m) noexcept { if (enabled(Level::error)) write(Level::error, m); }

}  // namespace powersync::log
