#include "devserver_connector.hpp"

#include <nlohmann/json.hpp>

#include "powersync/transport/cancellation.hpp"
#include "powersync/util/error.hpp"

namespace powersync::test {

DevserverConnector::DevserverConnector(std::string endpoint, TokenSource tokens)
    : endpoint_(std::move(endpoint)), tokens_(std::move(tokens)), http_(transport::make_curl_http_client()) {}

void DevserverConnector::fetch_credentials(std::shared_ptr<sync::Completion<std::optional<sync::Credentials>>> done) {
  ++credentials_fetched_;
  IssuedToken issued = tokens_();
  done->complete(sync::Credentials{endpoint_, std::move(issued.token), issued.expires_at});
}

std::string upload_body(const CrudBatch& batch) {
  nlohmann::json ops = nlohmann::json::array();
  for (const auto& entry : batch.entries) {
    nlohmann::json op = {{"type", entry.table}, {"id", entry.id}};
    switch (entry.op) {
      case CrudOp::put: op["op"] = "PUT"; break;
      case CrudOp::patch: op["op"] = "PATCH"; break;
      case CrudOp::remove: op["op"] = "DELETE"; break;
    }
    if (entry.data_json) op["data"] = nlohmann::json::parse(*entry.data_json);
    ops.push_back(std::move(op));
  }
  return nlohmann::json{{"batch", ops}}.dump();
}

void DevserverConnector::post_batch(const CrudBatch& batch) {
  transport::HttpRequest request;
  request.method = "POST";
  request.url = endpoint_ + "/api/data";
  request.headers = {{"Content-Type", "application/json"}};
  request.body = upload_body(batch);
  transport::Cancellation never;
  std::lock_guard lock(http_mutex_);
  const auto response = http_->fetch(request, never);
  if (response.status != 200) {
    throw Error(ErrorCode::network, "upload answered HTTP " + std::to_string(response.status) + ": " + response.body);
  }
}

void DevserverConnector::upload_data(std::shared_ptr<sync::Completion<sync::Done>> done) {
  try {
    auto db = database_.lock();
    if (!db) throw Error(ErrorCode::closed, "database gone");
    if (uploads_failing_) throw Error(ErrorCode::network, "backend unavailable (test)");
    for (;;) {
      auto batch = db->get_crud_batch(100);
      if (batch.entries.empty()) break;
      post_batch(batch);
      db->complete_crud(batch.last_client_id(), std::nullopt);
      if (!batch.has_more) break;
    }
    ++uploads_completed_;
    done->complete(sync::Done{});
  } catch (const std::exception& e) {
    done->fail(e.what());
  }
}

}  // namespace powersync::test
