// The sync part of the C ABI: a C connector (credentials and uploads through completion
// handles), connect options, status snapshots and listeners, against a scripted sync service
// on loopback reached through the real libcurl transport.

#include <atomic>
#include <deque>
#include <string>
#include <thread>

#include "capi_test_support.hpp"
#include "test_http_server.hpp"

using namespace capi_test;
using powersync::transport::testing::ReceivedRequest;
using powersync::transport::testing::ServerConnection;
using powersync::transport::testing::TestHttpServer;

namespace {

const std::string kCheckpoint =
    R"({"checkpoint":{"last_op_id":"1","buckets":[{"bucket":"b","checksum":5,"count":1,"priority":3}]}})";
const std::string kData =
    R"({"data":{"bucket":"b","data":[{"op_id":"1","op":"PUT","object_type":"todos","object_id":"t1","checksum":5,"data":"{\"id\":\"t1\",\"description\":\"synced\"}"}]}})";
const std::string kComplete = R"({"checkpoint_complete":{"last_op_id":"1"}})";

// A sync service: every stream request gets `lines`, then stays open until the client leaves.
class ScriptedService {
 public:
  ScriptedService()
      : server_([this](const ReceivedRequest& request, ServerConnection& connection) { handle(request, connection); }) {}

  std::string endpoint() const { return server_.url(""); }
  std::vector<ReceivedRequest> requests() const { return server_.requests(); }
  size_t stream_requests() const {
    size_t n = 0;
    for (const auto& r : server_.requests()) n += r.target == "/sync/stream";
    return n;
  }

  std::vector<std::string> lines = {kCheckpoint, kData, kComplete};
  std::atomic<int> status{200};

 private:
  void handle(const ReceivedRequest& request, ServerConnection& connection) {
    if (request.target.rfind("/write-checkpoint2.json", 0) == 0) {
      const std::string body = R"({"data":{"write_checkpoint":"7"}})";
      connection.send_head(200, {{"Content-Type", "application/json"}, {"Content-Length", std::to_string(body.size())}},
                           false);
      connection.write(body);
      return;
    }
    if (status != 200) {
      const std::string body = R"({"error":{"code":"PSYNC_S2101","status":401,"description":"bad token"}})";
      connection.send_head(status, {{"Content-Type", "application/json"}, {"Content-Length", std::to_string(body.size())}},
                           false);
      connection.write(body);
      return;
    }
    connection.send_head(200, {{"Content-Type", "application/x-ndjson"}}, true);
    for (const auto& line : lines) connection.send_chunk(line + "\n");
    connection.wait_until_peer_closes(std::chrono::seconds(30));
  }

  TestHttpServer server_;
};

// How the test connector answers; every call is logged in `events`.
struct ConnectorState {
  std::string endpoint;
  std::string token = "secret-token";
  enum class Credentials { inline_ok, later_ok, signed_out, fail, drop } credentials = Credentials::inline_ok;
  enum class Upload { complete_batch, fail } upload = Upload::complete_batch;
  powersync_db_t* db = nullptr;
  Events events;
  std::atomic<bool> freed{false};
  std::vector<std::thread> threads;  // requests finished later, joined by the test

  ~ConnectorState() {
    for (auto& t : threads) t.join();
  }
};

int32_t fetch_credentials(void* user_data, powersync_credentials_request_t* request) {
  auto* state = static_cast<ConnectorState*>(user_data);
  state->events.add("fetch_credentials");
  switch (state->credentials) {
    case ConnectorState::Credentials::inline_ok:
      return powersync_credentials_request_complete(&request, state->endpoint.c_str(), state->token.c_str(), 0);
    case ConnectorState::Credentials::later_ok:
      state->threads.emplace_back([state, request]() mutable {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        powersync_credentials_request_complete(&request, state->endpoint.c_str(), state->token.c_str(), 0);
      });
      return POWERSYNC_OK;
    case ConnectorState::Credentials::signed_out:
      return powersync_credentials_request_signed_out(&request);
    case ConnectorState::Credentials::fail:
      return powersync_credentials_request_fail(&request, "identity provider unreachable");
    case ConnectorState::Credentials::drop:
      powersync_credentials_request_free(&request);
      return POWERSYNC_OK;
  }
  return POWERSYNC_ERROR_INTERNAL;
}

int32_t upload_data(void* user_data, powersync_upload_request_t* request) {
  auto* state = static_cast<ConnectorState*>(user_data);
  state->events.add("upload_data");
  if (state->upload == ConnectorState::Upload::fail) {
    return powersync_upload_request_fail(&request, "backend said no");
  }
  // Upload from another thread, as a host event loop would.
  state->threads.emplace_back([state, request]() mutable {
    powersync_crud_batch_t* batch = nullptr;
    if (powersync_db_get_crud_batch(state->db, 100, &batch) != POWERSYNC_OK) {
      powersync_upload_request_fail(&request, powersync_last_error_message());
      return;
    }
    if (batch != nullptr) {
      state->events.add("uploaded " + std::to_string(powersync_crud_batch_count(batch)));
      powersync_crud_batch_complete(batch, nullptr);
      powersync_crud_batch_free(&batch);
    }
    powersync_upload_request_complete(&request);
  });
  return POWERSYNC_OK;
}

void free_connector(void* user_data) { static_cast<ConnectorState*>(user_data)->freed = true; }

powersync_connector_t connector_for(ConnectorState& state) {
  powersync_connector_t connector{};
  connector.struct_size = sizeof(connector);
  connector.user_data = &state;
  connector.fetch_credentials = fetch_credentials;
  connector.upload_data = upload_data;
  connector.free_user_data = free_connector;
  return connector;
}

// RAII snapshot.
struct Status {
  explicit Status(powersync_db_t* db) { EXPECT_EQ(POWERSYNC_OK, powersync_db_get_sync_status(db, &status)); }
  ~Status() { powersync_sync_status_free(&status); }
  powersync_sync_status_t* status = nullptr;
};

bool wait_for_status(powersync_db_t* db, const std::function<bool(const powersync_sync_status_t*)>& predicate) {
  for (int i = 0; i < 3000; ++i) {  // deadlock guard only
    Status s(db);
    if (predicate(s.status)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  Status last(db);
  ADD_FAILURE() << "the status never matched; last: " << powersync_sync_status_get_json(last.status);
  return false;
}

class CapiSyncTest : public CapiTest {
 protected:
  void SetUp() override {
    CapiTest::SetUp();
    state_.endpoint = service_.endpoint();
    state_.db = db_;
    ASSERT_OK(powersync_connect_options_new(&options_));
    ASSERT_OK(powersync_connect_options_set_retry_delay_ms(options_, 50));
    ASSERT_OK(powersync_connect_options_set_crud_upload_throttle_ms(options_, 0));
  }
  void TearDown() override {
    powersync_connect_options_free(&options_);
    CapiTest::TearDown();
  }
  void connect() {
    const auto connector = connector_for(state_);
    ASSERT_OK(powersync_db_connect(db_, &connector, options_));
  }
  bool first_sync(int32_t priority = POWERSYNC_PRIORITY_FULL) {
    bool synced = false;
    EXPECT_EQ(POWERSYNC_OK, powersync_db_wait_for_first_sync(db_, priority, 30000, &synced))
        << powersync_last_error_message();
    return synced;
  }

  ScriptedService service_;
  ConnectorState state_;
  powersync_connect_options_t* options_ = nullptr;
};

TEST_F(CapiSyncTest, ConnectSyncsDataAndReportsIt) {
  ASSERT_OK(powersync_connect_options_set_params_json(options_, R"({"region":"eu"})"));
  ASSERT_OK(powersync_connect_options_set_user_agent_binding(options_, "powersync-test/1.0"));
  connect();
  ASSERT_TRUE(first_sync());
  EXPECT_EQ(std::vector<std::string>{"synced"}, query_texts(db_, "SELECT description FROM todos"));

  Status status(db_);
  EXPECT_TRUE(powersync_sync_status_has_synced(status.status));
  EXPECT_TRUE(powersync_sync_status_connected(status.status));
  EXPECT_GT(powersync_sync_status_last_synced_at_ms(status.status), 1600000000000);
  EXPECT_EQ(nullptr, powersync_sync_status_download_error(status.status));
  const std::string json = powersync_sync_status_get_json(status.status);
  EXPECT_NE(std::string::npos, json.find(R"("has_synced":true)")) << json;
  EXPECT_NE(std::string::npos, json.find(R"("connected":true)")) << json;

  const auto requests = service_.requests();
  ASSERT_FALSE(requests.empty());
  const auto& stream = requests.front();
  EXPECT_EQ("/sync/stream", stream.target);
  EXPECT_EQ("Token secret-token", stream.header("Authorization"));
  EXPECT_NE(std::string::npos, stream.header("User-Agent").find("powersync-cpp/")) << stream.header("User-Agent");
  EXPECT_NE(std::string::npos, stream.header("User-Agent").find("powersync-test/1.0"));
  EXPECT_NE(std::string::npos, stream.body.find(R"("region":"eu")")) << stream.body;
}

TEST_F(CapiSyncTest, CredentialsMayBeCompletedLaterFromAnotherThread) {
  state_.credentials = ConnectorState::Credentials::later_ok;
  connect();
  ASSERT_TRUE(first_sync());
  EXPECT_EQ(1, query_int(db_, "SELECT count(*) FROM todos"));
}

TEST_F(CapiSyncTest, LocalWritesAreUploadedThroughTheConnector) {
  connect();
  ASSERT_TRUE(first_sync());
  insert_todo(db_, "local-1", "written offline");
  ASSERT_TRUE(state_.events.wait_for([](const auto& events) {
    return std::find(events.begin(), events.end(), "uploaded 1") != events.end();
  }));
  ASSERT_TRUE(wait_for_status(db_, [&](const powersync_sync_status_t*) {
    return query_int(db_, "SELECT count(*) FROM ps_crud") == 0;
  }));
  EXPECT_EQ(2, query_int(db_, "SELECT count(*) FROM todos"));
}

TEST_F(CapiSyncTest, AFailedUploadShowsInTheStatusAndIsRetriedByTheTimer) {
  state_.upload = ConnectorState::Upload::fail;
  connect();
  ASSERT_TRUE(first_sync());
  insert_todo(db_, "local-1", "stuck");
  ASSERT_TRUE(wait_for_status(db_, [](const powersync_sync_status_t* s) {
    const char* error = powersync_sync_status_upload_error(s);
    return error != nullptr && std::string(error).find("backend said no") != std::string::npos;
  }));
  // No further write: only the retry timer can call again.
  ASSERT_TRUE(state_.events.wait_for([](const auto& events) {
    return std::count(events.begin(), events.end(), "upload_data") >= 3;
  }));
  EXPECT_EQ(1, query_int(db_, "SELECT count(*) FROM ps_crud"));
}

TEST_F(CapiSyncTest, FailedCredentialsBecomeADownloadError) {
  state_.credentials = ConnectorState::Credentials::fail;
  connect();
  ASSERT_TRUE(wait_for_status(db_, [](const powersync_sync_status_t* s) {
    const char* error = powersync_sync_status_download_error(s);
    return error != nullptr && std::string(error).find("identity provider unreachable") != std::string::npos;
  }));
  EXPECT_EQ(0u, service_.stream_requests());
  bool synced = true;
  ASSERT_OK(powersync_db_wait_for_first_sync(db_, POWERSYNC_PRIORITY_FULL, 0, &synced));
  EXPECT_FALSE(synced);
}

TEST_F(CapiSyncTest, ARequestFreedWithoutAnAnswerFailsInsteadOfHanging) {
  state_.credentials = ConnectorState::Credentials::drop;
  connect();
  ASSERT_TRUE(wait_for_status(db_, [](const powersync_sync_status_t* s) {
    const char* error = powersync_sync_status_download_error(s);
    return error != nullptr && std::string(error).find("freed without being completed") != std::string::npos;
  }));
}

TEST_F(CapiSyncTest, SignedOutMeansNoStreamIsOpened) {
  state_.credentials = ConnectorState::Credentials::signed_out;
  connect();
  ASSERT_TRUE(state_.events.wait_for([](const auto& events) {
    return std::count(events.begin(), events.end(), "fetch_credentials") >= 2;  // asked again later
  }));
  EXPECT_EQ(0u, service_.stream_requests());
  Status status(db_);
  EXPECT_FALSE(powersync_sync_status_connected(status.status));
}

TEST_F(CapiSyncTest, UnauthorizedStreamsRefetchCredentials) {
  service_.status = 401;
  connect();
  ASSERT_TRUE(state_.events.wait_for([](const auto& events) {
    return std::count(events.begin(), events.end(), "fetch_credentials") >= 2;
  }));
  service_.status = 200;
  ASSERT_TRUE(first_sync());
}

TEST_F(CapiSyncTest, DisconnectEndsCallbacksAndFreesTheConnector) {
  connect();
  ASSERT_TRUE(first_sync());
  ASSERT_OK(powersync_db_disconnect(db_));
  EXPECT_TRUE(state_.freed.load());
  ASSERT_OK(powersync_db_disconnect(db_));  // idempotent
  const size_t calls = state_.events.snapshot().size();
  insert_todo(db_, "after", "no upload now");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(calls, state_.events.snapshot().size());
  Status status(db_);
  EXPECT_FALSE(powersync_sync_status_connected(status.status));
  EXPECT_TRUE(powersync_sync_status_has_synced(status.status));  // kept across a disconnect
}

TEST_F(CapiSyncTest, CloseWhileConnectedFreesTheConnector) {
  connect();
  ASSERT_TRUE(first_sync());
  powersync_db_close(&db_);
  EXPECT_TRUE(state_.freed.load());
}

TEST_F(CapiSyncTest, DisconnectAndClearRemovesSyncedDataAndResetsHasSynced) {
  connect();
  ASSERT_TRUE(first_sync());
  ASSERT_OK(powersync_db_disconnect_and_clear(db_, false));
  EXPECT_EQ(0, query_int(db_, "SELECT count(*) FROM todos"));
  Status status(db_);
  EXPECT_FALSE(powersync_sync_status_has_synced(status.status));

  ConnectorState again;  // connect after clear works and syncs afresh
  again.endpoint = service_.endpoint();
  again.db = db_;
  const auto connector = connector_for(again);
  ASSERT_OK(powersync_db_connect(db_, &connector, options_));
  ASSERT_TRUE(first_sync());
  EXPECT_EQ(1, query_int(db_, "SELECT count(*) FROM todos"));
  ASSERT_OK(powersync_db_disconnect(db_));
}

TEST_F(CapiSyncTest, StatusListenerSeesConnectAndSync) {
  Events seen;
  powersync_listener_t* listener = nullptr;
  ASSERT_OK(powersync_db_on_sync_status(
      db_,
      [](void* user_data, const powersync_sync_status_t* status) -> int32_t {
        powersync_sync_status_t* kept = nullptr;
        if (powersync_sync_status_copy(status, &kept) != POWERSYNC_OK) return POWERSYNC_ERROR_INTERNAL;
        static_cast<Events*>(user_data)->add(powersync_sync_status_get_json(kept));
        powersync_sync_status_free(&kept);
        return POWERSYNC_OK;
      },
      &seen, nullptr, &listener));
  connect();
  ASSERT_TRUE(seen.wait_for([](const auto& events) {
    return std::any_of(events.begin(), events.end(),
                       [](const std::string& json) { return json.find(R"("has_synced":true)") != std::string::npos; });
  }));
  powersync_listener_remove(&listener);
  EXPECT_EQ(nullptr, listener);
}

TEST_F(CapiSyncTest, ProgressAndPrioritiesAfterAPartialSync) {
  service_.lines = {
      R"({"checkpoint":{"last_op_id":"2","buckets":[{"bucket":"a","checksum":5,"count":1,"priority":1},{"bucket":"b","checksum":7,"count":1,"priority":3}]}})",
      R"({"data":{"bucket":"a","data":[{"op_id":"1","op":"PUT","object_type":"todos","object_id":"t1","checksum":5,"data":"{\"id\":\"t1\",\"description\":\"urgent\"}"}]}})",
      R"({"partial_checkpoint_complete":{"last_op_id":"2","priority":1}})"};
  connect();
  ASSERT_TRUE(first_sync(1));
  EXPECT_EQ(std::vector<std::string>{"urgent"}, query_texts(db_, "SELECT description FROM todos"));
  Status status(db_);
  EXPECT_FALSE(powersync_sync_status_has_synced(status.status));
  ASSERT_EQ(1u, powersync_sync_status_priority_count(status.status));
  int32_t priority = -5;
  bool has_synced = false;
  int64_t at = 0;
  ASSERT_OK(powersync_sync_status_priority_at(status.status, 0, &priority, &has_synced, &at));
  EXPECT_EQ(1, priority);
  EXPECT_TRUE(has_synced);
  EXPECT_GT(at, 0);
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT,
                powersync_sync_status_priority_at(status.status, 1, &priority, &has_synced, &at));
  // Still downloading priority 3: one of two operations arrived.
  int64_t downloaded = -1, total = -1;
  ASSERT_TRUE(powersync_sync_status_download_progress(status.status, POWERSYNC_PRIORITY_FULL, &downloaded, &total));
  EXPECT_EQ(1, downloaded);
  EXPECT_EQ(2, total);
  ASSERT_TRUE(powersync_sync_status_download_progress(status.status, 1, &downloaded, &total));
  EXPECT_EQ(1, downloaded);
  EXPECT_EQ(1, total);
  bool synced = true;
  ASSERT_OK(powersync_db_wait_for_first_sync(db_, POWERSYNC_PRIORITY_FULL, 50, &synced));
  EXPECT_FALSE(synced);
}

TEST_F(CapiSyncTest, ConnectRejectsBadConnectorsAndStillFreesTheirUserData) {
  ConnectorState other;
  auto connector = connector_for(other);
  connector.upload_data = nullptr;
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_db_connect(db_, &connector, nullptr));
  EXPECT_NE(std::string::npos, std::string(powersync_last_error_message()).find("upload_data"));
  EXPECT_TRUE(other.freed.load());

  ConnectorState small;
  connector = connector_for(small);
  connector.struct_size = 8;
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_db_connect(db_, &connector, nullptr));
  EXPECT_NE(std::string::npos, std::string(powersync_last_error_message()).find("struct_size"));
  EXPECT_FALSE(small.freed.load());  // too small to trust its free_user_data

  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_db_connect(db_, nullptr, nullptr));
}

TEST_F(CapiSyncTest, OptionsAreValidated) {
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_connect_options_set_params_json(options_, "[1,2]"));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_connect_options_set_params_json(options_, "{oops"));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_connect_options_set_retry_delay_ms(options_, -1));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_connect_options_set_stream_idle_timeout_ms(options_, 0));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_connect_options_set_user_agent_binding(options_, nullptr));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_connect_options_set_retry_delay_ms(nullptr, 5));
  bool synced = false;
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_db_wait_for_first_sync(db_, 7, 0, &synced));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_db_wait_for_first_sync(db_, 0, 0, nullptr));
  powersync_connect_options_free(&options_);
  powersync_connect_options_free(&options_);  // NULL is fine
}

TEST_F(CapiSyncTest, PlainHttpToANonLoopbackHostIsRefused) {
  state_.endpoint = "http://example.com";
  connect();
  ASSERT_TRUE(wait_for_status(db_, [](const powersync_sync_status_t* s) {
    const char* error = powersync_sync_status_download_error(s);
    return error != nullptr && std::string(error).find("plain HTTP is only allowed for loopback") != std::string::npos;
  }));
}

TEST_F(CapiSyncTest, FinishingARequestTwiceOrWithNullIsAnError) {
  powersync_credentials_request_t* request = nullptr;
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_credentials_request_complete(&request, "x", "y", 0));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_upload_request_complete(nullptr));
  powersync_upload_request_free(nullptr);
  powersync_credentials_request_free(&request);
}

TEST_F(CapiSyncTest, NullHandlesAreInvalidArgumentsAndTheConnectorIsStillFreed) {
  const auto connector = connector_for(state_);
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_db_connect(nullptr, &connector, nullptr));
  EXPECT_TRUE(state_.freed.load());
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_db_disconnect(nullptr));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_db_disconnect_and_clear(nullptr, true));
  powersync_sync_status_t* status = nullptr;
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_db_get_sync_status(nullptr, &status));
  EXPECT_EQ(nullptr, status);
  EXPECT_FALSE(powersync_sync_status_connected(nullptr));
  EXPECT_EQ(-1, powersync_sync_status_last_synced_at_ms(nullptr));
  EXPECT_EQ(nullptr, powersync_sync_status_get_json(nullptr));
}

TEST_F(CapiSyncTest, WaitingOnAClosedDatabaseEndsWithClosed) {
  std::thread closer([this] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    powersync_db_close(&db_);
  });
  powersync_db_t* db = db_;
  bool synced = true;
  const powersync_status status = powersync_db_wait_for_first_sync(db, POWERSYNC_PRIORITY_FULL, -1, &synced);
  closer.join();
  EXPECT_EQ(POWERSYNC_ERROR_CLOSED, status);
  EXPECT_FALSE(synced);
}

// ---- Sync Streams ---------------------------------------------------------------------

class CapiStreamTest : public CapiSyncTest {
 protected:
  void SetUp() override {
    CapiSyncTest::SetUp();
    service_.lines = {
        R"({"checkpoint":{"last_op_id":"1","buckets":[{"bucket":"s","checksum":5,"count":1,"priority":2,"subscriptions":[{"sub":0}]},{"bucket":"d","checksum":0,"count":0,"priority":3,"subscriptions":[{"default":1}]}],"streams":[{"name":"list_todos","is_default":false,"errors":[]},{"name":"mine","is_default":true,"errors":[]}]}})",
        R"({"data":{"bucket":"s","data":[{"op_id":"1","op":"PUT","object_type":"todos","object_id":"t1","checksum":5,"data":"{\"id\":\"t1\",\"description\":\"shared\"}"}]}})",
        kComplete};
  }
};

TEST_F(CapiStreamTest, SubscribeRequestsTheStreamAndReportsItsStatus) {
  powersync_subscribe_options_t* options = nullptr;
  ASSERT_OK(powersync_subscribe_options_new(&options));
  ASSERT_OK(powersync_subscribe_options_set_ttl_seconds(options, 3600));
  ASSERT_OK(powersync_subscribe_options_set_priority(options, 2));
  powersync_stream_subscription_t* subscription = nullptr;
  ASSERT_OK(powersync_db_subscribe_stream(db_, "list_todos", R"({ "list" : "l1" })", options, &subscription));
  powersync_subscribe_options_free(&options);
  EXPECT_STREQ("list_todos", powersync_stream_subscription_get_name(subscription));
  EXPECT_STREQ(R"({"list":"l1"})", powersync_stream_subscription_get_params_json(subscription));

  connect();
  bool synced = false;
  ASSERT_OK(powersync_stream_subscription_wait_for_first_sync(subscription, 30000, &synced));
  EXPECT_TRUE(synced);
  EXPECT_EQ(std::vector<std::string>{"shared"}, query_texts(db_, "SELECT description FROM todos"));

  const std::string body = service_.requests().front().body;
  EXPECT_NE(std::string::npos, body.find(R"("stream":"list_todos")")) << body;
  EXPECT_NE(std::string::npos, body.find(R"("override_priority":2)")) << body;
  EXPECT_NE(std::string::npos, body.find(R"("include_defaults":true)")) << body;

  Status status(db_);
  bool found = false;
  size_t index = 99;
  ASSERT_OK(powersync_sync_status_find_stream(status.status, "list_todos", R"({"list":"l1"})", &found, &index));
  ASSERT_TRUE(found);
  EXPECT_STREQ("list_todos", powersync_sync_status_stream_name(status.status, index));
  EXPECT_STREQ(R"({"list":"l1"})", powersync_sync_status_stream_params_json(status.status, index));
  EXPECT_TRUE(powersync_sync_status_stream_active(status.status, index));
  EXPECT_TRUE(powersync_sync_status_stream_has_explicit_subscription(status.status, index));
  EXPECT_FALSE(powersync_sync_status_stream_is_default(status.status, index));
  EXPECT_GT(powersync_sync_status_stream_expires_at_ms(status.status, index), 1600000000000);
  EXPECT_GT(powersync_sync_status_stream_last_synced_at_ms(status.status, index), 1600000000000);
  EXPECT_EQ(2, powersync_sync_status_stream_priority(status.status, index));

  ASSERT_OK(powersync_sync_status_find_stream(status.status, "mine", nullptr, &found, &index));
  ASSERT_TRUE(found);
  EXPECT_TRUE(powersync_sync_status_stream_is_default(status.status, index));
  EXPECT_EQ(nullptr, powersync_sync_status_stream_params_json(status.status, index));
  EXPECT_EQ(-1, powersync_sync_status_stream_expires_at_ms(status.status, index));
  ASSERT_OK(powersync_sync_status_find_stream(status.status, "list_todos", R"({"list":"l2"})", &found, &index));
  EXPECT_FALSE(found);
  EXPECT_EQ(2u, powersync_sync_status_stream_count(status.status));
  const std::string json = powersync_sync_status_get_json(status.status);
  EXPECT_NE(std::string::npos, json.find(R"("name":"list_todos")")) << json;

  powersync_stream_subscription_unsubscribe(&subscription);
  EXPECT_EQ(nullptr, subscription);
  powersync_stream_subscription_unsubscribe(&subscription);  // NULL is fine
}

TEST_F(CapiStreamTest, SubscriptionsPersistAndUnsubscribeAllDropsThem) {
  powersync_stream_subscription_t* subscription = nullptr;
  ASSERT_OK(powersync_db_subscribe_stream(db_, "list_todos", R"({"list":"l1"})", nullptr, &subscription));
  powersync_stream_subscription_unsubscribe(&subscription);
  // Released, but kept until its TTL runs out.
  EXPECT_EQ(1, query_int(db_, "SELECT count(*) FROM ps_stream_subscriptions WHERE stream_name = 'list_todos'"));
  ASSERT_OK(powersync_db_unsubscribe_all_stream(db_, "list_todos", R"({"list":"l1"})"));
  Status status(db_);
  bool found = false;
  size_t index = 0;
  ASSERT_OK(powersync_sync_status_find_stream(status.status, "list_todos", R"({"list":"l1"})", &found, &index));
  ASSERT_TRUE(found);  // listed until the next sync session forgets it, as the official core does
  EXPECT_FALSE(powersync_sync_status_stream_has_explicit_subscription(status.status, index));
}

TEST_F(CapiStreamTest, BadArgumentsAreRejected) {
  powersync_stream_subscription_t* subscription = nullptr;
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT,
                powersync_db_subscribe_stream(db_, "s", "[1]", nullptr, &subscription));
  EXPECT_EQ(nullptr, subscription);
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_db_subscribe_stream(db_, "", nullptr, nullptr, &subscription));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT,
                powersync_db_subscribe_stream(db_, nullptr, nullptr, nullptr, &subscription));
  powersync_subscribe_options_t* options = nullptr;
  ASSERT_OK(powersync_subscribe_options_new(&options));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_subscribe_options_set_priority(options, 4));
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT, powersync_subscribe_options_set_ttl_seconds(options, -1));
  powersync_subscribe_options_free(&options);
  Status status(db_);
  bool found = false;
  EXPECT_STATUS(POWERSYNC_ERROR_INVALID_ARGUMENT,
                powersync_sync_status_find_stream(status.status, "s", "not json", &found, nullptr));
  EXPECT_EQ(nullptr, powersync_sync_status_stream_name(status.status, 5));
  EXPECT_EQ(-1, powersync_sync_status_stream_priority(status.status, 5));
}

TEST_F(CapiStreamTest, AHandleOutlivesItsDatabase) {
  powersync_stream_subscription_t* subscription = nullptr;
  ASSERT_OK(powersync_db_subscribe_stream(db_, "list_todos", nullptr, nullptr, &subscription));
  powersync_db_close(&db_);
  bool synced = true;
  EXPECT_STATUS(POWERSYNC_ERROR_CLOSED, powersync_stream_subscription_wait_for_first_sync(subscription, 0, &synced));
  EXPECT_FALSE(synced);
  EXPECT_STREQ("list_todos", powersync_stream_subscription_get_name(subscription));
  powersync_stream_subscription_unsubscribe(&subscription);
}

}  // namespace
