#pragma once
// One client's sync stream: the checkpoint for its buckets, their data in pages, then a
// checkpoint_diff + data + checkpoint_complete whenever the storage changes, keepalives with the
// token's remaining lifetime, and the end of the stream when the token expires.

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "change_notifier.hpp"
#include "config.hpp"
#include "jwt.hpp"

namespace powersync::devserver {

inline constexpr int kOpsPerDataLine = 1000;

// Throws powersync::Error(invalid_argument) when a known key of a sync request has the wrong
// type, as the service's request validation does (answered 400 before the stream starts).
void validate_sync_request(const nlohmann::json& request);

class SyncStream {
 public:
  SyncStream(const DevserverConfig& config, int sync_version, ChangeNotifier& notifier, TokenClaims claims,
             nlohmann::json request);

  // Writes NDJSON lines (without the newline) until write_line returns false, the token expires,
  // the notifier is stopped or client_gone (checked every few seconds while idle) returns true.
  void run(const std::function<bool(const std::string&)>& write_line,
           const std::function<bool()>& client_gone = {});

 private:
  const DevserverConfig& config_;
  int sync_version_;
  ChangeNotifier& notifier_;
  TokenClaims claims_;
  nlohmann::json request_;
};

}  // namespace powersync::devserver
