#pragma once
// Evaluates the IN (subquery) lookups of stream queries (from subqueries, CTEs and JOINs)
// directly against the backend database when a request's buckets are resolved: each lookup
// becomes one parameterised SQL statement whose client values are bound, never spliced in.

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "powersync/storage/connection.hpp"
#include "stream_query.hpp"

namespace powersync::devserver {

// The raw client value a condition compares with (auth.user_id(), a claim, a parameter); null
// when the client did not provide it.
using ClientValueFn = std::function<nlohmann::json(const ParameterCondition&)>;

// A client value as a bucket parameter: strings and numbers as they are, booleans as 1/0,
// anything else null (no bucket).
nlohmann::json scalar_parameter(const nlohmann::json& value);

// The elements of a client value used with IN: a JSON array, or a string holding one (as
// auth.jwt() ->> 'claim' gives it). Elements without a scalar form are dropped.
std::vector<nlohmann::json> array_parameters(const nlohmann::json& value);

// The SQL text for `subquery` and the values to bind, in order.
struct LookupStatement {
  std::string sql;
  std::vector<nlohmann::json> arguments;
};
LookupStatement lookup_statement(const Subquery& subquery, const ClientValueFn& client_value);
// The same with other result columns (a legacy parameter query's outputs); none selects 1.
LookupStatement lookup_statement(const Subquery& subquery, const std::vector<std::string>& columns,
                                 const ClientValueFn& client_value);

class ParameterLookup {
 public:
  explicit ParameterLookup(const std::filesystem::path& backend_path);

  // The distinct non-null values of the subquery's result column, as bucket parameters.
  std::vector<nlohmann::json> run(const Subquery& subquery, const ClientValueFn& client_value);
  // The distinct rows of `columns` (rows with a null or blob among them left out).
  std::vector<std::vector<nlohmann::json>> rows(const Subquery& subquery, const std::vector<std::string>& columns,
                                               const ClientValueFn& client_value);

 private:
  Connection connection_;
};

// Whether a condition on the request alone holds; `lookup` runs its subquery, if it has one.
bool request_condition_holds(const RequestCondition& condition, const ClientValueFn& client_value,
                             ParameterLookup* lookup);

}  // namespace powersync::devserver
