#pragma once
// One edition-3 stream query, parsed from the SQL subset the devserver supports:
//   SELECT * | t.* | col [AS name], ... FROM table [AS alias]
//     [[INNER] JOIN table [AS alias] ON a.col = b.col [AND ...]] ...
//     [WHERE cond AND cond ...]
// where cond is one of
//   column = <client value> | <client value> = column     a bucket parameter
//   column IN <client value>                              one bucket per element of a JSON array
//   column IN (SELECT col FROM ... WHERE ...)             a parameter lookup (one bucket per result)
//   column IN cte_name | column IN (SELECT col FROM cte_name [WHERE ...])
//   column = 'literal' | number                           a plain row filter
//   <client value> IN (SELECT ...) | 'literal' IN (SELECT ...) | 'literal' IN <client value>
//   | <client value> = 'literal'                           a condition on the request alone
// and a client value is auth.user_id(), auth.jwt() ->> 'claim', subscription.parameter('x') or
// connection.parameter('x'). An INNER JOIN is the same lookup as the IN (subquery) it stands for.
// Anything else throws powersync::Error naming the stream and the construct.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace powersync::devserver {

enum class ValueSource {
  auth_user_id,            // auth.user_id(), request.user_id(), token_parameters.user_id
  jwt_claim,               // auth.jwt() ->> 'x', request.jwt() ->> 'x'
  subscription_parameter,  // subscription.parameter('x')
  connection_parameter,    // connection.parameter('x'), request.parameters() ->> 'x'
  token_parameter,         // token_parameters.x: the token's `parameters.x` claim (legacy)
  bucket_parameter,        // bucket.x in a legacy data query: the bucket parameter named x
};

enum class ParameterKind {
  equals,       // column = <client value>
  in_array,     // column IN <client value holding a JSON array>
  in_subquery,  // column IN (SELECT ...), evaluated against the backend at resolve time
};

struct Subquery;

// A condition whose right side comes from the client (directly or through a lookup): it becomes
// a bucket parameter whose value on the data side is the row's `column`.
struct ParameterCondition {
  std::string column;
  ValueSource source = ValueSource::auth_user_id;
  std::string key;  // claim or parameter name; empty for auth.user_id()
  ParameterKind kind = ParameterKind::equals;
  std::shared_ptr<const Subquery> subquery;  // for in_subquery
};

// A condition against a constant: rows not matching it are in no bucket of the query.
struct LiteralCondition {
  std::string column;
  nlohmann::json value;  // string or number
};

// A condition on the request alone, without a column of the row: `<client value> IN (subquery)`,
// `'literal' IN (subquery)`, `'literal' IN <client value holding a JSON array>`, or
// `<client value> = 'literal'`. Where it does not hold the query has no bucket; it adds no parameter.
struct RequestCondition {
  std::optional<ParameterCondition> value;   // the client value, when one side is one
  nlohmann::json literal;                    // the literal side; null for <client value> IN (subquery)
  std::shared_ptr<const Subquery> subquery;  // for IN (subquery)
  bool in_array = false;                     // 'literal' IN <client value>
};

// SELECT result_column FROM table WHERE <parameters, filters and request conditions, all ANDed>.
struct Subquery {
  std::string table;
  std::string result_column;
  std::vector<ParameterCondition> parameters;
  std::vector<LiteralCondition> filters;
  std::vector<RequestCondition> request_conditions;
};

struct OutputColumn {
  std::string source;  // column in the backend table
  std::string name;    // key in the synced row
};

struct StreamQuery {
  std::string source_table;
  std::string output_table;          // alias if given, else the source table
  bool select_all = false;
  std::vector<OutputColumn> columns;  // when !select_all
  std::vector<ParameterCondition> parameters;  // in bucket-parameter order
  std::vector<LiteralCondition> filters;
  std::vector<RequestCondition> request_conditions;
  bool uses_subscription_parameters() const;
  bool uses_lookups() const;  // any IN (subquery), at any depth
};

// Named subqueries from a `with:` block (global or per stream), visible to the queries after it.
using CommonTableExpressions = std::map<std::string, StreamQuery, std::less<>>;

StreamQuery parse_stream_query(std::string_view stream_name, std::string_view sql,
                               const CommonTableExpressions& ctes = {});

// A `with:` entry: SELECT col [AS name], ... FROM table [WHERE ...]; `name` is the CTE's name.
StreamQuery parse_common_table_expression(std::string_view stream_name, std::string_view name, std::string_view sql,
                                          const CommonTableExpressions& earlier = {});

// A legacy `bucket_definitions` parameter query. Without FROM each output is a client value and
// there is one row (if every check holds); with FROM each output is a column of the backend rows
// matching the lookup's conditions.
struct LegacyParameterQuery {
  std::vector<std::string> names;          // bucket parameter names, in output order
  std::vector<ParameterCondition> values;  // without FROM: each output's client value
  std::vector<std::pair<ParameterCondition, nlohmann::json>> checks;  // without FROM: value = literal
  std::shared_ptr<const Subquery> lookup;  // with FROM: the table and its conditions
  std::vector<std::string> columns;        // with FROM: each output's column
};

LegacyParameterQuery parse_legacy_parameter_query(std::string_view bucket, std::string_view sql);
// A legacy data query: like a stream query, its bucket parameters written `column = bucket.x`.
StreamQuery parse_legacy_data_query(std::string_view bucket, std::string_view sql);

// Every backend table a subquery of `query` reads, without duplicates.
void collect_lookup_tables(const StreamQuery& query, std::vector<std::string>& tables);

}  // namespace powersync::devserver
