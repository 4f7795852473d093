#include "parameter_lookup.hpp"

#include <algorithm>

#include "backend.hpp"
#include "powersync/util/error.hpp"
#include "row_evaluator.hpp"

namespace powersync::devserver {
namespace {

void append_select(const Subquery& subquery, const std::vector<std::string>& columns, const ClientValueFn& client_value,
                   LookupStatement& out) {
  std::string select, not_null = "1";
  for (const auto& c : columns) {
    auto column = quote_identifier(c);
    select += (select.empty() ? "" : ", ") + column;
    not_null = (not_null == "1" ? "" : not_null + " AND ") + column + " IS NOT NULL";
  }
  if (select.empty()) select = "1";
  out.sql += "SELECT DISTINCT " + select + " FROM " + quote_identifier(subquery.table) + " WHERE " + not_null;
  for (const auto& p : subquery.parameters) {
    auto column = quote_identifier(p.column);
    switch (p.kind) {
      case ParameterKind::equals:
        if (p.source == ValueSource::bucket_parameter) throw_invalid_argument("bucket.* cannot be looked up");
        out.sql += " AND " + column + " = ?";
        out.arguments.push_back(scalar_parameter(client_value(p)));
        break;
      case ParameterKind::in_array:
        out.sql += " AND " + column + " IN (SELECT value FROM json_each(?))";
        out.arguments.push_back(nlohmann::json(array_parameters(client_value(p))).dump());
        break;
      case ParameterKind::in_subquery:
        out.sql += " AND " + column + " IN (";
        append_select(*p.subquery, {p.subquery->result_column}, client_value, out);
        out.sql += ")";
        break;
    }
  }
  for (const auto& f : subquery.filters) {
    out.sql += " AND " + quote_identifier(f.column) + " = ?";
    out.arguments.push_back(f.value);
  }
  for (const auto& c : subquery.request_conditions) {
    out.sql += " AND ?";
    out.arguments.push_back(c.value && !c.in_array ? scalar_parameter(client_value(*c.value)) : c.literal);
    if (c.subquery) {
      out.sql += " IN (";
      append_select(*c.subquery, {c.subquery->result_column}, client_value, out);
      out.sql += ")";
    } else if (c.in_array) {
      out.sql += " IN (SELECT value FROM json_each(?))";
      out.arguments.push_back(nlohmann::json(array_parameters(client_value(*c.value))).dump());
    } else {
      out.sql += " = ?";
      out.arguments.push_back(c.literal);
    }
  }
}

void bind_json(Statement& statement, int index, const nlohmann::json& value) {
  if (value.is_string()) statement.bind_text(index, value.get_ref<const std::string&>());
  else if (value.is_number_integer()) statement.bind_int64(index, value.get<std::int64_t>());
  else if (value.is_number()) statement.bind_double(index, value.get<double>());
  else statement.bind_null(index);  // a missing client value matches nothing
}

}  // namespace

nlohmann::json scalar_parameter(const nlohmann::json& value) {
  if (value.is_string() || value.is_number()) return value;
  if (value.is_boolean()) return value.get<bool>() ? 1 : 0;
  return nullptr;
}

std::vector<nlohmann::json> array_parameters(const nlohmann::json& value) {
  nlohmann::json array = value;
  if (value.is_string()) array = nlohmann::json::parse(value.get<std::string>(), nullptr, false);
  std::vector<nlohmann::json> out;
  if (!array.is_array()) return out;
  for (const auto& element : array) {
    auto scalar = scalar_parameter(element);
    if (!scalar.is_null() && std::find(out.begin(), out.end(), scalar) == out.end()) out.push_back(std::move(scalar));
  }
  return out;
}

bool request_condition_holds(const RequestCondition& condition, const ClientValueFn& client_value,
                             ParameterLookup* lookup) {
  if (condition.in_array) {
    auto elements = array_parameters(client_value(*condition.value));
    return std::find(elements.begin(), elements.end(), condition.literal) != elements.end();
  }
  auto left = condition.value ? scalar_parameter(client_value(*condition.value)) : condition.literal;
  if (left.is_null()) return false;
  if (!condition.subquery) return left == condition.literal;
  if (!lookup) throw_invalid_argument("a request condition needs the backend for its lookup");
  auto values = lookup->run(*condition.subquery, client_value);
  return std::find(values.begin(), values.end(), left) != values.end();
}

LookupStatement lookup_statement(const Subquery& subquery, const ClientValueFn& client_value) {
  return lookup_statement(subquery, {subquery.result_column}, client_value);
}

LookupStatement lookup_statement(const Subquery& subquery, const std::vector<std::string>& columns,
                                 const ClientValueFn& client_value) {
  LookupStatement out;
  append_select(subquery, columns, client_value, out);
  return out;
}

ParameterLookup::ParameterLookup(const std::filesystem::path& backend_path)
    : connection_(ConnectionOptions{.path = backend_path.string()}) {}

std::vector<nlohmann::json> ParameterLookup::run(const Subquery& subquery, const ClientValueFn& client_value) {
  std::vector<nlohmann::json> values;
  for (auto& row : rows(subquery, {subquery.result_column}, client_value)) values.push_back(std::move(row[0]));
  return values;
}

std::vector<std::vector<nlohmann::json>> ParameterLookup::rows(const Subquery& subquery,
                                                              const std::vector<std::string>& columns,
                                                              const ClientValueFn& client_value) {
  auto statement = lookup_statement(subquery, columns, client_value);
  auto& stmt = connection_.cached(statement.sql);
  for (std::size_t i = 0; i < statement.arguments.size(); ++i)
    bind_json(stmt, static_cast<int>(i + 1), statement.arguments[i]);
  std::vector<std::vector<nlohmann::json>> out;
  try {
    while (stmt.step()) {
      std::vector<nlohmann::json> row;
      for (std::size_t i = 0; i < columns.size(); ++i) {
        auto json = value_to_json(stmt.column_value(static_cast<int>(i)));
        if (json.is_null() || json.is_discarded()) break;  // blobs have no parameter form
        row.push_back(std::move(json));
      }
      if (row.size() == columns.size()) out.push_back(std::move(row));
    }
  } catch (...) {
    stmt.reset();
    throw;
  }
  stmt.reset();
  return out;
}

}  // namespace powersync::devserver
