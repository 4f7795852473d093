// powersync_connector_t and its requests: the host's connector as a sync::Connector.
//
// Each request handle carries the engine's Completion; the adapter keeps its own reference,
// so a callback that reports a failure can fail the request even after the host freed it.

#include <chrono>

#include "error.hpp"
#include "handles.hpp"
#include "powersync/util/log.hpp"

using namespace powersync;
using namespace powersync::capi;

namespace powersync::capi {
namespace {

using CredentialsCompletion = sync::Completion<std::optional<sync::Credentials>>;
using UploadCompletion = sync::Completion<sync::Done>;

// The smallest table this version understands: up to and including free_user_data.
constexpr std::size_t kMinimumConnectorSize = offsetof(powersync_connector_t, free_user_data) + sizeof(void*);

std::string failure_message(const char* message, const char* fallback) {
  return message != nullptr && *message != '\0' ? std::string(message) : std::string(fallback);
}

class HostConnector final : public sync::Connector {
 public:
  explicit HostConnector(const powersync_connector_t& table) : table_(table) {}
  ~HostConnector() override {
    if (table_.free_user_data != nullptr) table_.free_user_data(table_.user_data);
  }
  HostConnector(const HostConnector&) = delete;
  HostConnector& operator=(const HostConnector&) = delete;

  void fetch_credentials(std::shared_ptr<CredentialsCompletion> done) override {
    auto* request = new powersync_credentials_request_t{done};
    const int32_t status = table_.fetch_credentials(table_.user_data, request);
    if (status != POWERSYNC_OK)
      done->fail(std::string("fetch_credentials returned ") + powersync_status_name(status));
  }

  void upload_data(std::shared_ptr<UploadCompletion> done) override {
    auto* request = new powersync_upload_request_t{done};
    const int32_t status = table_.upload_data(table_.user_data, request);
    if (status != POWERSYNC_OK) done->fail(std::string("upload_data returned ") + powersync_status_name(status));
  }

 private:
  powersync_connector_t table_;
};

}  // namespace

std::shared_ptr<sync::Connector> make_host_connector(const powersync_connector_t* connector) {
  require(connector, "connector");
  // A table too small to hold free_user_data cannot be trusted with anything, so it is not freed.
  if (connector->struct_size < kMinimumConnectorSize) {
    throw_invalid_argument("connector struct_size is " + std::to_string(connector->struct_size) +
                           ", expected at least " + std::to_string(kMinimumConnectorSize) +
                           " (set it to sizeof(powersync_connector_t))");
  }
  powersync_connector_t table{};
  table.struct_size = sizeof(table);
  table.user_data = connector->user_data;
  table.fetch_credentials = connector->fetch_credentials;
  table.upload_data = connector->upload_data;
  table.free_user_data = connector->free_user_data;
  auto adapter = std::make_shared<HostConnector>(table);  // from here on, owns user_data
  if (table.fetch_credentials == nullptr) throw_invalid_argument("connector.fetch_credentials is NULL");
  if (table.upload_data == nullptr) throw_invalid_argument("connector.upload_data is NULL");
  return adapter;
}

}  // namespace powersync::capi

namespace {

// Takes the request out of the caller's pointer, so every finishing call frees it.
template <typename Request>
std::unique_ptr<Request> take(Request** request) {
  require(request, "request");
  require(*request, "*request");
  return std::unique_ptr<Request>(std::exchange(*request, nullptr));
}

}  // namespace

extern "C" {

powersync_status powersync_credentials_request_complete(powersync_credentials_request_t** request,
                                                        const char* endpoint, const char* token,
                                                        int64_t expires_at_ms) {
  return guarded([&] {
    auto owned = take(request);
    if (endpoint == nullptr || *endpoint == '\0' || token == nullptr) {
      owned->done->fail("fetch_credentials completed without an endpoint or token");
      require(endpoint, "endpoint");
      require(token, "token");
      throw_invalid_argument("endpoint is empty");
    }
    sync::Credentials credentials{endpoint, token, std::nullopt};
    if (expires_at_ms > 0) {
      credentials.expires_at = std::chrono::system_clock::time_point(std::chrono::milliseconds(expires_at_ms));
    }
    owned->done->complete(std::move(credentials));
  });
}

powersync_status powersync_credentials_request_signed_out(powersync_credentials_request_t** request) {
  return guarded([&] { take(request)->done->complete(std::nullopt); });
}

powersync_status powersync_credentials_request_fail(powersync_credentials_request_t** request, const char* message) {
  return guarded([&] { take(request)->done->fail(failure_message(message, "fetch_credentials failed")); });
}

void powersync_credentials_request_free(powersync_credentials_request_t** request) {
  if (request == nullptr || *request == nullptr) return;
  std::unique_ptr<powersync_credentials_request_t> owned(std::exchange(*request, nullptr));
  owned->done->fail("the credentials request was freed without being completed");
}

powersync_status powersync_upload_request_complete(powersync_upload_request_t** request) {
  return guarded([&] { take(request)->done->complete(sync::Done{}); });
}

powersync_status powersync_upload_request_fail(powersync_upload_request_t** request, const char* message) {
  return guarded([&] { take(request)->done->fail(failure_message(message, "upload_data failed")); });
}

void powersync_upload_request_free(powersync_upload_request_t** request) {
  if (request == nullptr || *request == nullptr) return;
  std::unique_ptr<powersync_upload_request_t> owned(std::exchange(*request, nullptr));
  owned->done->fail("the upload request was freed without being completed");
}

}  // extern "C"
