#pragma once
// The lines a PowerSync service streams to a client (NDJSON or BSON), as plain structs.
// Field names follow the wire format; see powersync-sqlite-core crates/core/src/sync/line.rs.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "powersync/protocol/checksum.hpp"

namespace powersync::protocol {

// Why a bucket is in the checkpoint: a default stream or an explicit subscription (by index).
struct BucketSubscriptionReason {
  bool is_default = false;
  std::int64_t index = 0;
  bool operator==(const BucketSubscriptionReason&) const = default;
};

struct BucketChecksum {
  std::string bucket;
  Checksum checksum;
  std::optional<int> priority;  // 0 (highest) .. 3; absent means the default, 3
  std::optional<std::int64_t> count;
  std::vector<BucketSubscriptionReason> subscriptions;
};

struct StreamSubscriptionError {
  std::optional<std::int64_t> subscription;  // explicit subscription index; nullopt = the default
  std::string message;
};

struct StreamDescription {
  std::string name;
  bool is_default = false;
  std::vector<StreamSubscriptionError> errors;
};

struct Checkpoint {
  std::int64_t last_op_id = 0;
  std::optional<std::int64_t> write_checkpoint;
  std::vector<BucketChecksum> buckets;
  std::vector<StreamDescription> streams;
};

struct CheckpointDiff {
  std::int64_t last_op_id = 0;
  std::optional<std::int64_t> write_checkpoint;
  std::vector<BucketChecksum> updated_buckets;
  std::vector<std::string> removed_buckets;
};

struct CheckpointComplete {
  std::int64_t last_op_id = 0;  // informational; 0 when absent
};

struct PartialCheckpointComplete {
  std::int64_t last_op_id = 0;
  int priority = 0;
};

enum class OpType { put, remove, move, clear };

struct OplogEntry {
  std::int64_t op_id = 0;
  OpType op = OpType::put;
  Checksum checksum;
  std::optional<std::string> object_type;
  std::optional<std::string> object_id;
  std::optional<std::string> subkey;
  std::optional<std::string> data;  // the row as JSON text; absent/null for REMOVE
};

struct DataLine {
  std::string bucket;
  std::vector<OplogEntry> data;
  bool has_more = false;
  std::optional<std::int64_t> after;
  std::optional<std::int64_t> next_after;
};

// Keepalive: seconds until the token expires; <= 0 means refresh now.
struct TokenExpiresIn {
  std::int64_t seconds = 0;
  bool expired() const noexcept { return seconds <= 0; }
};

// A line of a type this client does not know; ignored, as the official client does.
struct UnknownLine {
  std::string type;
};

using SyncLine = std::variant<Checkpoint, CheckpointDiff, CheckpointComplete, PartialCheckpointComplete, DataLine,
                              TokenExpiresIn, UnknownLine>;

// The highest and lowest bucket priorities.
inline constexpr int kHighestPriority = 0;
inline constexpr int kLowestPriority = 3;

// Parses one NDJSON line. Throws Error(network) naming the field at fault for a malformed
// line (invalid JSON, a wrong type, a missing field, an out-of-range number).
SyncLine parse_json_line(std::string_view line);

// Parses one BSON document of an application/vnd.powersync.bson-stream response (the same
// shape as the JSON lines). Throws Error(network) like parse_json_line.
SyncLine parse_bson_line(const std::uint8_t* data, std::size_t size);

}  // namespace powersync::protocol
