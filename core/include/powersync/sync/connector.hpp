#pragma once
// The app's backend connector, as in the official SDKs: it hands out credentials for the
// sync service and uploads the local writes to the app's own backend.

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "powersync/sync/completion.hpp"

namespace powersync::sync {

struct Credentials {
  std::string endpoint;  // e.g. https://example.powersync.journeyapps.com
  std::string token;     // a JWT; never logged
  std::optional<std::chrono::system_clock::time_point> expires_at;
};

class Connector {
 public:
  virtual ~Connector() = default;
  // Complete with credentials, with nullopt when the user is signed out, or fail.
  virtual void fetch_credentials(std::shared_ptr<Completion<std::optional<Credentials>>> done) = 0;
  // Upload queued writes (Database::get_crud_batch / get_next_crud_transaction and
  // complete them), then complete; fail to have the upload retried later.
  virtual void upload_data(std::shared_ptr<Completion<Done>> done) = 0;
};

}  // namespace powersync::sync
