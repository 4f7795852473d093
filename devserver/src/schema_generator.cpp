#include "schema_generator.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "powersync/util/error.hpp"

namespace powersync::devserver {
namespace {

std::string affinity_type(std::string declared) {
  for (auto& c : declared) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto has = [&](const char* part) { return declared.find(part) != std::string::npos; };
  if (has("INT") || has("BOOL")) return "integer";
  if (has("CHAR") || has("CLOB") || has("TEXT")) return "text";
  if (has("REAL") || has("FLOA") || has("DOUB")) return "real";
  return "text";
}

std::string upper_first(std::string name) {
  if (!name.empty()) name[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[0])));
  return name;
}

std::string c_string_literal(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string render_typescript(const std::vector<ClientTable>& tables) {
  std::ostringstream out;
  out << "import { column, Schema, Table } from '@powersync/web';\n"
         "// OR: import { column, Schema, Table } from '@powersync/react-native';\n";
  for (const auto& table : tables) {
    out << "\nconst " << table.name << " = new Table(\n  {\n    // id column (text) is automatically included\n";
    for (std::size_t i = 0; i < table.columns.size(); ++i)
      out << "    " << table.columns[i].name << ": column." << table.columns[i].type
          << (i + 1 < table.columns.size() ? ",\n" : "\n");
    out << "  },\n  { indexes: {} }\n);\n";
  }
  out << "\nexport const AppSchema = new Schema({\n";
  for (std::size_t i = 0; i < tables.size(); ++i)
    out << "  " << tables[i].name << (i + 1 < tables.size() ? ",\n" : "\n");
  out << "});\n\nexport type Database = (typeof AppSchema)['types'];\n";
  return out.str();
}

std::string render_csharp(const std::vector<ClientTable>& tables) {
  std::ostringstream out;
  out << "using PowerSync.Common.DB.Schema;\n\nclass AppSchema\n{\n";
  for (std::size_t t = 0; t < tables.size(); ++t) {
    const auto& table = tables[t];
    out << (t > 0 ? "\n" : "") << "    public static Table " << upper_first(table.name) << " = new Table\n    {\n"
        << "        Name = \"" << table.name << "\",\n        Columns =\n        {\n";
    for (const auto& c : table.columns)
      out << "            [\"" << c.name << "\"] = ColumnType." << upper_first(c.type) << ",\n";
    out << "        },\n    };\n";
  }
  out << "\n    public static Schema PowerSyncSchema = new Schema(";
  for (std::size_t t = 0; t < tables.size(); ++t) out << (t > 0 ? ", " : "") << upper_first(tables[t].name);
  out << ");\n}\n";
  return out.str();
}

std::string render_python(const std::vector<ClientTable>& tables) {
  std::ostringstream out;
  out << "from powersync import Column, Schema, Table\n";
  for (const auto& table : tables) {
    out << "\n" << table.name << " = Table(\n    \"" << table.name << "\",\n    [\n";
    for (const auto& c : table.columns) out << "        Column." << c.type << "(\"" << c.name << "\"),\n";
    out << "    ],\n)\n";
  }
  out << "\nschema = Schema([";
  for (std::size_t t = 0; t < tables.size(); ++t) out << (t > 0 ? ", " : "") << tables[t].name;
  out << "])\n";
  return out.str();
}

// The JSON form powersync_schema_from_json() reads, as a C string constant.
std::string render_c(const std::vector<ClientTable>& tables) {
  std::ostringstream out;
  out << "/* For powersync_schema_from_json() (powersync.h). */\n"
         "static const char *kPowerSyncSchema =\n    \"{\\\"tables\\\":[\"\n";
  for (std::size_t t = 0; t < tables.size(); ++t) {
    nlohmann::ordered_json columns = nlohmann::ordered_json::array();
    for (const auto& c : tables[t].columns) columns.push_back({{"name", c.name}, {"type", c.type}});
    nlohmann::ordered_json table{{"name", tables[t].name}, {"columns", std::move(columns)}};
    out << "    " << c_string_literal(table.dump() + (t + 1 < tables.size() ? "," : "")) << "\n";
  }
  out << "    \"]}\";\n";
  return out.str();
}

}  // namespace

SchemaLanguage parse_schema_language(std::string_view name) {
  if (name == "python" || name == "py") return SchemaLanguage::python;
  if (name == "typescript" || name == "ts") return SchemaLanguage::typescript;
  if (name == "csharp" || name == "cs" || name == "dotnet") return SchemaLanguage::csharp;
  if (name == "c") return SchemaLanguage::c;
  throw_invalid_argument("unknown schema language '" + std::string(name) + "' (python, typescript, csharp or c)");
}

std::vector<ClientTable> client_tables(const DevserverConfig& config, Backend& backend) {
  std::vector<ClientTable> tables;
  auto table_named = [&](const std::string& name) -> ClientTable& {
    for (auto& t : tables)
      if (t.name == name) return t;
    return tables.emplace_back(ClientTable{name, {}});
  };
  auto add_column = [](ClientTable& table, const std::string& name, const std::string& type) {
    if (name == "id") return;  // every client table has its text id
    for (const auto& c : table.columns)
      if (c.name == name) return;
    table.columns.push_back({name, type});
  };
  for (const auto& stream : config.streams) {
    for (const auto& query : stream.queries) {
      std::map<std::string, std::string> types;
      auto declared = backend.table_column_types(query.source_table);
      if (declared.empty()) throw_invalid_argument("backend database has no table '" + query.source_table + "'");
      for (const auto& [name, type] : declared) types[name] = affinity_type(type);
      auto& table = table_named(query.output_table);
      if (query.select_all) {
        for (const auto& [name, type] : declared) add_column(table, name, types[name]);
      } else {
        for (const auto& column : query.columns) {
          auto it = types.find(column.source);
          if (it == types.end())
            throw_invalid_argument("stream '" + stream.name + "': backend table '" + query.source_table +
                                   "' has no column '" + column.source + "'");
          add_column(table, column.name, column.source == "id" ? "text" : it->second);
        }
      }
    }
  }
  return tables;
}

std::string render_schema(const std::vector<ClientTable>& tables, SchemaLanguage language) {
  switch (language) {
    case SchemaLanguage::python: return render_python(tables);
    case SchemaLanguage::typescript: return render_typescript(tables);
    case SchemaLanguage::csharp: return render_csharp(tables);
    case SchemaLanguage::c: return render_c(tables);
  }
  return {};
}

}  // namespace powersync::devserver
