// The libcurl HttpClient against the in-process loopback server: streaming, status codes,
// torn and silent streams, cancellation from another thread, and the URL policy.
#include <bson/bson.h>
#include <curl/curl.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <thread>

#include "powersync/protocol/sync_line.hpp"
#include "powersync/transport/http_client.hpp"
#include "powersync/transport/line_framer.hpp"
#include "powersync/util/error.hpp"
#include "test_http_server.hpp"

namespace powersync::transport {
namespace {

using namespace std::chrono_literals;
using testing::ReceivedRequest;
using testing::ServerConnection;
using testing::TestHttpServer;

// Cancel latency is checked only as a generous correctness bound (a hung request would blow
// it); the client's real figure is far below.
constexpr auto kPromptly = 2s;

struct Collected {
  HttpResponseHead head;
  int heads = 0;
  std::string body;
  StreamCallbacks callbacks() {
    StreamCallbacks c;
    c.on_head = [this](const HttpResponseHead& h) {
      head = h;
      ++heads;
    };
    c.on_body = [this](std::string_view chunk) {
      EXPECT_EQ(heads, 1) << "body before head";
      body.append(chunk);
    };
    return c;
  }
};

HttpRequest sync_stream_request(const TestHttpServer& server) {
  HttpRequest request;
  request.method = "POST";
  request.url = server.url("/sync/stream");
  request.headers = {{"Authorization", "Token secret-jwt"},
                     {"Content-Type", "application/json"},
                     {"Accept", std::string(kSyncStreamAccept)}};
  request.body = R"({"buckets":[],"include_checksum":true,"raw_data":true,"client_id":"c1"})";
  return request;
}

std::unique_ptr<HttpClient> client() {
  CurlHttpClientOptions options;
  options.user_agent = make_user_agent("0.1.0", "tests");
  return make_curl_http_client(options);
}

ErrorCode error_code_of(const std::function<void()>& action, std::string* message = nullptr) {
  try {
    action();
  } catch (const Error& e) {
    if (message != nullptr) *message = e.what();
    return e.code();
  }
  return ErrorCode::ok;
}

TEST(CurlHttpClient, StreamsAChunkedBodyAfterStatusAndHeaders) {
  TestHttpServer server([](const ReceivedRequest&, ServerConnection& c) {
    c.send_head(200, {{"Content-Type", "application/x-ndjson"}}, true);
    c.send_chunk("{\"token_expires_in\":30}\n{\"check");
    c.send_chunk("point_complete\":{\"last_op_id\":\"1\"}}\n");
    c.end_chunks();
  });
  Collected got;
  client()->stream(sync_stream_request(server), got.callbacks(), Cancellation::never());
  EXPECT_EQ(got.heads, 1);
  EXPECT_EQ(got.head.status, 200);
  EXPECT_TRUE(got.head.ok());
  EXPECT_EQ(got.head.content_type(), "application/x-ndjson");
  EXPECT_EQ(stream_format_for_content_type(got.head.content_type()), StreamFormat::ndjson);
  EXPECT_EQ(got.body, "{\"token_expires_in\":30}\n{\"checkpoint_complete\":{\"last_op_id\":\"1\"}}\n");

  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  const ReceivedRequest& r = requests[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/sync/stream");
  EXPECT_EQ(r.header("Authorization"), "Token secret-jwt");
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  EXPECT_EQ(r.header("Accept"), kSyncStreamAccept);
  EXPECT_EQ(r.header("User-Agent").rfind("powersync-cpp/0.1.0 tests ", 0), 0u) << r.header("User-Agent");
  EXPECT_FALSE(r.has_header("Expect"));
  EXPECT_EQ(r.body, R"({"buckets":[],"include_checksum":true,"raw_data":true,"client_id":"c1"})");
  if (curl_version_info(CURLVERSION_NOW)->features & CURL_VERSION_LIBZ) {
    EXPECT_NE(r.header("Accept-Encoding").find("gzip"), std::string::npos);
  }
}

TEST(CurlHttpClient, LargeRequestBodiesGoWithoutExpectContinue) {
  TestHttpServer server([](const ReceivedRequest&, ServerConnection& c) {
    c.send_head(200, {{"Content-Length", "2"}}, false);
    c.write("{}");
  });
  HttpRequest request = sync_stream_request(server);
  request.body = "{\"parameters\":\"" + std::string(100000, 'p') + "\"}";
  const HttpResponse response = client()->fetch(request, Cancellation::never());
  EXPECT_EQ(response.body, "{}");
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].body, request.body);
  EXPECT_FALSE(server.requests()[0].has_header("Expect"));
}

TEST(CurlHttpClient, BsonStreamIsFramedAndParsedAcrossChunkBoundaries) {
  auto document = [](const char* json) {
    bson_error_t error;
    bson_t* b = bson_new_from_json(reinterpret_cast<const std::uint8_t*>(json), -1, &error);
    std::string out(reinterpret_cast<const char*>(bson_get_data(b)), b->len);
    bson_destroy(b);
    return out;
  };
  const std::string body = document(R"({"checkpoint":{"last_op_id":"3","buckets":[{"bucket":"a","checksum":-1}]}})") +
                           document(R"({"token_expires_in":0})");
  TestHttpServer server([&](const ReceivedRequest&, ServerConnection& c) {
    c.send_head(200, {{"Content-Type", "application/vnd.powersync.bson-stream"}}, true);
    // Split inside the first document's length prefix and inside the second document.
    c.send_chunk(body.substr(0, 2));
    c.send_chunk(body.substr(2, body.size() - 10));
    c.send_chunk(body.substr(body.size() - 8));
    c.end_chunks();
  });
  std::unique_ptr<LineFramer> framer;
  std::vector<protocol::SyncLine> lines;
  StreamCallbacks callbacks;
  callbacks.on_head = [&](const HttpResponseHead& head) {
    framer = make_line_framer(stream_format_for_content_type(head.content_type()));
  };
  callbacks.on_body = [&](std::string_view chunk) {
    framer->feed(chunk, [&](std::string_view doc) {
      lines.push_back(protocol::parse_bson_line(reinterpret_cast<const std::uint8_t*>(doc.data()), doc.size()));
    });
  };
  client()->stream(sync_stream_request(server), callbacks, Cancellation::never());
  framer->end_of_stream();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(std::get<protocol::Checkpoint>(lines[0]).last_op_id, 3);
  EXPECT_EQ(std::get<protocol::Checkpoint>(lines[0]).buckets.at(0).checksum.value, 0xFFFFFFFFu);
  EXPECT_TRUE(std::get<protocol::TokenExpiresIn>(lines[1]).expired());
}

TEST(CurlHttpClient, FetchReturnsA401WithItsJsonBodyInsteadOfThrowing) {
  const std::string error_body =
      R"({"error":{"code":"PSYNC_S2101","status":401,"description":"Could not verify token","name":"AuthorizationError"}})";
  TestHttpServer server([&](const ReceivedRequest&, ServerConnection& c) {
    c.send_head(401, {{"Content-Type", "application/json"}, {"Content-Length", std::to_string(error_body.size())}},
                false);
    c.write(error_body);
  });
  const HttpResponse response = client()->fetch(sync_stream_request(server), Cancellation::never());
  EXPECT_EQ(response.status, 401);
  EXPECT_FALSE(response.ok());
  EXPECT_EQ(response.header("content-type"), "application/json");
  EXPECT_EQ(response.body, error_body);
}

TEST(CurlHttpClient, GetWithAQueryAndAnEmptyBody) {
  TestHttpServer server([](const ReceivedRequest& r, ServerConnection& c) {
    if (r.target == "/write-checkpoint2.json?client_id=abc") {
      const std::string body = R"({"data":{"write_checkpoint":"1"}})";
      c.send_head(200, {{"Content-Length", std::to_string(body.size())}}, false);
      c.write(body);
    } else {
      c.send_head(204, {{"Content-Length", "0"}}, false);
    }
  });
  HttpRequest get;
  get.url = server.url("/write-checkpoint2.json?client_id=abc");
  get.headers = {{"Authorization", "Token t"}};
  const HttpResponse response = client()->fetch(get, Cancellation::never());
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, R"({"data":{"write_checkpoint":"1"}})");
  EXPECT_EQ(server.requests().at(0).method, "GET");

  // An empty body still delivers the head exactly once.
  get.url = server.url("/other");
  Collected got;
  client()->stream(get, got.callbacks(), Cancellation::never());
  EXPECT_EQ(got.heads, 1);
  EXPECT_EQ(got.head.status, 204);
  EXPECT_EQ(got.body, "");
}

TEST(CurlHttpClient, FetchCapsTheBodySize) {
  TestHttpServer server([](const ReceivedRequest&, ServerConnection& c) {
    c.send_head(200, {}, true);
    c.send_chunk(std::string(1000, 'x'));
    c.end_chunks();
  });
  std::string message;
  EXPECT_EQ(error_code_of([&] { client()->fetch(sync_stream_request(server), Cancellation::never(), 100); }, &message),
            ErrorCode::network);
  EXPECT_NE(message.find("exceeds 100 bytes"), std::string::npos) << message;
}

TEST(CurlHttpClient, GzipBodiesAreDecoded) {
  ASSERT_TRUE(curl_version_info(CURLVERSION_NOW)->features & CURL_VERSION_LIBZ) << "Debian's libcurl decodes gzip";
  // gzip of {"token_expires_in":30}\n
  const std::string gz(
      "\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03\xab\x56\x2a\xc9\xcf\x4e\xcd\x8b\x4f\xad\x28\xc8\x2c\x4a\x2d\x8e\xcf\xcc"
      "\x53\xb2\x32\x36\xa8\xe5\x02\x00\x3d\x79\xb2\x7a\x18\x00\x00\x00",
      44);
  TestHttpServer server([&](const ReceivedRequest&, ServerConnection& c) {
    c.send_head(200, {{"Content-Type", "application/x-ndjson"}, {"Content-Encoding", "gzip"}}, true);
    c.send_chunk(gz.substr(0, 20));
    c.send_chunk(gz.substr(20));
    c.end_chunks();
  });
  Collected got;
  client()->stream(sync_stream_request(server), got.callbacks(), Cancellation::never());
  EXPECT_EQ(got.body, "{\"token_expires_in\":30}\n");
}

TEST(CurlHttpClient, ATornChunkedStreamIsANetworkErrorAfterThePartialBody) {
  TestHttpServer server([](const ReceivedRequest&, ServerConnection& c) {
    c.send_head(200, {{"Content-Type", "application/x-ndjson"}}, true);
    c.send_chunk("{\"token_expires_in\":30}\n{\"checkpo");
    // The connection closes without the terminating chunk.
  });
  Collected got;
  std::string message;
  EXPECT_EQ(error_code_of([&] { client()->stream(sync_stream_request(server), got.callbacks(), Cancellation::never()); },
                          &message),
            ErrorCode::network);
  EXPECT_EQ(got.body, "{\"token_expires_in\":30}\n{\"checkpo");
  EXPECT_NE(message.find("/sync/stream"), std::string::npos) << message;
  EXPECT_EQ(message.find("secret-jwt"), std::string::npos) << "the token leaked into: " << message;
}

TEST(CurlHttpClient, AShortContentLengthBodyIsANetworkError) {
  TestHttpServer server([](const ReceivedRequest&, ServerConnection& c) {
    c.send_head(200, {{"Content-Length", "100"}}, false);
    c.write("only a little");
  });
  EXPECT_EQ(error_code_of([&] { client()->fetch(sync_stream_request(server), Cancellation::never()); }),
            ErrorCode::network);
}

TEST(CurlHttpClient, ConnectionRefusedIsANetworkError) {
  int port = 0;
  {
    TestHttpServer closed([](const ReceivedRequest&, ServerConnection&) {});
    port = closed.port();
  }  // nothing listens there any more
  HttpRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(port) + "/sync/stream";
  request.headers = {{"Authorization", "Token secret-jwt"}};
  std::string message;
  EXPECT_EQ(error_code_of([&] { client()->fetch(request, Cancellation::never()); }, &message), ErrorCode::network);
  EXPECT_EQ(message.find("secret-jwt"), std::string::npos) << message;
}

// Cancels from another thread once `ready` is set; returns how long stream() took to give up.
std::chrono::steady_clock::duration cancel_after(const TestHttpServer& server, std::atomic<bool>& ready,
                                                 ErrorCode& code) {
  Cancellation cancel;
  std::chrono::steady_clock::time_point cancelled_at;
  std::thread canceller([&] {
    while (!ready.load()) std::this_thread::sleep_for(1ms);
    std::this_thread::sleep_for(50ms);  // let the client settle into its poll
    cancelled_at = std::chrono::steady_clock::now();
    cancel.cancel();
  });
  StreamCallbacks callbacks;
  callbacks.on_body = [&](std::string_view) { ready = true; };
  code = error_code_of([&] { client()->stream(sync_stream_request(server), callbacks, cancel); });
  const auto returned_at = std::chrono::steady_clock::now();
  canceller.join();
  return returned_at - cancelled_at;
}

TEST(CurlHttpClient, CancelStopsAStreamThatWaitsForData) {
  std::promise<bool> peer_closed;
  TestHttpServer server([&](const ReceivedRequest&, ServerConnection& c) {
    c.send_head(200, {{"Content-Type", "application/x-ndjson"}}, true);
    c.send_chunk("{\"token_expires_in\":30}\n");
    peer_closed.set_value(c.wait_until_peer_closes(10s));  // then silence, as between keepalives
  });
  std::atomic<bool> ready{false};
  ErrorCode code = ErrorCode::ok;
  const auto latency = cancel_after(server, ready, code);
  EXPECT_EQ(code, ErrorCode::cancelled);
  EXPECT_LT(latency, kPromptly);
  EXPECT_TRUE(peer_closed.get_future().get()) << "the connection stayed open after cancel";
  std::printf("[ cancel latency mid-stream: %.3f ms ]\n", std::chrono::duration<double, std::milli>(latency).count());
}

TEST(CurlHttpClient, CancelStopsARequestTheServerNeverAnswers) {
  std::atomic<bool> ready{false};
  TestHttpServer server([&](const ReceivedRequest&, ServerConnection& c) {
    ready = true;  // request received; the server now says nothing at all
    c.wait_until_peer_closes(10s);
  });
  ErrorCode code = ErrorCode::ok;
  const auto latency = cancel_after(server, ready, code);
  EXPECT_EQ(code, ErrorCode::cancelled);
  EXPECT_LT(latency, kPromptly);
  std::printf("[ cancel latency before any response: %.3f ms ]\n",
              std::chrono::duration<double, std::milli>(latency).count());
}

TEST(CurlHttpClient, AnAlreadyCancelledTokenSendsNothing) {
  TestHttpServer server([](const ReceivedRequest&, ServerConnection&) {});
  Cancellation cancel;
  cancel.cancel();
  cancel.cancel();  // idempotent
  EXPECT_EQ(error_code_of([&] { client()->fetch(sync_stream_request(server), cancel); }), ErrorCode::cancelled);
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(server.connections_accepted(), 0);
}

TEST(CurlHttpClient, ACallbackExceptionAbortsTheTransferAndPropagates) {
  std::promise<bool> peer_closed;
  TestHttpServer server([&](const ReceivedRequest&, ServerConnection& c) {
    c.send_head(200, {}, true);
    c.send_chunk("first");
    peer_closed.set_value(c.wait_until_peer_closes(10s));
  });
  StreamCallbacks callbacks;
  callbacks.on_body = [](std::string_view) { throw Error(ErrorCode::network, "Invalid sync line: test"); };
  std::string message;
  EXPECT_EQ(error_code_of([&] { client()->stream(sync_stream_request(server), callbacks, Cancellation::never()); },
                          &message),
            ErrorCode::network);
  EXPECT_EQ(message, "Invalid sync line: test");
  EXPECT_TRUE(peer_closed.get_future().get());
}

TEST(CurlHttpClient, IdleTimeoutEndsASilentStream) {
  TestHttpServer server([](const ReceivedRequest&, ServerConnection& c) {
    c.send_head(200, {}, true);
    c.wait_until_peer_closes(10s);
  });
  HttpRequest request = sync_stream_request(server);
  request.idle_timeout = 300ms;
  std::string message;
  EXPECT_EQ(error_code_of([&] { client()->fetch(request, Cancellation::never()); }, &message), ErrorCode::network);
  EXPECT_NE(message.find("no data for 300 ms"), std::string::npos) << message;
}

TEST(CurlHttpClient, PlainHttpToANonLoopbackHostIsRefusedWithoutConnecting) {
  HttpRequest request;
  request.url = "http://sync.example.com/sync/stream";
  std::string message;
  EXPECT_EQ(error_code_of([&] { client()->fetch(request, Cancellation::never()); }, &message),
            ErrorCode::invalid_argument);
  EXPECT_NE(message.find("plain HTTP is only allowed for loopback"), std::string::npos) << message;

  for (const char* url : {"http://10.0.0.1/x", "http://127.example.com/", "http://127.0.0.1@evil.example/",
                          "http://localhost.evil.example/", "http://[::2]:80/", "http://0.0.0.0/",
                          "ftp://127.0.0.1/", "file:///etc/passwd", "not a url", ""}) {
    EXPECT_EQ(error_code_of([&] { check_url_allowed(url); }), ErrorCode::invalid_argument) << url;
  }
  for (const char* url : {"https://sync.example.com/sync/stream", "http://127.0.0.1:8080/sync/stream",
                          "http://127.1.2.3/", "http://localhost:3000/", "http://LOCALHOST/", "http://[::1]:8080/"}) {
    EXPECT_NO_THROW(check_url_allowed(url)) << url;
  }
}

TEST(CurlHttpClient, HeaderInjectionIsRefused) {
  TestHttpServer server([](const ReceivedRequest&, ServerConnection&) {});
  HttpRequest request = sync_stream_request(server);
  request.headers.push_back({"Authorization", "Token a\r\nX-Evil: 1"});
  std::string message;
  EXPECT_EQ(error_code_of([&] { client()->fetch(request, Cancellation::never()); }, &message),
            ErrorCode::invalid_argument);
  EXPECT_EQ(message.find("X-Evil"), std::string::npos) << "the value was echoed: " << message;
  request.headers = {{"Bad Name", "x"}};
  EXPECT_EQ(error_code_of([&] { client()->fetch(request, Cancellation::never()); }), ErrorCode::invalid_argument);
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(server.connections_accepted(), 0);
}

TEST(CurlHttpClient, UserAgentNamesTheLibraryVersionBindingAndSystem) {
  const std::string agent = make_user_agent("0.1.0", "powersync-c");
  EXPECT_EQ(agent.rfind("powersync-cpp/0.1.0 powersync-c ", 0), 0u) << agent;
  EXPECT_NE(agent.find('/', 20), std::string::npos) << agent;
  EXPECT_EQ(make_user_agent("1.2.3", "").rfind("powersync-cpp/1.2.3 ", 0), 0u);
}

TEST(Cancellation, WakersRunOnceAndNotAfterTheirRegistrationEnds) {
  Cancellation cancel;
  int woken = 0, gone = 0;
  auto kept = cancel.on_cancel([&] { ++woken; });
  { auto dropped = cancel.on_cancel([&] { ++gone; }); }
  EXPECT_FALSE(cancel.cancelled());
  cancel.cancel();
  cancel.cancel();
  EXPECT_TRUE(cancel.cancelled());
  EXPECT_EQ(woken, 1);
  EXPECT_EQ(gone, 0);
  int late = 0;
  auto after = cancel.on_cancel([&] { ++late; });
  EXPECT_EQ(late, 1);  // runs at once on an already cancelled token
  EXPECT_FALSE(Cancellation::never().cancelled());
}

}  // namespace
}  // namespace powersync::transport
