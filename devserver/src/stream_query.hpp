#pragma once
// One edition-3 stream query, parsed from the small SQL subset this slice supports:
//   SELECT * | col [AS name], ... FROM table [AS name]
//   [WHERE cond AND cond ...]   where cond is  column = <value source>
// and a value source is auth.user_id(), auth.jwt() ->> 'claim', subscription.parameter('x'),
// connection.parameter('x'), or a string/number literal (a plain row filter).
// Anything else throws powersync::Error naming the stream and the construct.

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace powersync::devserver {

enum class ValueSource { auth_user_id, jwt_claim, subscription_parameter, connection_parameter };

// A condition whose right side comes from the client: it becomes a bucket parameter.
struct ParameterCondition {
  std::string column;
  ValueSource source;
  std::string key;  // claim or parameter name; empty for auth.user_id()
};

// A condition against a constant: rows not matching it are in no bucket of the query.
struct LiteralCondition {
  std::string column;
  nlohmann::json value;  // string or number
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
  bool uses_subscription_parameters() const;
};

StreamQuery parse_stream_query(std::string_view stream_name, std::string_view sql);

}  // namespace powersync::devserver
