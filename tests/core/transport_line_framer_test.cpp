#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "powersync/transport/line_framer.hpp"
#include "powersync/util/error.hpp"

namespace powersync::transport {
namespace {

std::string bson_document(const std::string& payload) {
  // Not a meaningful document: the framer only looks at the length prefix.
  const std::uint32_t size = static_cast<std::uint32_t>(payload.size() + 5);
  std::string out;
  for (int i = 0; i < 4; ++i) out += static_cast<char>((size >> (8 * i)) & 0xFF);
  out += payload;
  out += '\0';
  return out;
}

std::vector<std::string> frame(LineFramer& framer, const std::vector<std::string_view>& chunks) {
  std::vector<std::string> lines;
  for (const auto chunk : chunks) framer.feed(chunk, [&](std::string_view line) { lines.emplace_back(line); });
  framer.end_of_stream();
  return lines;
}

void expect_network_error(const std::function<void()>& action, std::string_view fragment) {
  try {
    action();
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::network);
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(NdjsonFramer, SplitsAtEveryPositionIntoTheSameLines) {
  const std::string body = "{\"a\":1}\n\n{\"token_expires_in\":30}\r\n{\"b\":\"x\\ny\"}\n";
  const std::vector<std::string> expected = {"{\"a\":1}", "{\"token_expires_in\":30}", "{\"b\":\"x\\ny\"}"};
  for (std::size_t i = 0; i <= body.size(); ++i) {
    for (std::size_t j = i; j <= body.size(); ++j) {
      auto framer = make_ndjson_framer();
      const std::string_view all(body);
      EXPECT_EQ(frame(*framer, {all.substr(0, i), all.substr(i, j - i), all.substr(j)}), expected) << i << "," << j;
    }
  }
}

TEST(NdjsonFramer, ByteByByte) {
  const std::string body = "{\"a\":1}\n{\"b\":2}\n";
  auto framer = make_ndjson_framer();
  std::vector<std::string> lines;
  for (const char c : body) framer->feed(std::string_view(&c, 1), [&](std::string_view l) { lines.emplace_back(l); });
  framer->end_of_stream();
  EXPECT_EQ(lines, (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"}));
}

TEST(NdjsonFramer, TornFinalLineIsAnErrorAtEndOfStream) {
  auto framer = make_ndjson_framer();
  std::vector<std::string> lines;
  framer->feed("{\"a\":1}\n{\"checkpoint\":{\"last_", [&](std::string_view l) { lines.emplace_back(l); });
  EXPECT_EQ(lines, std::vector<std::string>{"{\"a\":1}"});
  EXPECT_EQ(framer->buffered(), 21u);
  expect_network_error([&] { framer->end_of_stream(); }, "stream ended mid-line");
}

TEST(NdjsonFramer, TrailingBlankSpaceIsNotALine) {
  auto framer = make_ndjson_framer();
  EXPECT_EQ(frame(*framer, {"{}\n", "\r\n", "  "}), std::vector<std::string>{"{}"});
}

TEST(NdjsonFramer, OversizedLinesFailWhetherTornOrWhole) {
  // Within one chunk.
  expect_network_error([] { frame(*make_ndjson_framer(8), {"123456789\n"}); }, "sync line exceeds 8 bytes");
  // Buffered across chunks, before its newline arrives: memory stays bounded.
  expect_network_error([] { frame(*make_ndjson_framer(8), {"12345", "6789"}); }, "sync line exceeds 8 bytes");
  // Completed by the chunk with the newline.
  expect_network_error([] { frame(*make_ndjson_framer(8), {"12345", "6789\n"}); }, "sync line exceeds 8 bytes");
  // Exactly at the limit is fine.
  EXPECT_EQ(frame(*make_ndjson_framer(8), {"1234", "5678\n"}), std::vector<std::string>{"12345678"});
  EXPECT_EQ(kDefaultMaxLineSize, std::size_t{64} << 20);
}

TEST(NdjsonFramer, SinkExceptionsPropagate) {
  auto framer = make_ndjson_framer();
  int calls = 0;
  EXPECT_THROW(framer->feed("a\nb\n", [&](std::string_view) {
    ++calls;
    throw std::runtime_error("stop");
  }),
               std::runtime_error);
  EXPECT_EQ(calls, 1);
}

TEST(BsonFramer, SplitsAtEveryPositionIntoTheSameDocuments) {
  const std::vector<std::string> docs = {bson_document("first"), bson_document(""), bson_document(std::string(300, 'x')),
                                         bson_document("last")};
  std::string body;
  for (const auto& d : docs) body += d;
  for (std::size_t i = 0; i <= body.size(); ++i) {
    for (std::size_t j = i; j <= body.size(); j += (j < 20 || j > body.size() - 20) ? 1 : 7) {
      auto framer = make_bson_framer();
      const std::string_view all(body);
      EXPECT_EQ(frame(*framer, {all.substr(0, i), all.substr(i, j - i), all.substr(j)}), docs) << i << "," << j;
    }
  }
}

TEST(BsonFramer, ByteByByte) {
  const std::string body = bson_document("abc") + bson_document("defgh");
  auto framer = make_bson_framer();
  std::vector<std::string> docs;
  for (const char c : body) framer->feed(std::string_view(&c, 1), [&](std::string_view d) { docs.emplace_back(d); });
  framer->end_of_stream();
  EXPECT_EQ(docs, (std::vector<std::string>{bson_document("abc"), bson_document("defgh")}));
}

TEST(BsonFramer, TornDocumentIsAnErrorAtEndOfStream) {
  const std::string doc = bson_document("payload");
  for (std::size_t cut = 1; cut < doc.size(); ++cut) {
    auto framer = make_bson_framer();
    framer->feed(std::string_view(doc).substr(0, cut), [](std::string_view) { FAIL() << "a torn document was emitted"; });
    expect_network_error([&] { framer->end_of_stream(); }, "stream ended mid-line");
  }
}

TEST(BsonFramer, InvalidAndOversizedLengthsAreRejected) {
  for (const std::int32_t bad : {0, 4, -1, -5}) {
    std::string prefix;
    for (int i = 0; i < 4; ++i) prefix += static_cast<char>((static_cast<std::uint32_t>(bad) >> (8 * i)) & 0xFF);
    expect_network_error([&] { frame(*make_bson_framer(), {prefix, std::string(8, '\0')}); }, "below the minimum of 5");
  }
  // The size is checked as soon as the prefix is known, before the body is buffered.
  expect_network_error([] { make_bson_framer(16)->feed(bson_document(std::string(12, 'x')).substr(0, 4), [](auto) {}); },
                       "sync line exceeds 16 bytes");
  EXPECT_EQ(frame(*make_bson_framer(16), {bson_document(std::string(11, 'x'))}).size(), 1u);
}

TEST(StreamFormat, ChosenByContentType) {
  EXPECT_EQ(stream_format_for_content_type("application/vnd.powersync.bson-stream"), StreamFormat::bson);
  EXPECT_EQ(stream_format_for_content_type("Application/VND.PowerSync.BSON-Stream; charset=binary"), StreamFormat::bson);
  EXPECT_EQ(stream_format_for_content_type("application/x-ndjson"), StreamFormat::ndjson);
  EXPECT_EQ(stream_format_for_content_type("application/json"), StreamFormat::ndjson);
  EXPECT_EQ(stream_format_for_content_type(""), StreamFormat::ndjson);
  EXPECT_EQ(stream_format_for_content_type("application/vnd.powersync.bson-streamx"), StreamFormat::ndjson);
  EXPECT_EQ(make_line_framer(StreamFormat::bson)->buffered(), 0u);
}

}  // namespace
}  // namespace powersync::transport
