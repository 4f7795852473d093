// Load run for powersync-devserver: N concurrent streaming clients on loopback, one backend
// change, and the time until every client has seen it. Prints the devserver's memory and thread
// count; asserts only that every client got its first checkpoint and the change, within a fixed
// time (it stops by itself after --timeout seconds, 60 by default).
//
//   devserver_load <path to powersync-devserver> [--clients 500] [--timeout 60]

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <utility>

#include <boost/asio.hpp>

#include "jwt.hpp"
#include "powersync/storage/connection.hpp"

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using namespace powersync::devserver;

namespace {

constexpr const char* kSecretBase64url = "bG9hZC10ZXN0LXNlY3JldC1sb2FkLXRlc3Qtc2VjcmV0";  // "load-test-secret-load-test-secret"
constexpr const char* kMarker = "load-marker-row";

struct ServerProcess {
  pid_t pid = -1;
  std::uint16_t port = 0;
};

ServerProcess start_devserver(const std::string& binary, const std::filesystem::path& config) {
  int out[2];
  if (pipe(out) != 0) throw std::runtime_error("pipe failed");
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
    execl(binary.c_str(), binary.c_str(), "serve", "--config", config.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  std::string text;
  char buffer[256];
  while (true) {
    auto n = read(out[0], buffer, sizeof buffer);
    if (n <= 0) throw std::runtime_error("devserver exited before listening");
    text.append(buffer, static_cast<std::size_t>(n));
    auto at = text.find("listening on http://127.0.0.1:");
    if (at != std::string::npos) {
      auto digits = text.substr(at + 30);
      if (digits.find(' ') == std::string::npos) continue;
      close(out[0]);  // the devserver's later output goes to a closed pipe; it writes none while serving
      return {pid, static_cast<std::uint16_t>(std::stoi(digits))};
    }
  }
}

struct ProcessFigures {
  double rss_mb = 0, peak_rss_mb = 0;
  int threads = 0;
};

ProcessFigures figures(pid_t pid) {
  ProcessFigures f;
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  while (status >> key) {
    if (key == "VmRSS:") status >> f.rss_mb, f.rss_mb /= 1024;
    else if (key == "VmHWM:") status >> f.peak_rss_mb, f.peak_rss_mb /= 1024;
    else if (key == "Threads:") status >> f.threads;
  }
  return f;
}

// One streaming client: posts the sync request and scans the response bytes for the first
// checkpoint_complete and, later, the marker row.
class Client : public std::enable_shared_from_this<Client> {
 public:
  Client(asio::io_context& io, std::string request, std::function<void()> on_ready, std::function<void()> on_marker)
      : socket_(io), request_(std::move(request)), on_ready_(std::move(on_ready)), on_marker_(std::move(on_marker)) {}

  void start(std::uint16_t port) {
    socket_.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                          [self = shared_from_this()](auto ec) {
                            if (ec) return self->fail("connect: " + ec.message());
                            asio::async_write(self->socket_, asio::buffer(self->request_),
                                              [self](auto ec2, std::size_t) {
                                                if (ec2) return self->fail("write: " + ec2.message());
                                                self->read();
                                              });
                          });
  }
  void close() {
    closed_ = true;
    boost::system::error_code ec;
    socket_.close(ec);
  }
  static inline int failures = 0;

 private:
  void read() {
    socket_.async_read_some(asio::buffer(buffer_), [self = shared_from_this()](auto ec, std::size_t n) {
      if (self->closed_) return;
      if (ec) return self->fail("read: " + ec.message());
      // Keep a tail of the previous read so a marker split across reads is still found.
      self->window_.append(self->buffer_.data(), n);
      if (!self->ready_ && self->window_.find("checkpoint_complete") != std::string::npos) {
        self->ready_ = true;
        self->on_ready_();
      }
      if (self->ready_ && !self->saw_marker_ && self->window_.find(kMarker) != std::string::npos) {
        self->saw_marker_ = true;
        self->on_marker_();
      }
      if (self->window_.size() > 64) self->window_.erase(0, self->window_.size() - 64);
      if (!self->closed_) self->read();
    });
  }
  void fail(const std::string& what) {
    if (failures++ < 5) std::cerr << "client: " << what << "\n";
  }

  tcp::socket socket_;
  std::string request_;
  std::function<void()> on_ready_, on_marker_;
  std::array<char, 16384> buffer_{};
  std::string window_;
  bool ready_ = false, saw_marker_ = false, closed_ = false;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: devserver_load <powersync-devserver> [--clients N] [--timeout SECONDS]\n";
    return 2;
  }
  std::string binary = argv[1];
  int clients = 500;
  int timeout_seconds = 60;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string arg = argv[i];
    if (arg == "--clients") clients = std::atoi(argv[i + 1]);
    else if (arg == "--timeout") timeout_seconds = std::atoi(argv[i + 1]);
  }
  signal(SIGPIPE, SIG_IGN);

  std::random_device random;
  auto dir = std::filesystem::temp_directory_path() / ("devserver-load-" + std::to_string(random()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "devserver.yaml") << R"(port: 0
host: 127.0.0.1
storage: {type: sqlite, path: storage.db}
replication: {connections: [{type: sqlite, path: backend.db}]}
devserver: {poll_interval_ms: 50}
client_auth:
  jwks: {keys: [{kty: oct, alg: HS256, kid: load, k: )" << kSecretBase64url << R"(}]}
  audience: [powersync-dev]
sync_config:
  content: |
    config:
      edition: 3
    streams:
      everything:
        query: SELECT * FROM lists
        auto_subscribe: true
      mine:
        query: SELECT * FROM todos WHERE created_by = auth.user_id()
        auto_subscribe: true
)";

  int status = 1;
  ServerProcess server;
  try {
    server = start_devserver(binary, dir / "devserver.yaml");
    powersync::Connection backend(powersync::ConnectionOptions{.path = (dir / "backend.db").string()});
    backend.exec("PRAGMA busy_timeout = 5000");
    backend.exec(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100) "
        "INSERT INTO lists (id, name, owner_id) SELECT 'l' || i, 'list ' || i, 'u' || i FROM n");
    auto idle = figures(server.pid);

    HmacKey key{"load", "load-test-secret-load-test-secret"};
    asio::io_context io;
    std::vector<std::shared_ptr<Client>> all;
    int ready = 0, marked = 0;
    auto started = Clock::now();
    Clock::time_point all_ready_at, change_at, all_marked_at;
    ProcessFigures loaded, delivered;
    asio::steady_timer deadline(io, std::chrono::seconds(timeout_seconds));
    auto finish = [&] {
      deadline.cancel();
      for (auto& c : all) c->close();
    };
    auto on_marker = [&] {
      if (++marked == clients) {
        all_marked_at = Clock::now();
        delivered = figures(server.pid);
        finish();
      }
    };
    auto on_ready = [&] {
      if (++ready != clients) return;
      all_ready_at = Clock::now();
      loaded = figures(server.pid);
      change_at = Clock::now();
      backend.exec(std::string("INSERT INTO lists (id, name, owner_id) VALUES ('") + kMarker + "', 'marker', 'u1')");
    };
    auto now = unix_now();
    for (int i = 0; i < clients; ++i) {
      auto token = sign_token(key, "u" + std::to_string(i), "powersync-dev", now, now + 3600);
      std::string body = R"({"client_id":"load-)" + std::to_string(i) + R"("})";
      std::string request = "POST /sync/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Token " + token +
                            "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
                            "\r\n\r\n" + body;
      all.push_back(std::make_shared<Client>(io, std::move(request), on_ready, on_marker));
      all.back()->start(server.port);
    }
    deadline.async_wait([&](auto ec) {
      if (ec) return;
      std::cerr << "devserver_load: gave up after " << timeout_seconds << " s with " << ready << "/" << clients
                << " streams ready and " << marked << "/" << clients << " that saw the change\n";
      finish();
    });
    io.run();

    auto ms = [](auto d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
    std::printf("devserver load: %d concurrent streaming clients on loopback\n", clients);
    std::printf("  devserver idle:        RSS %.1f MB, %d threads\n", idle.rss_mb, idle.threads);
    if (ready == clients) {
      std::printf("  all first checkpoints: %lld ms after the first connect\n",
                  static_cast<long long>(ms(all_ready_at - started)));
      std::printf("  with %d streams:      RSS %.1f MB (peak %.1f MB), %d threads\n", clients, loaded.rss_mb,
                  loaded.peak_rss_mb, loaded.threads);
    }
    if (marked == clients) {
      std::printf("  one backend change reached all %d clients in %lld ms\n", clients,
                  static_cast<long long>(ms(all_marked_at - change_at)));
      std::printf("  then:                  RSS %.1f MB, %d threads\n", delivered.rss_mb, delivered.threads);
      status = 0;
    }
    if (Client::failures > 0) {
      std::printf("  %d client errors\n", Client::failures);
      status = 1;
    }
  } catch (const std::exception& e) {
    std::cerr << "devserver_load: " << e.what() << "\n";
  }
  if (server.pid > 0) {
    kill(server.pid, SIGTERM);
    waitpid(server.pid, nullptr, 0);
  }
  std::filesystem::remove_all(dir);
  return status;
}
