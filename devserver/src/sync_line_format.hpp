#pragma once
// How sync lines go over the wire: NDJSON (one JSON document per line) or the concatenated BSON
// documents of `application/vnd.powersync.bson-stream`. Like the service, BSON is used only when
// the client's Accept header prefers it; everything else (no Accept, */*, ties) gets NDJSON.

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

// A JSON object as one BSON document, numbers as the service's encoder writes them: integers
// that fit in 32 bits as int32, other numbers as double. Throws powersync::Error for a non-object.
std::string to_bson_document(const nlohmann::ordered_json& object);

}  // namespace powersync::devserver
