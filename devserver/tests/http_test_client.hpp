#pragma once
// A tiny blocking HTTP/1.1 client for the end-to-end tests: loopback only, one request per
// connection, chunked responses read line by line. Reads time out after 30 s so a broken server
// fails the test instead of hanging it.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cctype>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace devserver_test {

class HttpConnection {
 public:
  explicit HttpConnection(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval timeout{30, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) throw std::runtime_error("connect failed");
  }
  ~HttpConnection() { ::close(fd_); }
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  // Sends the request and reads the status line and headers.
  void send(const std::string& method, const std::string& path, const std::string& body = "",
            const std::string& token = "", const std::string& extra_headers = "") {
    std::string request = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
    request += extra_headers;  // each "Name: value\r\n"
    if (!token.empty()) request += "Authorization: Token " + token + "\r\n";
    if (!body.empty() || method == "POST")
      request += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    request += "\r\n" + body;
    std::size_t sent = 0;
    while (sent < request.size()) {
      auto n = ::send(fd_, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) throw std::runtime_error("send failed");
      sent += static_cast<std::size_t>(n);
    }
    auto head_end = wait_for("\r\n\r\n");
    std::string head = buffer_.substr(0, head_end);
    buffer_.erase(0, head_end + 4);
    status = std::stoi(head.substr(9, 3));
    std::size_t pos = head.find("\r\n");
    while (pos != std::string::npos && pos + 2 < head.size()) {
      auto next = head.find("\r\n", pos + 2);
      auto line = head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
      auto colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
      }
      pos = next;
    }
    chunked = headers["transfer-encoding"] == "chunked";
  }

  // The whole body (after send()).
  std::string body() {
    if (chunked) {
      std::string all;
      while (auto piece = next_chunk()) all += *piece;
      return all;
    }
    auto length = std::stoul(headers.count("content-length") ? headers["content-length"] : "0");
    while (buffer_.size() < length) fill();
    return buffer_.substr(0, length);
  }

  // The next NDJSON line of a chunked body, or nullopt at its end.
  std::optional<std::string> next_line() {
    while (true) {
      auto newline = lines_.find('\n');
      if (newline != std::string::npos) {
        auto line = lines_.substr(0, newline);
        lines_.erase(0, newline + 1);
        return line;
      }
      auto piece = next_chunk();
      if (!piece) return std::nullopt;
      lines_ += *piece;
    }
  }

  // The next document of a chunked BSON stream (its raw bytes), or nullopt at the end.
  std::optional<std::string> next_bson_document() {
    while (true) {
      if (lines_.size() >= 4) {
        auto size = static_cast<std::size_t>(static_cast<unsigned char>(lines_[0])) |
                    static_cast<std::size_t>(static_cast<unsigned char>(lines_[1])) << 8 |
                    static_cast<std::size_t>(static_cast<unsigned char>(lines_[2])) << 16 |
                    static_cast<std::size_t>(static_cast<unsigned char>(lines_[3])) << 24;
        if (size < 5) throw std::runtime_error("bad BSON document length");
        if (lines_.size() >= size) {
          auto document = lines_.substr(0, size);
          lines_.erase(0, size);
          return document;
        }
      }
      auto piece = next_chunk();
      if (!piece) {
        if (!lines_.empty()) throw std::runtime_error("stream ended inside a BSON document");
        return std::nullopt;
      }
      lines_ += *piece;
    }
  }

  // The next chunk's raw bytes (e.g. of a gzip-encoded body), or nullopt at the body's end.
  std::optional<std::string> next_raw_chunk() { return next_chunk(); }

  int status = 0;
  bool chunked = false;
  std::map<std::string, std::string> headers;

 private:
  std::optional<std::string> next_chunk() {
    auto end = wait_for("\r\n");
    auto size = std::stoul(buffer_.substr(0, end), nullptr, 16);
    buffer_.erase(0, end + 2);
    if (size == 0) return std::nullopt;
    while (buffer_.size() < size + 2) fill();
    auto data = buffer_.substr(0, size);
    buffer_.erase(0, size + 2);
    return data;
  }

  std::size_t wait_for(const char* marker) {
    while (true) {
      auto at = buffer_.find(marker);
      if (at != std::string::npos) return at;
      fill();
    }
  }

  void fill() {
    char chunk[65536];
    auto n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) throw std::runtime_error("connection closed or timed out");
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }

  int fd_ = -1;
  std::string buffer_;
  std::string lines_;
};

// Reads NDJSON lines into `view` (anything with apply(json)) until `done(view)` holds right
// after a checkpoint_complete, bounded by a line count.
template <typename View, typename Done>
void read_until(HttpConnection& stream, View& view, const Done& done) {
  for (int i = 0; i < 10000; ++i) {
    auto line = stream.next_line();
    ASSERT_TRUE(line.has_value()) << "stream ended";
    auto parsed = nlohmann::json::parse(*line);
    view.apply(parsed);
    if (parsed.contains("checkpoint_complete") && done(view)) return;
  }
  FAIL() << "condition not reached";
}

// A sync config's text indented as the value of `sync_config: content: |` in a test config.
inline std::string indented_sync_config(const std::string& sync_config) {
  std::string indented;
  std::size_t start = 0;
  while (start < sync_config.size()) {
    auto end = sync_config.find('\n', start);
    if (end == std::string::npos) end = sync_config.size();
    indented += "    " + sync_config.substr(start, end - start) + "\n";
    start = end + 1;
  }
  return indented;
}

}  // namespace devserver_test
