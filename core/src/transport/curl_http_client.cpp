// HttpClient over libcurl: one easy handle per request, driven by a private multi handle so
// that a cancel from another thread wakes curl_multi_poll at once (curl_multi_wakeup) instead
// of waiting for the next timeout.
#include <arpa/inet.h>
#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <cctype>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>

#include "powersync/transport/http_client.hpp"
#include "powersync/util/error.hpp"

namespace powersync::transport {
namespace {

[[noreturn]] void invalid(const std::string& message) { throw Error(ErrorCode::invalid_argument, message); }

void ensure_curl_initialized() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw Error(ErrorCode::internal, "curl_global_init failed");
  });
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_loopback_host(std::string host) {
  host = lower(host);
  if (host == "localhost") return true;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    // ::ffff:127.x.y.z is IPv4 loopback too.
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
  }
  return false;
}

struct UrlHandle {
  CURLU* url = curl_url();
  ~UrlHandle() { curl_url_cleanup(url); }
  std::string part(CURLUPart which) const {
    char* text = nullptr;
    if (curl_url_get(url, which, &text, 0) != CURLUE_OK || text == nullptr) return {};
    std::string out(text);
    curl_free(text);
    return out;
  }
};

// The URL without query and fragment, for error messages.
std::string describe_url(std::string_view url) {
  const std::size_t cut = url.find_first_of("?#");
  return std::string(url.substr(0, cut));
}

bool is_header_name_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) != 0 || std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

void append_raw_header(Slist& list, const std::string& line) {
  curl_slist* grown = curl_slist_append(list.get(), line.c_str());
  if (grown == nullptr) throw std::bad_alloc();
  (void)list.release();  // now owned by `grown`
  list.reset(grown);
}

void append_header(Slist& list, std::string_view name, std::string_view value) {
  if (name.empty() || !std::all_of(name.begin(), name.end(), is_header_name_char)) {
    invalid("invalid HTTP header name \"" + std::string(name) + "\"");
  }
  if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos) {
    // The value is not echoed: it may be a token.
    invalid("HTTP header \"" + std::string(name) + "\" contains a line break or NUL");
  }
  // curl drops "Name:" with an empty value; "Name;" sends it empty.
  append_raw_header(list, value.empty() ? std::string(name) + ";" : std::string(name) + ": " + std::string(value));
}

struct EasyDeleter {
  void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};
struct MultiDeleter {
  void operator()(CURLM* multi) const { curl_multi_cleanup(multi); }
};

// Per-request state shared with the curl callbacks, which must never let an exception escape.
struct Transfer {
  Transfer(const StreamCallbacks& c, const Cancellation& token) : callbacks(c), cancel(token) {}

  const StreamCallbacks& callbacks;
  const Cancellation& cancel;
  CURL* easy = nullptr;
  HttpResponseHead head;
  bool head_delivered = false;
  std::chrono::steady_clock::time_point last_activity = std::chrono::steady_clock::now();
  std::exception_ptr callback_error;

  void deliver_head() {
    head_delivered = true;
    long status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    head.status = static_cast<int>(status);
    if (callbacks.on_head) callbacks.on_head(head);
  }
};

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' || text.back() == '\n')) {
    text.remove_suffix(1);
  }
  return text;
}

size_t on_header_line(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const std::string_view line(data, size * count);
  transfer->last_activity = std::chrono::steady_clock::now();
  try {
    if (line.starts_with("HTTP/")) {
      transfer->head.headers.clear();  // a new response (after 1xx): forget the interim headers
    } else if (const std::size_t colon = line.find(':'); colon != std::string_view::npos) {
      transfer->head.headers.emplace_back(std::string(trim(line.substr(0, colon))),
                                          std::string(trim(line.substr(colon + 1))));
    }
  } catch (...) {
    transfer->callback_error = std::current_exception();
    return 0;
  }
  return size * count;
}

size_t on_body_bytes(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t bytes = size * count;
  if (transfer->cancel.cancelled()) return 0;  // stop at once; reported as cancelled
  transfer->last_activity = std::chrono::steady_clock::now();
  try {
    if (!transfer->head_delivered) transfer->deliver_head();
    if (bytes > 0 && transfer->callbacks.on_body) transfer->callbacks.on_body(std::string_view(data, bytes));
  } catch (...) {
    transfer->callback_error = std::current_exception();
    return 0;  // a short count makes curl abort with CURLE_WRITE_ERROR
  }
  return bytes;
}

[[noreturn]] void throw_cancelled() { throw Error(ErrorCode::cancelled, "HTTP request cancelled"); }

class CurlHttpClient final : public HttpClient {
 public:
  explicit CurlHttpClient(CurlHttpClientOptions options) : options_(std::move(options)) { ensure_curl_initialized(); }

  void stream(const HttpRequest& request, const StreamCallbacks& callbacks, const Cancellation& cancel) override {
    check_url_allowed(request.url);
    if (cancel.cancelled()) throw_cancelled();

    std::unique_ptr<CURL, EasyDeleter> easy(curl_easy_init());
    std::unique_ptr<CURLM, MultiDeleter> multi(curl_multi_init());
    if (!easy || !multi) throw Error(ErrorCode::internal, "could not create a curl handle");

    Slist headers;
    for (const auto& [name, value] : request.headers) append_header(headers, name, value);
    append_raw_header(headers, "Expect:");  // no 100-continue round trip for larger bodies

    Transfer transfer(callbacks, cancel);
    transfer.easy = easy.get();
    char error_buffer[CURL_ERROR_SIZE] = {};
    configure(easy.get(), request, headers.get(), transfer, error_buffer);

    if (curl_multi_add_handle(multi.get(), easy.get()) != CURLM_OK) {
      throw Error(ErrorCode::internal, "curl_multi_add_handle failed");
    }
    // Detach before the handles go away, whatever happens below.
    struct Detach {
      CURLM* multi;
      CURL* easy;
      ~Detach() { curl_multi_remove_handle(multi, easy); }
    } detach{multi.get(), easy.get()};
    // Declared after the handles: destroyed first, so no wake-up can reach a freed multi handle.
    CURLM* const multi_handle = multi.get();
    const auto registration = cancel.on_cancel([multi_handle] { curl_multi_wakeup(multi_handle); });

    CURLcode result = CURLE_OK;
    for (;;) {
      int running = 0;
      const CURLMcode performed = curl_multi_perform(multi.get(), &running);
      if (performed != CURLM_OK) {
        throw Error(ErrorCode::network, std::string("curl_multi_perform: ") + curl_multi_strerror(performed));
      }
      if (transfer.callback_error) std::rethrow_exception(transfer.callback_error);
      if (cancel.cancelled()) throw_cancelled();
      if (running == 0) {
        int queued = 0;
        while (CURLMsg* message = curl_multi_info_read(multi.get(), &queued)) {
          if (message->msg == CURLMSG_DONE) result = message->data.result;
        }
        break;
      }
      int wait_ms = 1000;
      if (request.idle_timeout.count() > 0) {
        // Our own idle clock: curl's low-speed check averages over several seconds.
        const auto idle = std::chrono::steady_clock::now() - transfer.last_activity;
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(request.idle_timeout - idle);
        if (left.count() <= 0) {
          throw Error(ErrorCode::network, request.method + " " + describe_url(request.url) + " failed: no data for " +
                                              std::to_string(request.idle_timeout.count()) + " ms");
        }
        wait_ms = static_cast<int>(std::min<std::int64_t>(wait_ms, left.count() + 1));
      }
      const CURLMcode polled = curl_multi_poll(multi.get(), nullptr, 0, wait_ms, nullptr);
      if (polled != CURLM_OK) {
        throw Error(ErrorCode::network, std::string("curl_multi_poll: ") + curl_multi_strerror(polled));
      }
    }

    if (transfer.callback_error) std::rethrow_exception(transfer.callback_error);
    if (cancel.cancelled()) throw_cancelled();
    if (result != CURLE_OK) {
      const std::string detail = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(result);
      throw Error(ErrorCode::network, request.method + " " + describe_url(request.url) + " failed: " + detail);
    }
    if (!transfer.head_delivered) transfer.deliver_head();  // an empty body
  }

 private:
  void configure(CURL* easy, const HttpRequest& request, curl_slist* headers, Transfer& transfer,
                 char* error_buffer) const {
    curl_easy_setopt(easy, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!options_.ca_bundle_path.empty()) curl_easy_setopt(easy, CURLOPT_CAINFO, options_.ca_bundle_path.c_str());
    curl_easy_setopt(easy, CURLOPT_USERAGENT, options_.user_agent.c_str());
    curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");  // every encoding this curl decodes
    curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error_buffer);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.connect_timeout.count()));

    const bool sends_body = !request.body.empty() || request.method == "POST" || request.method == "PUT" ||
                            request.method == "PATCH";
    if (request.method == "GET" && request.body.empty()) {
      curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
    } else if (request.method == "HEAD") {
      curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
    } else {
      if (request.method.empty() || !std::all_of(request.method.begin(), request.method.end(), is_header_name_char)) {
        invalid("invalid HTTP method \"" + request.method + "\"");
      }
      if (request.method != "POST") curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, request.method.c_str());
      if (sends_body) {
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, request.body.data());
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
      }
    }

    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header_line);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, &transfer);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body_bytes);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &transfer);
  }

  CurlHttpClientOptions options_;
};

}  // namespace

void check_url_allowed(std::string_view url) {
  UrlHandle parsed;
  if (parsed.url == nullptr) throw std::bad_alloc();
  const std::string text(url);
  if (curl_url_set(parsed.url, CURLUPART_URL, text.c_str(), 0) != CURLUE_OK) {
    invalid("invalid URL \"" + describe_url(url) + "\"");
  }
  const std::string scheme = lower(parsed.part(CURLUPART_SCHEME));
  if (scheme == "https") return;
  if (scheme != "http") invalid("unsupported URL scheme \"" + scheme + "\": use https://");
  const std::string host = parsed.part(CURLUPART_HOST);
  if (!is_loopback_host(host)) {
    invalid("plain HTTP is only allowed for loopback hosts (127.0.0.0/8, ::1, localhost), not \"" + host +
            "\": use https://");
  }
}

std::unique_ptr<HttpClient> make_curl_http_client(CurlHttpClientOptions options) {
  return std::make_unique<CurlHttpClient>(std::move(options));
}

}  // namespace powersync::transport
