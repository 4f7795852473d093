#pragma once
// A tiny HTTP/1.1 server on 127.0.0.1 for transport tests: one thread, one connection at a
// time, each answered by a scripted handler that writes whatever bytes the test wants (chunked
// bodies, torn streams, silence). Plain POSIX sockets; every connection closes after its reply.

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace powersync::transport::testing {

struct ReceivedRequest {
  std::string method;
  std::string target;  // path and query
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // First value of a header, case-insensitive; empty if absent.
  std::string header(std::string_view name) const;
  bool has_header(std::string_view name) const;
};

class ServerConnection {
 public:
  ServerConnection(int fd, int stop_fd) : fd_(fd), stop_fd_(stop_fd) {}

  // Raw bytes; false once the peer is gone.
  bool write(std::string_view bytes);
  // "HTTP/1.1 <status> <reason>", the headers, "Connection: close"; chunked adds
  // Transfer-Encoding: chunked, otherwise give Content-Length yourself (or omit it for a body
  // that ends when the connection closes).
  bool send_head(int status, const std::vector<std::pair<std::string, std::string>>& headers, bool chunked);
  bool send_chunk(std::string_view data);
  bool end_chunks();
  // Blocks until the client closes its side (true) or the timeout or server shutdown (false).
  bool wait_until_peer_closes(std::chrono::milliseconds timeout);

 private:
  int fd_;
  int stop_fd_;
};

class TestHttpServer {
 public:
  using Handler = std::function<void(const ReceivedRequest&, ServerConnection&)>;

  explicit TestHttpServer(Handler handler);
  ~TestHttpServer();  // stops waiting handlers and joins the thread
  TestHttpServer(const TestHttpServer&) = delete;
  TestHttpServer& operator=(const TestHttpServer&) = delete;

  int port() const { return port_; }
  std::string url(std::string_view path_and_query) const;
  std::vector<ReceivedRequest> requests() const;
  int connections_accepted() const { return accepted_.load(); }

 private:
  void run();
  void serve(int fd);

  Handler handler_;
  int listen_fd_ = -1;
  int stop_pipe_[2] = {-1, -1};
  int port_ = 0;
  std::atomic<int> accepted_{0};
  mutable std::mutex mutex_;
  std::vector<ReceivedRequest> requests_;
  std::thread thread_;
};

}  // namespace powersync::transport::testing
