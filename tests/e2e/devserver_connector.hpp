#pragma once
// An app's backend connector for the devserver, as an app would write one: credentials from a
// token source, uploads posted to the devserver's backend API (POST /api/data) through the
// libcurl client. Completing the upload leaves the write checkpoint to the sync engine.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "powersync/database.hpp"
#include "powersync/sync/connector.hpp"
#include "powersync/transport/http_client.hpp"

namespace powersync::test {

struct IssuedToken {
  std::string token;
  std::optional<std::chrono::system_clock::time_point> expires_at;
};

class DevserverConnector : public sync::Connector {
 public:
  using TokenSource = std::function<IssuedToken()>;

  DevserverConnector(std::string endpoint, TokenSource tokens);

  // Set once the database is open; a weak reference, as the database owns the sync worker.
  void attach(const std::shared_ptr<Database>& db) { database_ = db; }

  void fetch_credentials(std::shared_ptr<sync::Completion<std::optional<sync::Credentials>>> done) override;
  void upload_data(std::shared_ptr<sync::Completion<sync::Done>> done) override;

  int credentials_fetched() const noexcept { return credentials_fetched_.load(); }
  int uploads_completed() const noexcept { return uploads_completed_.load(); }
  // Makes every upload fail (the queue must then be kept and retried).
  void set_uploads_failing(bool failing) noexcept { uploads_failing_ = failing; }

 private:
  // Posts one batch; throws powersync::Error unless the backend answered 200.
  void post_batch(const CrudBatch& batch);

  std::string endpoint_;
  TokenSource tokens_;
  std::weak_ptr<Database> database_;
  std::unique_ptr<transport::HttpClient> http_;
  std::mutex http_mutex_;
  std::atomic<int> credentials_fetched_{0};
  std::atomic<int> uploads_completed_{0};
  std::atomic<bool> uploads_failing_{false};
};

// The devserver upload API's body for a batch: {"batch":[{"op","type","id","data"}...]}.
std::string upload_body(const CrudBatch& batch);

}  // namespace powersync::test
