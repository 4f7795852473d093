#pragma once
// How sync lines go over the wire: NDJSON (one JSON document per line) or the concatenated BSON
// documents of `application/vnd.powersync.bson-stream`. Like the service, BSON is used only when
// the client's Accept header prefers it; everything else (no Accept, */*, ties) gets NDJSON.

#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "bucket_storage.hpp"

namespace powersync::devserver {

enum class SyncLineFormat { ndjson, bson };

inline constexpr std::string_view kNdjsonContentType = "application/x-ndjson";
inline constexpr std::string_view kBsonStreamContentType = "application/vnd.powersync.bson-stream";

// Content negotiation on an Accept header value (media ranges with q parameters).
SyncLineFormat negotiate_sync_line_format(std::string_view accept);
std::string_view content_type(SyncLineFormat format);

// One op of a data line as the service sends it: PUT and REMOVE with object_type, object_id,
// subkey and data; MOVE and CLEAR (left by compaction) with only op_id, op and checksum.
nlohmann::ordered_json oplog_entry_json(const OplogEntry& entry);

// One sync line in the given format: JSON text plus '\n', or one BSON document.
std::string encode_sync_line(const nlohmann::ordered_json& line, SyncLineFormat format);

// Whether an Accept-Encoding header allows gzip: its q (named, or through `*`) is above 0 and not
// below an explicitly listed identity's. Browsers, Node's fetch ("gzip, deflate") and curl ask for it.
bool accepts_gzip(std::string_view accept_encoding);

// Turns one stream's lines into the bytes that go out: encoded in the negotiated format and,
// with gzip, compressed into one gzip stream flushed after every line (Z_SYNC_FLUSH, as the
// service does), so each line reaches the client at once. Movable, not copyable: the compressor
// travels with the stream from its connection thread to the hub.
class SyncLineEncoder {
 public:
  explicit SyncLineEncoder(SyncLineFormat format, bool gzip = false);
  ~SyncLineEncoder();
  SyncLineEncoder(SyncLineEncoder&&) noexcept;
  SyncLineEncoder& operator=(SyncLineEncoder&&) noexcept;

  SyncLineFormat format() const { return format_; }
  bool gzip() const { return deflate_ != nullptr; }
  std::string encode(const nlohmann::ordered_json& line);
  // The end of the gzip stream (its trailer) for the response's last chunk; empty without gzip.
  std::string finish();

 private:
  struct Deflate;
  std::string compress(std::string_view bytes, int flush);
  SyncLineFormat format_;
  std::unique_ptr<Deflate> deflate_;
};

// A JSON object as one BSON document, numbers as the service's encoder writes them: integers
// that fit in 32 bits as int32, other numbers as double. Throws powersync::Error for a non-object.
std::string to_bson_document(const nlohmann::ordered_json& object);

}  // namespace powersync::devserver
