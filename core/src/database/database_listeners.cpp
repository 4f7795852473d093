// Change listeners and watch queries over the ChangeNotifier.
//
// Listeners name tables the way the user does (view names, or internal/local table names);
// the notifier works with the internal names the update hook reports, and callbacks get
// the user's names back.
//
// Tables are resolved once, at registration. A schema update that switches a table between
// local-only and synced renames its data table (ps_data__x <-> ps_data_local__x), so
// listeners watch both names. TODO: a watch query over a view that a later schema update
// points at other tables keeps its old table set (the official SDKs re-resolve watched
// queries on schema changes).

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <thread>

#include "powersync/database.hpp"
#include "powersync/util/error.hpp"
#include "powersync/util/log.hpp"
#include "powersync/watch/change_notifier.hpp"

namespace powersync {
namespace {

bool same_identifier(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// The table holding a view's rows; names that are no view of the schema are used as given.
std::string internal_name_in(const Schema& schema, const std::string& name) {
  for (const Table& table : schema.tables)
    if (same_identifier(table.view_name(), name)) return table.internal_name();
  return name;
}

// The other name of a data table: local-only and synced tables differ only in the prefix.
std::optional<std::string> local_only_twin(std::string_view table) {
  static constexpr std::string_view kSynced = "ps_data__", kLocal = "ps_data_local__";
  if (table.starts_with(kLocal)) return std::string(kSynced) + std::string(table.substr(kLocal.size()));
  if (table.starts_with(kSynced)) return std::string(kLocal) + std::string(table.substr(kSynced.size()));
  return std::nullopt;
}

// Callbacks hold the database weakly. Should a callback end up holding its last reference,
// destroying it here would join the notifier thread from itself: hand it to another thread.
void release_off_notifier_thread(std::shared_ptr<Database> db) {
  if (db.use_count() == 1) std::thread([last = std::move(db)]() mutable { last.reset(); }).detach();
}

}  // namespace

std::set<std::string> Database::internal_names_for(const std::vector<std::string>& tables) {
  std::lock_guard lock(schema_mutex_);
  std::set<std::string> names;
  for (const auto& table : tables) names.insert(internal_name_in(schema_, table));
  return names;
}

Database::ListenerId Database::on_change(const std::vector<std::string>& tables, const WatchOptions& options,
                                         ChangeCallback callback) {
  if (is_closed()) throw_closed();
  if (tables.empty()) throw_invalid_argument("on_change needs at least one table");
  if (!callback) throw_invalid_argument("on_change needs a callback");
  std::multimap<std::string, std::string> user_names;  // internal name -> names as given
  {
    std::lock_guard lock(schema_mutex_);
    for (const auto& table : tables) {
      const std::string internal = internal_name_in(schema_, table);
      if (auto twin = local_only_twin(internal)) user_names.emplace(std::move(*twin), table);
      user_names.emplace(internal, table);
    }
  }
  std::set<std::string> watched;
  for (const auto& [internal, name] : user_names) watched.insert(internal);

  std::weak_ptr<Database> weak = weak_from_this();
  return notifier_->add(
      std::move(watched), options.throttle,
      [weak, user_names = std::move(user_names), callback = std::move(callback)](const std::set<std::string>& changed) {
        auto self = weak.lock();
        if (!self) return;
        std::vector<std::string> names;
        for (const auto& internal : changed) {
          auto [begin, end] = user_names.equal_range(internal);
          for (auto it = begin; it != end; ++it) names.push_back(it->second);
        }
        std::sort(names.begin(), names.end());
        names.erase(std::unique(names.begin(), names.end()), names.end());
        callback(names);
        release_off_notifier_thread(std::move(self));
      });
}

Database::ListenerId Database::watch(std::string sql, Params params, const WatchOptions& options,
                                     WatchCallback callback) {
  if (is_closed()) throw_closed();
  if (!callback) throw_invalid_argument("watch needs a callback");
  std::set<std::string> tables = resolve_tables(sql);  // also rejects invalid SQL right away
  for (const auto& table : std::set<std::string>(tables))
    if (auto twin = local_only_twin(table)) tables.insert(std::move(*twin));

  struct State {
    std::string sql;
    Params params;
    bool skip_identical;
    WatchCallback callback;
    std::optional<ResultSet> previous;  // only touched on the notifier thread
  };
  auto state = std::make_shared<State>(State{std::move(sql), std::move(params), options.skip_identical,
                                             std::move(callback), std::nullopt});
  std::weak_ptr<Database> weak = weak_from_this();
  return notifier_->add(
      std::move(tables), options.throttle,
      [weak, state](const std::set<std::string>&) {
        auto self = weak.lock();
        if (!self) return;
        std::optional<ResultSet> rows;
        std::optional<Error> error;
        try {
          rows = self->get_all(state->sql, state->params);
        } catch (const Error& e) {
          error = e;
        } catch (const std::exception& e) {
          error = Error(ErrorCode::internal, e.what());
        }
        if (rows) {
          const bool identical = state->skip_identical && state->previous && *state->previous == *rows;
          if (!identical) {
            if (state->skip_identical) state->previous = *rows;
            state->callback(&*rows, nullptr);
          }
        } else {
          state->previous.reset();  // the next result is news even if equal to the last one
          state->callback(nullptr, &*error);
        }
        release_off_notifier_thread(std::move(self));
      },
      /*fire_initially=*/true);
}

void Database::remove_listener(ListenerId id) {
  // After close the notifier has no listeners left: removing is then a no-op.
  if (notifier_) notifier_->remove(id);
}

}  // namespace powersync
