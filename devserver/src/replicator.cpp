#include "replicator.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "checksum.hpp"
#include "row_evaluator.hpp"

namespace powersync::devserver {
namespace {
constexpr int kChangesPerPoll = 10000;
}

std::string config_fingerprint(const DevserverConfig& config) {
  return std::to_string(put_checksum("sync_config", config.backend_path.string(), config.sync_config_text));
}

Replicator::Replicator(const DevserverConfig& config, ChangeNotifier& notifier)
    : config_(config),
      notifier_(notifier),
      backend_(config.backend_path),
      storage_(config.storage_path),
      data_tables_(source_tables(config.streams)) {}

Replicator::~Replicator() { stop(); }

void Replicator::initialize() {
  // Lookup tables are captured too: their changes re-resolve the streams reading them.
  auto captured = data_tables_;
  for (const auto& s : config_.streams) s.collect_lookup_tables(captured);
  backend_.prepare(config_.demo_schema, captured);
  auto fingerprint = config_fingerprint(config_);
  if (storage_.fingerprint() != fingerprint) {
    TransactionGuard read(backend_.connection(), TransactionGuard::Kind::deferred);
    TransactionGuard tx(storage_.connection());
    storage_.reset_for_fingerprint(fingerprint);
    sync_version_ = storage_.sync_version();
    // Rows changed after this point are in the change log past `seq`, so nothing is missed.
    auto seq = backend_.last_change_seq();
    for (const auto& table : source_tables(config_.streams))
      for (const auto& id : backend_.all_ids(table)) replicate_row(table, id);
    storage_.set_processed_change_seq(seq);
    tx.commit();
    read.commit();
  }
  sync_version_ = storage_.sync_version();
  poll_once();
}

void Replicator::replicate_row(const std::string& table, const Value& id) {
  auto id_text = value_to_id_text(id);
  auto previous = storage_.placements(table, id_text);
  std::vector<EvaluatedRow> current;
  if (auto row = backend_.read_row(table, id)) current = evaluate_row(config_.streams, sync_version_, table, *row);

  std::map<std::string, const RowPlacement*> before;
  for (const auto& p : previous) before[p.bucket] = &p;
  std::vector<RowPlacement> after;
  for (const auto& row : current) {
    auto it = before.find(row.placement.bucket);
    bool unchanged = it != before.end() && it->second->data_checksum == row.placement.data_checksum &&
                     it->second->object_type == row.placement.object_type;
    if (!unchanged) {
      OplogEntry op;
      op.op = "PUT";
      op.object_type = row.placement.object_type;
      op.object_id = row.placement.object_id;
      op.subkey = row_subkey(table, id_text);
      op.data = row.data;
      op.checksum = row.placement.data_checksum;
      storage_.append_op(row.placement.bucket, op);
    }
    if (it != before.end()) before.erase(it);
    after.push_back(row.placement);
  }
  for (const auto& [bucket, placement] : before) {
    OplogEntry op;
    op.op = "REMOVE";
    op.object_type = placement->object_type;
    op.object_id = placement->object_id;
    op.subkey = row_subkey(table, id_text);
    op.checksum = remove_checksum(op.subkey);
    storage_.append_op(bucket, op);
  }
  storage_.set_placements(table, id_text, after);
}

int Replicator::poll_once() {
  if (backend_.last_change_seq() <= storage_.processed_change_seq()) return 0;  // cheap idle check
  std::vector<ChangeRecord> changes;
  std::vector<std::string> changed_tables;
  {
    // The storage write lock first: the processed position cannot move under us.
    TransactionGuard tx(storage_.connection());
    auto processed = storage_.processed_change_seq();
    TransactionGuard read(backend_.connection(), TransactionGuard::Kind::deferred);
    changes = backend_.changes_after(processed, kChangesPerPoll);
    if (changes.empty()) return 0;
    std::set<std::pair<std::string, std::string>> seen;
    for (const auto& change : changes) {
      if (std::find(changed_tables.begin(), changed_tables.end(), change.table) == changed_tables.end())
        changed_tables.push_back(change.table);
      if (std::find(data_tables_.begin(), data_tables_.end(), change.table) == data_tables_.end()) continue;
      if (!seen.insert({change.table, value_to_id_text(change.row_id)}).second) continue;
      replicate_row(change.table, change.row_id);
    }
    storage_.set_processed_change_seq(changes.back().seq);
    read.commit();
    tx.commit();
  }
  backend_.forget_changes_through(changes.back().seq);
  // Also wakes streams waiting for a write checkpoint, even when no op was appended.
  notifier_.notify(changed_tables);
  return static_cast<int>(changes.size());
}

void Replicator::start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      cv_.wait_for(lock, std::chrono::milliseconds(config_.poll_interval_ms), [&] { return poked_ || stopping_; });
      if (stopping_) break;
      poked_ = false;
      lock.unlock();
      try {
        while (poll_once() == kChangesPerPoll) {
        }
      } catch (const std::exception&) {
        // A busy backend or a failed read is retried on the next poll.
      }
      lock.lock();
    }
  });
}

void Replicator::poke() {
  std::lock_guard lock(mutex_);
  poked_ = true;
  cv_.notify_all();
}

void Replicator::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

}  // namespace powersync::devserver
