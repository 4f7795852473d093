#include "sync_line_format.hpp"

#include <bson/bson.h>
#if POWERSYNC_DEVSERVER_GZIP
#include <zlib.h>
#endif

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <limits>
#include <vector>

#include "powersync/util/error.hpp"

namespace powersync::devserver {
namespace {

using Json = nlohmann::ordered_json;

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// One element of a comma-separated header list with optional parameters, e.g. the
// "gzip;q=0.5" of Accept-Encoding or the "application/x-ndjson;q=0.8" of Accept.
struct WeightedItem {
  std::string_view value;  // before the first ';', trimmed
  double q = 1;            // from a q= parameter, clamped to [0, 1]; unparsable counts as 0
};

std::vector<WeightedItem> parse_weighted_list(std::string_view header) {
  std::vector<WeightedItem> items;
  while (!header.empty()) {
    auto comma = header.find(',');
    auto element = trim(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    auto semi = element.find(';');
    WeightedItem item{trim(element.substr(0, semi))};
    while (semi != std::string_view::npos) {
      auto rest = element.substr(semi + 1);
      semi = rest.find(';');
      auto param = trim(rest.substr(0, semi));
      if (param.size() > 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
        std::string value(trim(param.substr(2)));
        char* end = nullptr;
        double q = std::strtod(value.c_str(), &end);
        item.q = end == value.c_str() ? 0 : std::clamp(q, 0.0, 1.0);
      }
    }
    items.push_back(item);
  }
  return items;
}

struct MediaRange {
  std::string_view type, subtype;
  double q = 1;
};

std::vector<MediaRange> parse_accept(std::string_view accept) {
  std::vector<MediaRange> ranges;
  for (const auto& item : parse_weighted_list(accept)) {
    auto slash = item.value.find('/');
    if (item.value.empty() || slash == std::string_view::npos) continue;
    ranges.push_back({trim(item.value.substr(0, slash)), trim(item.value.substr(slash + 1)), item.q});
  }
  return ranges;
}

// The q a media type gets from the most specific range matching it; -1 when none matches.
double quality(const std::vector<MediaRange>& ranges, std::string_view type, std::string_view subtype) {
  int best_specificity = -1;
  double q = -1;
  for (const auto& r : ranges) {
    int specificity;
    if (iequals(r.type, type) && iequals(r.subtype, subtype)) specificity = 2;
    else if (iequals(r.type, type) && r.subtype == "*") specificity = 1;
    else if (r.type == "*" && r.subtype == "*") specificity = 0;
    else continue;
    if (specificity > best_specificity) {
      best_specificity = specificity;
      q = r.q;
    }
  }
  return q;
}

void append_value(bson_t* doc, const std::string& key, const Json& value);

void append_members(bson_t* doc, const Json& value) {
  if (value.is_object()) {
    for (auto it = value.begin(); it != value.end(); ++it) append_value(doc, it.key(), it.value());
  } else {
    for (std::size_t i = 0; i < value.size(); ++i) append_value(doc, std::to_string(i), value[i]);
  }
}

void append_number(bson_t* doc, const std::string& key, const Json& value) {
  auto k = key.c_str();
  auto len = static_cast<int>(key.size());
  if (value.is_number_integer()) {
    bool fits = value.is_number_unsigned()
                    ? value.get<std::uint64_t>() <= static_cast<std::uint64_t>(std::numeric_limits<std::int32_t>::max())
                    : value.get<std::int64_t>() >= std::numeric_limits<std::int32_t>::min() &&
                          value.get<std::int64_t>() <= std::numeric_limits<std::int32_t>::max();
    if (fits) {
      bson_append_int32(doc, k, len, static_cast<std::int32_t>(value.get<std::int64_t>()));
      return;
    }
  }
  bson_append_double(doc, k, len, value.get<double>());
}

void append_value(bson_t* doc, const std::string& key, const Json& value) {
  auto k = key.c_str();
  auto len = static_cast<int>(key.size());
  switch (value.type()) {
    case Json::value_t::null:
    case Json::value_t::discarded:
      bson_append_null(doc, k, len);
      break;
    case Json::value_t::boolean:
      bson_append_bool(doc, k, len, value.get<bool>());
      break;
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      append_number(doc, key, value);
      break;
    case Json::value_t::string: {
      const auto& text = value.get_ref<const std::string&>();
      if (!bson_append_utf8(doc, k, len, text.data(), static_cast<int>(text.size())))
        throw_invalid_argument("sync line value too large for BSON");
      break;
    }
    case Json::value_t::object: {
      bson_t child;
      bson_append_document_begin(doc, k, len, &child);
      append_members(&child, value);
      bson_append_document_end(doc, &child);
      break;
    }
    case Json::value_t::array: {
      bson_t child;
      bson_append_array_begin(doc, k, len, &child);
      append_members(&child, value);
      bson_append_array_end(doc, &child);
      break;
    }
    case Json::value_t::binary:
      throw_invalid_argument("binary values are not part of the sync protocol");
  }
}

}  // namespace

SyncLineFormat negotiate_sync_line_format(std::string_view accept) {
  auto ranges = parse_accept(accept);
  if (ranges.empty()) return SyncLineFormat::ndjson;
  auto ndjson = quality(ranges, "application", "x-ndjson");
  auto bson = quality(ranges, "application", "vnd.powersync.bson-stream");
  // NDJSON wins ties and is the fallback when neither is acceptable.
  return bson > 0 && bson > ndjson ? SyncLineFormat::bson : SyncLineFormat::ndjson;
}

std::string_view content_type(SyncLineFormat format) {
  return format == SyncLineFormat::bson ? kBsonStreamContentType : kNdjsonContentType;
}

std::string to_bson_document(const nlohmann::ordered_json& object) {
  if (!object.is_object()) throw_invalid_argument("a BSON document must be a JSON object");
  bson_t* doc = bson_new();
  try {
    append_members(doc, object);
  } catch (...) {
    bson_destroy(doc);
    throw;
  }
  std::string bytes(reinterpret_cast<const char*>(bson_get_data(doc)), doc->len);
  bson_destroy(doc);
  return bytes;
}

nlohmann::ordered_json oplog_entry_json(const OplogEntry& e) {
  Json op{{"op_id", std::to_string(e.op_id)}, {"op", e.op}};
  if (e.op == "MOVE" || e.op == "CLEAR") {
    op["checksum"] = e.checksum;
    return op;
  }
  op["object_type"] = e.object_type;
  op["object_id"] = e.object_id;
  op["checksum"] = e.checksum;
  op["subkey"] = e.subkey;
  op["data"] = e.data ? Json(*e.data) : Json(nullptr);
  return op;
}

std::string encode_sync_line(const nlohmann::ordered_json& line, SyncLineFormat format) {
  if (format == SyncLineFormat::bson) return to_bson_document(line);
  auto text = line.dump(-1, ' ', false, Json::error_handler_t::replace);
  text += '\n';
  return text;
}

#if POWERSYNC_DEVSERVER_GZIP
constexpr bool kGzipAvailable = true;
#else
constexpr bool kGzipAvailable = false;
#endif

bool accepts_gzip(std::string_view accept_encoding) {
  double gzip = -1, any = -1, identity = -1;
  for (const auto& [coding, q] : parse_weighted_list(accept_encoding)) {
    if (iequals(coding, "gzip") || iequals(coding, "x-gzip")) gzip = std::max(gzip, q);
    else if (coding == "*") any = q;
    else if (iequals(coding, "identity")) identity = q;
  }
  if (gzip < 0) gzip = any;
  return kGzipAvailable && gzip > 0 && gzip >= identity;
}

#if POWERSYNC_DEVSERVER_GZIP
struct SyncLineEncoder::Deflate {
  z_stream stream{};
};

SyncLineEncoder::SyncLineEncoder(SyncLineFormat format, bool gzip) : format_(format) {
  if (!gzip) return;
  deflate_ = std::make_unique<Deflate>();
  // gzip framing (16 + window bits); an 8 KB window and small hash tables keep each stream's
  // compressor near 64 KB, since hundreds of streams may be open.
  if (deflateInit2(&deflate_->stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + 13, 6, Z_DEFAULT_STRATEGY) != Z_OK)
    throw Error(ErrorCode::internal, "zlib: deflateInit2 failed");
}

SyncLineEncoder::~SyncLineEncoder() {
  if (deflate_) deflateEnd(&deflate_->stream);
}

SyncLineEncoder::SyncLineEncoder(SyncLineEncoder&& other) noexcept
    : format_(other.format_), deflate_(std::move(other.deflate_)) {}

SyncLineEncoder& SyncLineEncoder::operator=(SyncLineEncoder&& other) noexcept {
  if (this != &other) {
    if (deflate_) deflateEnd(&deflate_->stream);
    format_ = other.format_;
    deflate_ = std::move(other.deflate_);
  }
  return *this;
}

std::string SyncLineEncoder::compress(std::string_view bytes, int flush) {
  auto& z = deflate_->stream;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  z.avail_in = static_cast<uInt>(bytes.size());
  std::string out;
  char buffer[16384];
  do {
    z.next_out = reinterpret_cast<Bytef*>(buffer);
    z.avail_out = sizeof buffer;
    int rc = deflate(&z, flush);
    if (rc == Z_STREAM_ERROR) throw Error(ErrorCode::internal, "zlib: deflate failed");
    out.append(buffer, sizeof buffer - z.avail_out);
  } while (z.avail_out == 0);
  return out;
}

std::string SyncLineEncoder::encode(const nlohmann::ordered_json& line) {
  auto bytes = encode_sync_line(line, format_);
  if (!deflate_) return bytes;
  return compress(bytes, Z_SYNC_FLUSH);
}

std::string SyncLineEncoder::finish() {
  if (!deflate_) return {};
  return compress({}, Z_FINISH);
}

#else
struct SyncLineEncoder::Deflate {};

SyncLineEncoder::SyncLineEncoder(SyncLineFormat format, bool gzip) : format_(format) {
  if (gzip) throw Error(ErrorCode::internal, "this devserver was built without zlib: no gzip");
}
SyncLineEncoder::~SyncLineEncoder() = default;
SyncLineEncoder::SyncLineEncoder(SyncLineEncoder&& other) noexcept = default;
SyncLineEncoder& SyncLineEncoder::operator=(SyncLineEncoder&& other) noexcept = default;
std::string SyncLineEncoder::compress(std::string_view bytes, int) { return std::string(bytes); }
std::string SyncLineEncoder::encode(const nlohmann::ordered_json& line) { return encode_sync_line(line, format_); }
std::string SyncLineEncoder::finish() { return {}; }

#endif

}  // namespace powersync::devserver
