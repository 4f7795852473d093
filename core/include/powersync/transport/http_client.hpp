#pragma once
// The HTTP interface the sync worker talks through, so tests can put a scripted fake behind it.
// Requests block the calling thread; callbacks run on that thread. Another thread stops a request
// with its Cancellation. The HTTP status is data, not an error: a 401 or 503 comes back like a 200
// (the worker maps 401 to ErrorCode::auth); only the transport itself fails with an Error.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "powersync/transport/cancellation.hpp"

namespace powersync::transport {

// Header names compare case-insensitively; order and duplicates are kept.
using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// The first value of header `name` (case-insensitive), if any.
std::optional<std::string_view> find_header(const HttpHeaders& headers, std::string_view name) noexcept;

struct HttpRequest {
  std::string method = "GET";  // GET, POST, ...
  std::string url;             // absolute http(s) URL
  HttpHeaders headers;         // e.g. Authorization, Content-Type, Accept
  std::string body;            // sent when non-empty, or always for POST/PUT/PATCH

  // Connecting (DNS, TCP and TLS) must finish within this.
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(30)};
  // The response must deliver at least one byte within every period this long; zero = no limit.
  // A sync stream gets a keepalive about every 20 s, so 60 s or more suits it.
  std::chrono::milliseconds idle_timeout{0};
};

// Status line and headers, delivered before any body byte.
struct HttpResponseHead {
  int status = 0;
  HttpHeaders headers;  // names as the server sent them

  std::optional<std::string_view> header(std::string_view name) const noexcept { return find_header(headers, name); }
  std::string_view content_type() const noexcept { return header("content-type").value_or(std::string_view{}); }
  bool ok() const noexcept { return status >= 200 && status < 300; }
};

// A whole response, for small requests such as GET /write-checkpoint2.json.
struct HttpResponse : HttpResponseHead {
  std::string body;
};

struct StreamCallbacks {
  // Called exactly once, before the first on_body call (also for an empty body).
  std::function<void(const HttpResponseHead&)> on_head;
  // Called for each piece of the (already content-decoded) body, in order; pieces are arbitrary,
  // not aligned to lines. The view is valid only during the call.
  std::function<void(std::string_view chunk)> on_body;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;

  // Sends `request` and streams the response into `callbacks`; returns once the body has ended
  // normally. Throws
  //   Error(invalid_argument) for a URL or header the client refuses (before connecting),
  //   Error(network) when connecting fails or the connection breaks (also mid-body),
  //   Error(cancelled) once `cancel` is cancelled (before or during the request),
  // and rethrows whatever a callback throws, after aborting the transfer.
  virtual void stream(const HttpRequest& request, const StreamCallbacks& callbacks, const Cancellation& cancel) = 0;

  // The whole response in memory; the body is capped at `max_body_size` (Error(network) beyond).
  // The default implementation goes through stream().
  virtual HttpResponse fetch(const HttpRequest& request, const Cancellation& cancel,
                             std::size_t max_body_size = std::size_t{16} << 20);
};

struct CurlHttpClientOptions {
  // Sent as User-Agent on every request. See make_user_agent().
  std::string user_agent = "powersync-cpp";
  // PEM file of CA certificates to trust instead of the system store; empty = system store.
  // Verification itself can never be turned off.
  std::string ca_bundle_path;
};

// The libcurl client: TLS verification always on, plain http:// only to loopback hosts
// (127.0.0.0/8, ::1, localhost), gzip/deflate bodies decoded, no redirects followed,
// nothing logged about requests (so no Authorization header ends up in a log).
std::unique_ptr<HttpClient> make_curl_http_client(CurlHttpClientOptions options = {});

// "powersync-cpp/<version> <binding> <os>/<release>", e.g.
// "powersync-cpp/0.1.0 powersync-c linux/6.1.0"; binding may be empty.
std::string make_user_agent(std::string_view version, std::string_view binding);

// Throws Error(invalid_argument) unless `url` is https://, or http:// to a loopback host.
// The curl client calls it before every request; exposed for the worker's endpoint checks.
void check_url_allowed(std::string_view url);

}  // namespace powersync::transport
