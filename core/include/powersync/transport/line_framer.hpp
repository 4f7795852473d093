#pragma once
// Splits a sync stream body, arriving in arbitrary chunks, into whole lines: NDJSON lines or
// the length-prefixed documents of the BSON stream. A line that lies inside one chunk is handed
// out as a view into that chunk; only a line torn across chunks is copied.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace powersync::transport {

// The two body formats of POST /sync/stream, chosen by the response's Content-Type.
enum class StreamFormat { ndjson, bson };

inline constexpr std::string_view kBsonStreamContentType = "application/vnd.powersync.bson-stream";
inline constexpr std::string_view kNdjsonContentType = "application/x-ndjson";
// The Accept header the official SDKs send: BSON preferred, NDJSON accepted.
inline constexpr std::string_view kSyncStreamAccept =
    "application/vnd.powersync.bson-stream;q=0.9,application/x-ndjson;q=0.8";

// BSON for a Content-Type naming the BSON stream (parameters and case ignored), NDJSON for
// anything else, as the official SDKs decide.
StreamFormat stream_format_for_content_type(std::string_view content_type) noexcept;

// No real sync line comes near this (data lines carry about 1000 ops); a larger one means a
// broken or hostile server, and buffering it would only exhaust memory.
inline constexpr std::size_t kDefaultMaxLineSize = std::size_t{64} << 20;  // 64 MiB

// Receives each complete line. The view is valid only during the call.
using LineSink = std::function<void(std::string_view line)>;

class LineFramer {
 public:
  virtual ~LineFramer() = default;

  // Hands every line completed by `chunk` to `sink`, in order. Throws Error(network) when a line
  // exceeds the size limit ("sync line exceeds N bytes") or a BSON length prefix is invalid;
  // the framer is unusable afterwards. Exceptions thrown by `sink` propagate; the lines after
  // the failing one in the same chunk are then not delivered.
  virtual void feed(std::string_view chunk, const LineSink& sink) = 0;

  // Call when the body ended normally. Throws Error(network, "stream ended mid-line ...") if a
  // partial line is still buffered. A final NDJSON line without '\n' is torn, too: the real
  // service ends every line with one.
  virtual void end_of_stream() = 0;

  // Bytes held back, waiting for the rest of a line.
  virtual std::size_t buffered() const noexcept = 0;
};

// NDJSON: lines end with '\n' (a preceding '\r' is dropped); empty lines are skipped.
std::unique_ptr<LineFramer> make_ndjson_framer(std::size_t max_line_size = kDefaultMaxLineSize);

// BSON stream: concatenated documents, each starting with its int32 little-endian total size.
// A size below 5 (the empty document) or above the limit is an error.
std::unique_ptr<LineFramer> make_bson_framer(std::size_t max_line_size = kDefaultMaxLineSize);

std::unique_ptr<LineFramer> make_line_framer(StreamFormat format, std::size_t max_line_size = kDefaultMaxLineSize);

}  // namespace powersync::transport
