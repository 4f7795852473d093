// libFuzzer: an arbitrary sync stream body, cut into arbitrary chunks, goes through the real
// line framer, the line parser and the DownloadSession into an in-memory database, the way the
// sync worker drives them. Whatever the server sends, the engine may only report an Error and
// reconnect; it must never crash, and never leave the writer inside a transaction.
//
// Input: byte 0 picks the format (bit 0: 0 NDJSON, 1 BSON) and the chunk size (bits 1-7);
// the rest is the body. In NDJSON mode a line starting with '#' is an app event instead of
// a server line: "#w" a local write, "#u<n>" an upload completing with write checkpoint n,
// "#r" a reconnect, "#c" disconnect_and_clear.
#include <sqlite3.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "powersync/crud/crud.hpp"
#include "powersync/protocol/sync_line.hpp"
#include "powersync/schema/schema.hpp"
#include "powersync/schema/schema_apply.hpp"
#include "powersync/storage/internal_schema.hpp"
#include "powersync/storage/sql_functions.hpp"
#include "powersync/sync/bucket_storage.hpp"
#include "powersync/sync/download_session.hpp"
#include "powersync/transport/line_framer.hpp"
#include "powersync/util/error.hpp"

namespace {

using namespace powersync;

constexpr const char* kSchema =
    R"({"tables":[{"name":"lists","columns":[{"name":"name","type":"text"},{"name":"owner_id","type":"text"}]},)"
    R"({"name":"todos","columns":[{"name":"list_id","type":"text"},{"name":"done","type":"integer"}]}]})";
// Small, so oversized lines are reached; real lines are far below the real limit anyway.
constexpr std::size_t kMaxLineSize = 1 << 16;

[[noreturn]] void invariant_broken(const char* what) {
  std::fprintf(stderr, "invariant broken: %s\n", what);
  std::abort();
}

// Creating the schema costs far more than a typical input, so it is built once and every
// input starts from a copy of it (SQLite's online backup).
const Connection& template_database() {
  static const Connection* db = [] {
    auto* c = new Connection(ConnectionOptions{});
    register_sql_functions(*c);
    (void)ensure_internal_schema(*c);
    apply_schema(*c, parse_schema_json(kSchema));
    return c;
  }();
  return *db;
}

class Client {
 public:
  Client() : db_(ConnectionOptions{}) {
    sqlite3_backup* copy = sqlite3_backup_init(db_.handle(), "main", template_database().handle(), "main");
    if (copy == nullptr || sqlite3_backup_step(copy, -1) != SQLITE_DONE || sqlite3_backup_finish(copy) != SQLITE_OK) {
      invariant_broken("could not copy the template database");
    }
    register_sql_functions(db_);
    client_id_ = ensure_internal_schema(db_);
    connect();
  }

  void feed_body(transport::StreamFormat format, std::string_view body, std::size_t chunk_size) {
    format_ = format;
    framer_ = transport::make_line_framer(format, kMaxLineSize);
    for (std::size_t at = 0; at < body.size(); at += chunk_size) {
      const std::string chunk(body.substr(at, chunk_size));  // exact-size copy for ASan
      try {
        framer_->feed(chunk, [this](std::string_view line) { on_line(line); });
      } catch (const Error&) {
        reconnect();  // the worker reports the error and opens a new stream
      }
      check_no_open_transaction();
    }
    try {
      framer_->end_of_stream();
    } catch (const Error&) {
    }
    session_->stream_ended();
  }

 private:
  void connect() {
    session_ = std::make_unique<sync::DownloadSession>(sync::SessionOptions{client_id_});
    (void)session_->start(db_);
    session_->connection_established();
  }
  void reconnect() {
    session_->stream_ended();
    (void)session_->start(db_);
    session_->connection_established();
    framer_ = transport::make_line_framer(format_, kMaxLineSize);
  }

  void on_line(std::string_view line) {
    if (format_ == transport::StreamFormat::ndjson && !line.empty() && line.front() == '#') {
      app_event(line.substr(1));
      return;
    }
    const protocol::SyncLine parsed =
        format_ == transport::StreamFormat::bson
            ? protocol::parse_bson_line(reinterpret_cast<const std::uint8_t*>(line.data()), line.size())
            : protocol::parse_json_line(line);
    const sync::Instructions out = session_->handle_line(db_, parsed, line.size());
    check_no_open_transaction();
    if (out.close_stream) throw Error(ErrorCode::network, "stream closed by the session");
  }

  void app_event(std::string_view event) {
    if (event.empty()) return;
    switch (event.front()) {
      case 'w':
        db_.exec("INSERT INTO lists(id, name) VALUES (uuid(), 'local')");
        break;
      case 'u': {
        const auto batch = read_crud_batch(db_, 100);
        if (!batch.entries.empty()) complete_crud(db_, batch.last_client_id(), std::string(event.substr(1)));
        (void)session_->upload_completed(db_);
        break;
      }
      case 'r':
        throw Error(ErrorCode::network, "reconnect");
      case 'c':
        session_->stream_ended();
        sync::clear_replica(db_, false);
        connect();
        break;
      default:
        break;
    }
  }

  void check_no_open_transaction() const {
    if (db_.in_transaction()) invariant_broken("a sync call left the writer inside a transaction");
  }

  Connection db_;
  std::string client_id_;
  std::unique_ptr<sync::DownloadSession> session_;
  std::unique_ptr<transport::LineFramer> framer_;
  transport::StreamFormat format_ = transport::StreamFormat::ndjson;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const auto format = (data[0] & 1) ? transport::StreamFormat::bson : transport::StreamFormat::ndjson;
  // 0 means the whole body at once; otherwise chunks of 1..127 bytes.
  const std::size_t chunk_size = (data[0] >> 1) == 0 ? size : (data[0] >> 1);
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  Client client;
  client.feed_body(format, body, chunk_size);
  return 0;
}
