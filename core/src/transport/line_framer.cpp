// NDJSON and BSON stream framing. Lines inside a chunk are passed on as views; the tail of a
// chunk that starts a line is kept in `pending_` until the rest arrives.
#include "powersync/transport/line_framer.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "powersync/util/error.hpp"

namespace powersync::transport {
namespace {

[[noreturn]] void too_large(std::size_t limit) {
  throw Error(ErrorCode::network, "sync line exceeds " + std::to_string(limit) + " bytes");
}

[[noreturn]] void torn(std::size_t buffered) {
  throw Error(ErrorCode::network,
              "stream ended mid-line (" + std::to_string(buffered) + " bytes of an unfinished line)");
}

class NdjsonFramer final : public LineFramer {
 public:
  explicit NdjsonFramer(std::size_t max_line_size) : max_(max_line_size) {}

  void feed(std::string_view chunk, const LineSink& sink) override {
    while (!chunk.empty()) {
      const std::size_t newline = chunk.find('\n');
      if (newline == std::string_view::npos) {
        if (pending_.size() + chunk.size() > max_) too_large(max_);
        pending_.append(chunk);
        return;
      }
      const std::string_view head = chunk.substr(0, newline);
      chunk.remove_prefix(newline + 1);
      if (pending_.empty()) {
        emit(head, sink);
      } else {
        if (pending_.size() + head.size() > max_) too_large(max_);
        pending_.append(head);
        std::string line = std::move(pending_);
        pending_.clear();
        emit(line, sink);
      }
    }
  }

  void end_of_stream() override {
    // Trailing blank space after the last newline is not a line.
    const bool only_space = std::all_of(pending_.begin(), pending_.end(),
                                        [](unsigned char c) { return std::isspace(c) != 0; });
    if (!only_space) torn(pending_.size());
    pending_.clear();
  }

  std::size_t buffered() const noexcept override { return pending_.size(); }

 private:
  void emit(std::string_view line, const LineSink& sink) const {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > max_) too_large(max_);
    if (line.empty()) return;
    sink(line);
  }

  std::size_t max_;
  std::string pending_;
};

class BsonFramer final : public LineFramer {
 public:
  explicit BsonFramer(std::size_t max_line_size) : max_(max_line_size) {}

  void feed(std::string_view chunk, const LineSink& sink) override {
    while (!chunk.empty()) {
      if (pending_.empty()) {
        // Whole documents straight from the chunk.
        if (chunk.size() < 4) {
          pending_.append(chunk);
          return;
        }
        const std::size_t size = document_size(chunk.data());
        if (chunk.size() < size) {
          pending_.reserve(size);
          pending_.append(chunk);
          return;
        }
        sink(chunk.substr(0, size));
        chunk.remove_prefix(size);
        continue;
      }
      // Complete the buffered document: first its length prefix, then its body.
      if (pending_.size() < 4) {
        const std::size_t take = std::min(4 - pending_.size(), chunk.size());
        pending_.append(chunk.substr(0, take));
        chunk.remove_prefix(take);
        if (pending_.size() < 4) return;
      }
      const std::size_t size = document_size(pending_.data());
      pending_.reserve(size);
      const std::size_t take = std::min(size - pending_.size(), chunk.size());
      pending_.append(chunk.substr(0, take));
      chunk.remove_prefix(take);
      if (pending_.size() < size) return;
      std::string document = std::move(pending_);
      pending_.clear();
      sink(document);
    }
  }

  void end_of_stream() override {
    if (!pending_.empty()) torn(pending_.size());
  }

  std::size_t buffered() const noexcept override { return pending_.size(); }

 private:
  std::size_t document_size(const char* prefix) const {
    std::uint8_t bytes[4];
    std::memcpy(bytes, prefix, 4);
    const std::int32_t size = static_cast<std::int32_t>(static_cast<std::uint32_t>(bytes[0]) |
                                                        static_cast<std::uint32_t>(bytes[1]) << 8 |
                                                        static_cast<std::uint32_t>(bytes[2]) << 16 |
                                                        static_cast<std::uint32_t>(bytes[3]) << 24);
    if (size < 5) {
      throw Error(ErrorCode::network, "Invalid sync line: BSON document length " + std::to_string(size) +
                                          " is below the minimum of 5");
    }
    if (static_cast<std::size_t>(size) > max_) too_large(max_);
    return static_cast<std::size_t>(size);
  }

  std::size_t max_;
  std::string pending_;
};

bool iequals_prefix(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != std::tolower(static_cast<unsigned char>(prefix[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

StreamFormat stream_format_for_content_type(std::string_view content_type) noexcept {
  while (!content_type.empty() && (content_type.front() == ' ' || content_type.front() == '\t')) {
    content_type.remove_prefix(1);
  }
  if (!iequals_prefix(content_type, kBsonStreamContentType)) return StreamFormat::ndjson;
  const std::string_view rest = content_type.substr(kBsonStreamContentType.size());
  // Exactly the type, or the type followed by parameters.
  if (rest.empty() || rest.front() == ';' || rest.front() == ' ' || rest.front() == '\t') return StreamFormat::bson;
  return StreamFormat::ndjson;
}

std::unique_ptr<LineFramer> make_ndjson_framer(std::size_t max_line_size) {
  return std::make_unique<NdjsonFramer>(max_line_size);
}

std::unique_ptr<LineFramer> make_bson_framer(std::size_t max_line_size) {
  return std::make_unique<BsonFramer>(max_line_size);
}

std::unique_ptr<LineFramer> make_line_framer(StreamFormat format, std::size_t max_line_size) {
  if (format == StreamFormat::bson) return make_bson_framer(max_line_size);
  return make_ndjson_framer(max_line_size);
}

}  // namespace powersync::transport
