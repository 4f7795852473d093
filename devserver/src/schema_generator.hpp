#pragma once
// `powersync-devserver schema --lang ...`: the client schema the sync config produces, as
// `powersync generate schema` derives it — one table per output table of the stream queries,
// the synced columns (all but id) typed from the backend's declared column types (SQLite
// affinity: INT → integer, REAL/FLOA/DOUB → real, everything else text).

#include <string>
#include <string_view>
#include <vector>

#include "backend.hpp"
#include "config.hpp"

namespace powersync::devserver {

enum class SchemaLanguage { python, typescript, csharp, c };

// Throws powersync::Error(invalid_argument) for an unknown language.
SchemaLanguage parse_schema_language(std::string_view name);

struct ClientColumn {
  std::string name;
  std::string type;  // text, integer or real
};

struct ClientTable {
  std::string name;
  std::vector<ClientColumn> columns;
};

// Output tables in the order the streams first name them; a table several queries fill gets the
// union of their columns.
std::vector<ClientTable> client_tables(const DevserverConfig& config, Backend& backend);

std::string render_schema(const std::vector<ClientTable>& tables, SchemaLanguage language);

}  // namespace powersync::devserver
