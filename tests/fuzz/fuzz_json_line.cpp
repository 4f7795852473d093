// libFuzzer: parse_json_line on arbitrary bytes. It may only return a line or throw
// powersync::Error; sanitizers catch everything else (overreads past the line, UB).
#include <cstddef>
#include <cstdint>
#include <string>

#include "powersync/protocol/sync_line.hpp"
#include "powersync/util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // An exact-size heap copy, so ASan sees any read beyond the line's end.
  const std::string line(reinterpret_cast<const char*>(data), size);
  try {
    (void)powersync::protocol::parse_json_line(line);
  } catch (const powersync::Error&) {
    // Malformed input must surface as Error, nothing else.
  }
  return 0;
}
