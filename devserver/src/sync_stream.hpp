#pragma once
// One client's sync stream as a state machine, so no thread has to wait on it: emit() sends the
// checkpoint for its buckets and their data in pages the first time, and afterwards a
// checkpoint_diff + data + checkpoint_complete whenever the bucket storage changed;
// on_timer() sends keepalives with the token's remaining lifetime and ends the stream when the
// token expires. Lines are JSON objects; the transport encodes them as NDJSON or BSON.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "bucket_resolver.hpp"
#include "bucket_storage.hpp"
#include "config.hpp"
#include "jwt.hpp"

namespace powersync::devserver {

inline constexpr int kOpsPerDataLine = 1000;

// Throws powersync::Error(invalid_argument) when a known key of a sync request has the wrong
// type, as the service's request validation does (answered 400 before the stream starts).
void validate_sync_request(const nlohmann::json& request);

// Receives one sync line; returns false when the client is gone (the stream then stops).
using SyncLineSink = std::function<bool(const nlohmann::ordered_json&)>;

class SyncStream {
 public:
  using Clock = std::chrono::steady_clock;

  SyncStream(const DevserverConfig& config, int sync_version, TokenClaims claims, nlohmann::json request);

  // Sends what changed in `storage` since the last call (all of it on the first call), inside
  // one read transaction. Returns false once the sink refused a line.
  bool emit(BucketStorage& storage, const SyncLineSink& sink);

  // Re-evaluates the request's buckets (after a table its lookups read changed); the next emit()
  // sends a checkpoint_diff with the added and removed buckets.
  void refresh_buckets(ParameterLookup& lookup);
  // The backend tables this stream's lookups read; empty when it has none.
  const std::vector<std::string>& lookup_tables() const { return resolved_.lookup_tables; }

  // When on_timer() has something to do next (keepalive or token expiry).
  Clock::time_point next_timer() const;
  // Sends a due keepalive; at expiry sends {"token_expires_in":0}. Returns false when the
  // stream is over (expired, or the sink refused a line).
  bool on_timer(Clock::time_point now, const SyncLineSink& sink);

 private:
  const DevserverConfig& config_;
  int sync_version_;
  TokenClaims claims_;
  nlohmann::json request_;
  ResolvedRequest resolved_;
  std::string client_id_;
  std::map<std::string, std::int64_t> after_;    // per bucket: the last op id the client has
  std::map<std::string, BucketState> sent_;      // bucket states in the last checkpoint sent
  std::optional<std::int64_t> sent_write_checkpoint_;
  bool first_ = true;
  Clock::duration keepalive_interval_;
  Clock::time_point next_keepalive_;
  Clock::time_point expires_at_;
};

}  // namespace powersync::devserver
