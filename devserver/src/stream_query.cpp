#include "stream_query.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>

#include "powersync/util/error.hpp"

namespace powersync::devserver {
namespace {

enum class TokenKind { identifier, keyword_or_ident, string, number, symbol, end };

struct Token {
  TokenKind kind;
  std::string text;  // identifiers keep their spelling; strings are unquoted
  bool quoted = false;
};

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

class Parser {
 public:
  // `label` names the query in errors ("stream 'x'"); `legacy` selects bucket_definitions syntax
  // (request.*, token_parameters.*, bucket.*) instead of the streams' (auth.*, subscription.*, ...).
  Parser(std::string label, std::string_view sql, const CommonTableExpressions& ctes, bool legacy = false)
      : label_(std::move(label)), sql_(sql), ctes_(ctes), legacy_(legacy) {
    tokenize();
  }

  StreamQuery parse_query();
  StreamQuery parse_cte();
  LegacyParameterQuery parse_legacy() { return parse_legacy_parameters(); }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw_invalid_argument(label_ + ": " + what + " (query: " + std::string(sql_) + ")");
  }
  [[noreturn]] void unsupported(const std::string& construct) const {
    fail("unsupported construct '" + construct + "'");
  }

  static bool is_reserved(const Token& t) {
    if (t.quoted) return false;
    static const char* words[] = {"where", "join", "inner", "left", "right", "full", "cross", "on", "group",
                                  "order", "limit", "union", "and", "or", "as", "natural", "having", "in",
                                  "select", "from", "not", "is"};
    std::string l = lower(t.text);
    return std::any_of(std::begin(words), std::end(words), [&](const char* w) { return l == w; });
  }

  void tokenize() {
    std::size_t i = 0;
    while (i < sql_.size()) {
      char c = sql_[i];
      if (std::isspace(static_cast<unsigned char>(c))) {
        ++i;
      } else if (c == '-' && i + 1 < sql_.size() && sql_[i + 1] == '-') {
        while (i < sql_.size() && sql_[i] != '\n') ++i;
      } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
        std::size_t start = i;
        while (i < sql_.size() && (std::isalnum(static_cast<unsigned char>(sql_[i])) || sql_[i] == '_')) ++i;
        tokens_.push_back({TokenKind::identifier, std::string(sql_.substr(start, i - start))});
      } else if (c == '"') {
        std::string text;
        ++i;
        while (true) {
          if (i >= sql_.size()) fail("unterminated quoted identifier");
          if (sql_[i] == '"') {
            if (i + 1 < sql_.size() && sql_[i + 1] == '"') {
              text += '"';
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          text += sql_[i++];
        }
        tokens_.push_back({TokenKind::identifier, text, true});
      } else if (c == '\'') {
        std::string text;
        ++i;
        while (true) {
          if (i >= sql_.size()) fail("unterminated string literal");
          if (sql_[i] == '\'') {
            if (i + 1 < sql_.size() && sql_[i + 1] == '\'') {
              text += '\'';
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          text += sql_[i++];
        }
        tokens_.push_back({TokenKind::string, text});
      } else if (std::isdigit(static_cast<unsigned char>(c))) {
        std::size_t start = i;
        while (i < sql_.size() && (std::isdigit(static_cast<unsigned char>(sql_[i])) || sql_[i] == '.')) ++i;
        tokens_.push_back({TokenKind::number, std::string(sql_.substr(start, i - start))});
      } else if (sql_.substr(i, 3) == "->>") {
        tokens_.push_back({TokenKind::symbol, "->>"});
        i += 3;
      } else if (sql_.substr(i, 2) == "->" || sql_.substr(i, 2) == "!=" || sql_.substr(i, 2) == "<>" ||
                 sql_.substr(i, 2) == "<=" || sql_.substr(i, 2) == ">=" || sql_.substr(i, 2) == "||") {
        tokens_.push_back({TokenKind::symbol, std::string(sql_.substr(i, 2))});
        i += 2;
      } else {
        tokens_.push_back({TokenKind::symbol, std::string(1, c)});
        ++i;
      }
    }
    tokens_.push_back({TokenKind::end, ""});
  }

  const Token& peek(std::size_t ahead = 0) const { return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)]; }
  Token next() {
    Token t = peek();
    if (pos_ < tokens_.size() - 1) ++pos_;
    return t;
  }
  bool peek_keyword(const char* word) const {
    return peek().kind == TokenKind::identifier && !peek().quoted && lower(peek().text) == word;
  }
  bool peek_symbol(const char* s) const { return peek().kind == TokenKind::symbol && peek().text == s; }
  static std::string describe(const Token& t) {
    if (t.kind == TokenKind::end) return "end of query";
    if (t.kind == TokenKind::string) return "'" + t.text + "'";
    return t.text;
  }
  void expect_keyword(const char* word) {
    if (!peek_keyword(word)) {
      if (peek().kind == TokenKind::end) fail(std::string("expected ") + word + " but the query ended");
      if (lower(peek().text) == "with") unsupported("WITH (common table expression)");
      unsupported(describe(peek()));
    }
    next();
  }
  void expect_symbol(const char* s) {
    if (!peek_symbol(s)) fail(std::string("expected '") + s + "' but found '" + describe(peek()) + "'");
    next();
  }
  std::string expect_identifier(const char* what) {
    if (peek_symbol("(")) unsupported("subquery");
    if (peek().kind != TokenKind::identifier || is_reserved(peek())) fail(std::string("expected ") + what);
    return next().text;
  }

  struct TableRef {
    std::string table;
    std::string alias;  // the name qualifiers use; the table's name when none is given
  };
  struct ColumnRef {
    std::string qualifier;  // empty when unqualified
    std::string column;
  };
  struct SelectedColumn {
    ColumnRef ref;
    std::string name;
  };
  struct Edge {  // a.x = b.y between two tables of the FROM clause
    ColumnRef left;
    ColumnRef right;
  };
  template <class Condition>
  struct Qualified {
    std::string qualifier;
    Condition condition;
  };
  // One SELECT as written, before its tables are turned into nested lookups.
  struct SelectForm {
    std::vector<TableRef> tables;
    bool select_all = false;
    std::string select_all_qualifier;
    std::vector<SelectedColumn> columns;
    std::vector<Edge> edges;
    std::vector<Qualified<ParameterCondition>> parameters;
    std::vector<Qualified<LiteralCondition>> filters;
    std::vector<RequestCondition> request_conditions;  // belong to the query's own table
  };

  void finish() {
    if (peek_symbol(";")) next();
    if (peek().kind != TokenKind::end) unsupported(describe(peek()));
  }

  void reject_clauses() {
    for (const char* w : {"group", "order", "limit", "union", "having"})
      if (peek_keyword(w)) unsupported(lower(peek().text));
  }

  SelectForm parse_select() {
    SelectForm form;
    expect_keyword("select");
    parse_select_list(form);
    expect_keyword("from");
    form.tables.push_back(parse_table_ref());
    while (true) {
      if (peek_symbol(",")) unsupported("comma join (write INNER JOIN ... ON)");
      for (const char* w : {"left", "right", "full", "cross", "natural", "outer"})
        if (peek_keyword(w)) unsupported(lower(peek().text) + " JOIN");
      if (peek_keyword("inner")) {
        next();
        if (!peek_keyword("join")) unsupported("INNER without JOIN");
      }
      if (!peek_keyword("join")) break;
      next();
      form.tables.push_back(parse_table_ref());
      expect_keyword("on");
      parse_conditions(form);
    }
    reject_clauses();
    if (peek_keyword("where")) {
      next();
      parse_conditions(form);
    }
    reject_clauses();
    return form;
  }

  TableRef parse_table_ref() {
    if (peek_symbol("(")) unsupported("subquery in FROM");
    TableRef ref;
    ref.table = expect_identifier("a table name");
    if (peek_symbol("(")) unsupported("table-valued function " + ref.table + "()");
    ref.alias = ref.table;
    if (peek_keyword("as")) {
      next();
      ref.alias = expect_identifier("a table alias after AS");
    } else if (peek().kind == TokenKind::identifier && !is_reserved(peek())) {
      ref.alias = next().text;
    }
    return ref;
  }

  void parse_select_list(SelectForm& form) {
    if (peek_keyword("distinct")) unsupported("DISTINCT");
    if (peek_symbol("*")) {
      next();
      form.select_all = true;
      if (peek_symbol(",")) unsupported("* combined with other columns");
      return;
    }
    if (peek().kind == TokenKind::identifier && peek(1).kind == TokenKind::symbol && peek(1).text == "." &&
        peek(2).kind == TokenKind::symbol && peek(2).text == "*") {
      form.select_all_qualifier = next().text;
      next();
      next();
      form.select_all = true;
      if (peek_symbol(",")) unsupported("table.* combined with other columns");
      return;
    }
    while (true) {
      SelectedColumn selected;
      selected.ref.column = expect_identifier("a column name in the SELECT list");
      if (peek_symbol(".")) {
        next();
        if (peek_symbol("*")) unsupported("table.* combined with other columns");
        selected.ref.qualifier = selected.ref.column;
        selected.ref.column = expect_identifier("a column name after '.'");
      }
      if (peek_symbol("(")) unsupported("function call " + selected.ref.column + "()");
      if (peek().kind == TokenKind::symbol && !peek_symbol(",") && peek().text != ";")
        unsupported("expression with '" + peek().text + "' in the SELECT list");
      selected.name = selected.ref.column;
      if (peek_keyword("as")) {
        next();
        selected.name = expect_identifier("an output name after AS");
      }
      form.columns.push_back(std::move(selected));
      if (!peek_symbol(",")) break;
      next();
    }
  }

  // column, or table.column
  std::optional<ColumnRef> try_column() {
    if (peek().kind != TokenKind::identifier || is_reserved(peek())) return std::nullopt;
    std::string first = lower(peek().text);
    if (!peek().quoted && (first == "auth" || first == "subscription" || first == "connection" || first == "request" ||
                           first == "token_parameters" || first == "bucket"))
      return std::nullopt;
    if (peek(1).kind == TokenKind::symbol && peek(1).text == "(") return std::nullopt;
    ColumnRef ref;
    ref.column = next().text;
    if (peek_symbol(".")) {
      next();
      ref.qualifier = ref.column;
      ref.column = expect_identifier("a column name after '.'");
    }
    return ref;
  }

  // A client-side value; fills `condition` or returns false if the tokens are not one.
  bool try_value_source(ParameterCondition& condition) {
    if (peek().kind != TokenKind::identifier || peek().quoted) return false;
    std::string head = lower(peek().text);
    if (legacy_) return try_legacy_value_source(head, condition);
    if (head == "request" || head == "token_parameters" || head == "bucket")
      unsupported(head + ".* (legacy parameter syntax)");
    if (head != "auth" && head != "subscription" && head != "connection") return false;
    next();
    expect_symbol(".");
    std::string fn = lower(expect_identifier("a function name"));
    expect_symbol("(");
    if (head == "auth" && fn == "user_id") {
      expect_symbol(")");
      condition.source = ValueSource::auth_user_id;
      return true;
    }
    if (head == "auth" && fn == "jwt") {
      expect_symbol(")");
      if (!peek_symbol("->>")) unsupported("auth.jwt() without ->> 'claim'");
      next();
      if (peek().kind != TokenKind::string) fail("expected a claim name string after ->>");
      condition.source = ValueSource::jwt_claim;
      condition.key = next().text;
      return true;
    }
    if ((head == "subscription" || head == "connection") && fn == "parameter") {
      if (peek().kind != TokenKind::string) fail("expected a parameter name string in " + head + ".parameter()");
      condition.key = next().text;
      expect_symbol(")");
      condition.source = head == "subscription" ? ValueSource::subscription_parameter : ValueSource::connection_parameter;
      if (peek_symbol("->>") || peek_symbol("->")) unsupported(head + ".parameter() with " + peek().text);
      return true;
    }
    unsupported(head + "." + fn + "()");
  }

  // request.user_id(), request.jwt() ->> 'x', request.parameters() ->> 'x', token_parameters.x, bucket.x
  bool try_legacy_value_source(const std::string& head, ParameterCondition& condition) {
    if (head == "auth" || head == "subscription" || head == "connection")
      unsupported(head + ".* (sync streams syntax; bucket_definitions use request.*, token_parameters.*, bucket.*)");
    if (head == "token_parameters" || head == "bucket") {
      next();
      expect_symbol(".");
      condition.key = expect_identifier("a name after '.'");
      if (head == "bucket") condition.source = ValueSource::bucket_parameter;
      else if (condition.key == "user_id") condition.source = ValueSource::auth_user_id;
      else condition.source = ValueSource::token_parameter;
      return true;
    }
    if (head != "request") return false;
    next();
    expect_symbol(".");
    std::string fn = lower(expect_identifier("a function name"));
    expect_symbol("(");
    expect_symbol(")");
    if (fn == "user_id") {
      condition.source = ValueSource::auth_user_id;
      return true;
    }
    if (fn != "jwt" && fn != "parameters") unsupported("request." + fn + "()");
    if (!peek_symbol("->>")) unsupported("request." + fn + "() without ->> 'name'");
    next();
    if (peek().kind != TokenKind::string) fail("expected a name string after ->>");
    condition.key = next().text;
    condition.source = fn == "jwt" ? ValueSource::jwt_claim : ValueSource::connection_parameter;
    return true;
  }

  // A bucket_definitions parameter query: SELECT <client value> AS name, ... [WHERE value = literal ...]
  // or SELECT col [AS name], ... FROM table [WHERE conditions].
  LegacyParameterQuery parse_legacy_parameters() {
    LegacyParameterQuery query;
    expect_keyword("select");
    std::vector<std::pair<std::string, std::string>> columns;  // column, name
    while (!peek_keyword("from") && !peek_keyword("where") && peek().kind != TokenKind::end && !peek_symbol(";")) {
      ParameterCondition value;
      std::string name;
      if (try_value_source(value)) {
        if (value.source == ValueSource::bucket_parameter) unsupported("bucket.* in a parameter query");
        if (!peek_keyword("as")) fail("each value a parameter query selects needs a name (AS name)");
        next();
        name = expect_identifier("an output name after AS");
        query.values.push_back(std::move(value));
      } else {
        auto column = try_column();
        if (!column) unsupported(describe(peek()) + " in the SELECT list");
        if (peek_symbol("(")) unsupported("function call in the SELECT list");
        name = column->column;
        if (peek_keyword("as")) {
          next();
          name = expect_identifier("an output name after AS");
        }
        columns.emplace_back(column->column, name);
      }
      if (name == "_priority") unsupported("_priority in a parameter query (use the bucket's priority:)");
      query.names.push_back(name);
      if (!peek_symbol(",")) break;
      next();
    }
    if (peek_keyword("from")) {
      next();
      if (!query.values.empty()) unsupported("request values in the SELECT list of a parameter query with FROM");
      SelectForm form;
      form.tables.push_back(parse_table_ref());
      if (form.tables[0].alias != form.tables[0].table) fail("Table aliases not supported in parameter queries");
      if (peek_symbol(",") || peek_keyword("join") || peek_keyword("inner") || peek_keyword("left"))
        fail("Must SELECT from a single table");
      reject_clauses();
      if (peek_keyword("where")) {
        next();
        parse_conditions(form);
      }
      finish();
      if (!form.edges.empty()) unsupported("column-to-column comparison");
      Subquery lookup;
      lookup.table = form.tables[0].table;
      for (const auto& p : form.parameters) lookup.parameters.push_back(p.condition);
      for (const auto& f : form.filters) lookup.filters.push_back(f.condition);
      for (const auto& [column, name] : columns) query.columns.push_back(column);
      lookup.result_column = query.columns.empty() ? std::string() : query.columns[0];
      query.lookup = std::make_shared<const Subquery>(std::move(lookup));
      return query;
    }
    if (!columns.empty()) fail("a parameter query selecting columns needs FROM");
    if (peek_keyword("where")) {
      next();
      while (true) {
        ParameterCondition value;
        nlohmann::json literal;
        bool value_first = try_value_source(value);
        if (!value_first && !try_literal(literal)) unsupported(describe(peek()));
        if (!peek_symbol("=")) unsupported("operator '" + describe(peek()) + "'");
        next();
        if (value_first ? !try_literal(literal) : !try_value_source(value))
          unsupported("a condition other than <request value> = <literal>");
        query.checks.emplace_back(std::move(value), std::move(literal));
        if (!peek_keyword("and")) break;
        next();
      }
      if (peek_keyword("or")) unsupported("OR");
    }
    finish();
    return query;
  }

  void parse_conditions(SelectForm& form) {
    parse_condition(form);
    while (peek_keyword("and")) {
      next();
      parse_condition(form);
    }
    if (peek_keyword("or")) unsupported("OR");
  }

  void parse_condition(SelectForm& form) {
    if (peek_symbol("(")) unsupported("parenthesised condition");
    if (peek_keyword("not")) unsupported("NOT");
    ParameterCondition parameter;
    nlohmann::json literal;
    std::optional<ColumnRef> column = try_column();
    bool value_first = false;
    if (!column) {
      if (!try_value_source(parameter) && !try_literal(literal)) unsupported(describe(peek()));
      value_first = true;
    }
    if (peek_keyword("in")) {
      next();
      if (value_first) {
        parse_request_in(literal.is_null() ? std::optional<ParameterCondition>(parameter) : std::nullopt, literal, form);
        if (peek_keyword("or")) unsupported("OR");
        return;
      }
      parse_in(*column, form);
      if (peek_keyword("or")) unsupported("OR");
      return;
    }
    if (peek_keyword("not")) unsupported("NOT IN");
    if (peek_keyword("is")) unsupported("IS");
    if (peek_keyword("like")) unsupported("LIKE");
    if (peek_keyword("between")) unsupported("BETWEEN");
    if (!peek_symbol("=")) unsupported("operator '" + describe(peek()) + "'");
    next();
    if (value_first) {
      column = try_column();
      if (!column) {
        // <client value> = 'literal' (either way round): a condition on the request.
        RequestCondition condition;
        bool value_then_literal = literal.is_null() && try_literal(condition.literal);
        if (!value_then_literal && !(literal.is_null() ? false : try_value_source(parameter)))
          unsupported("comparison without a column");
        if (!value_then_literal) condition.literal = std::move(literal);
        condition.value = std::move(parameter);
        form.request_conditions.push_back(std::move(condition));
        if (peek_keyword("or")) unsupported("OR");
        return;
      }
    } else {
      if (peek_symbol("(")) unsupported("subquery after = (write IN (SELECT ...))");
      if (!try_value_source(parameter) && !try_literal(literal)) {
        if (auto other = try_column()) {
          if (other->qualifier == column->qualifier) unsupported("column-to-column comparison within one table");
          form.edges.push_back({*column, *other});
          if (peek_keyword("or")) unsupported("OR");
          return;
        }
        unsupported(describe(peek()));
      }
    }
    if (peek_keyword("or")) unsupported("OR");
    if (!literal.is_null()) {
      form.filters.push_back({column->qualifier, {column->column, std::move(literal)}});
    } else {
      parameter.column = column->column;
      form.parameters.push_back({column->qualifier, std::move(parameter)});
    }
  }

  // After `<client value> IN` or `'literal' IN`: a subquery, a CTE's name, or (for a literal) a
  // client value holding a JSON array.
  void parse_request_in(std::optional<ParameterCondition> value, nlohmann::json literal, SelectForm& form) {
    RequestCondition condition;
    condition.value = std::move(value);
    condition.literal = std::move(literal);
    ParameterCondition array;
    if (auto subquery = try_subquery_or_cte()) {
      condition.subquery = std::move(subquery);
    } else if (!condition.value && try_value_source(array)) {
      condition.value = std::move(array);
      condition.in_array = true;
    } else {
      unsupported("IN " + describe(peek()));
    }
    form.request_conditions.push_back(std::move(condition));
  }

  // `(SELECT ...)` or a one-column CTE's name; null when the tokens are neither.
  std::shared_ptr<const Subquery> try_subquery_or_cte() {
    if (peek_symbol("(")) {
      next();
      if (!peek_keyword("select")) unsupported("IN (value list)");
      auto inner = parse_select();
      expect_symbol(")");
      return build_subquery(inner);
    }
    auto cte = peek().kind == TokenKind::identifier ? ctes_.find(peek().text) : ctes_.end();
    if (cte == ctes_.end() || (peek(1).kind == TokenKind::symbol && (peek(1).text == "." || peek(1).text == "(")))
      return nullptr;
    next();
    if (cte->second.select_all || cte->second.columns.size() != 1)
      fail("common table expression '" + cte->first + "' must return a single column to be used as IN " + cte->first);
    return cte_subquery(cte->second, cte->second.columns[0].source, {}, {});
  }

  // After `column IN`: a subquery, a CTE's name, or a client value holding a JSON array.
  void parse_in(const ColumnRef& column, SelectForm& form) {
    ParameterCondition parameter;
    parameter.column = column.column;
    if (auto subquery = try_subquery_or_cte()) {
      parameter.kind = ParameterKind::in_subquery;
      parameter.subquery = std::move(subquery);
    } else if (try_value_source(parameter)) {
      parameter.kind = ParameterKind::in_array;
    } else if (peek().kind == TokenKind::identifier && !is_reserved(peek())) {
      fail("'" + peek().text + "' after IN is no common table expression of this stream or the sync config");
    } else {
      unsupported("IN " + describe(peek()));
    }
    form.parameters.push_back({column.qualifier, std::move(parameter)});
  }

  std::shared_ptr<const Subquery> cte_subquery(const StreamQuery& cte, const std::string& result_column,
                                               std::vector<ParameterCondition> parameters,
                                               std::vector<LiteralCondition> filters) {
    Subquery subquery;
    subquery.table = cte.source_table;
    subquery.result_column = result_column;
    subquery.parameters = cte.parameters;
    subquery.filters = cte.filters;
    subquery.request_conditions = cte.request_conditions;
    for (auto& p : parameters) subquery.parameters.push_back(std::move(p));
    for (auto& f : filters) subquery.filters.push_back(std::move(f));
    return std::make_shared<const Subquery>(std::move(subquery));
  }

  std::shared_ptr<const Subquery> build_subquery(const SelectForm& inner) {
    if (inner.select_all || inner.columns.size() != 1) fail("a subquery must select exactly one column");
    const auto& selected = inner.columns[0].ref;
    if (inner.tables.size() == 1) {
      if (auto cte = ctes_.find(inner.tables[0].table); cte != ctes_.end()) {
        // SELECT col FROM cte [WHERE ...]: the CTE's own conditions plus these, on its table.
        auto source_of = [&](const std::string& name) {
          for (const auto& c : cte->second.columns)
            if (c.name == name) return c.source;
          if (cte->second.select_all) return name;
          fail("common table expression '" + cte->first + "' has no column '" + name + "'");
        };
        std::vector<ParameterCondition> parameters;
        std::vector<LiteralCondition> filters;
        for (const auto& p : inner.parameters) {
          parameters.push_back(p.condition);
          parameters.back().column = source_of(p.condition.column);
        }
        for (const auto& f : inner.filters) filters.push_back({source_of(f.condition.column), f.condition.value});
        auto built = cte_subquery(cte->second, source_of(selected.column), std::move(parameters), std::move(filters));
        if (inner.request_conditions.empty()) return built;
        auto with_conditions = std::make_shared<Subquery>(*built);
        for (const auto& c : inner.request_conditions) with_conditions->request_conditions.push_back(c);
        return with_conditions;
      }
    }
    auto root = resolve_alias(inner, selected.qualifier, "");
    Subquery subquery;
    subquery.table = table_of(inner, root);
    subquery.result_column = selected.column;
    std::set<std::string> visited;
    gather(inner, root, root, subquery.parameters, subquery.filters, visited);
    check_all_joined(inner, visited);
    subquery.request_conditions = inner.request_conditions;
    return std::make_shared<const Subquery>(std::move(subquery));
  }

  // The alias a qualifier names (an alias, or a table's own name); unqualified means `fallback`.
  std::string resolve_alias(const SelectForm& form, const std::string& qualifier, const std::string& fallback) const {
    if (qualifier.empty()) return fallback.empty() ? form.tables[0].alias : fallback;
    for (const auto& t : form.tables)
      if (t.alias == qualifier) return t.alias;
    for (const auto& t : form.tables)
      if (t.table == qualifier) return t.alias;
    fail("unknown table '" + qualifier + "'");
  }

  std::string table_of(const SelectForm& form, const std::string& alias) const {
    for (const auto& t : form.tables) {
      if (t.alias != alias) continue;
      if (ctes_.count(t.table)) unsupported("common table expression '" + t.table + "' in FROM here");
      return t.table;
    }
    fail("unknown table '" + alias + "'");
  }

  // The conditions on `alias`; each table joined to it becomes a nested lookup on the join column.
  void gather(const SelectForm& form, const std::string& alias, const std::string& data_alias,
              std::vector<ParameterCondition>& parameters, std::vector<LiteralCondition>& filters,
              std::set<std::string>& visited) {
    visited.insert(alias);
    if (form.edges.size() + 1 != form.tables.size())
      unsupported("JOIN conditions other than one column equality per joined table");
    for (const auto& edge : form.edges) {
      auto left = resolve_alias(form, edge.left.qualifier, data_alias);
      auto right = resolve_alias(form, edge.right.qualifier, data_alias);
      if (left == right) unsupported("column-to-column comparison within one table");
      const ColumnRef* mine = nullptr;
      const ColumnRef* theirs = nullptr;
      std::string other;
      if (left == alias) mine = &edge.left, theirs = &edge.right, other = right;
      else if (right == alias) mine = &edge.right, theirs = &edge.left, other = left;
      if (!mine || visited.count(other)) continue;
      Subquery subquery;
      subquery.table = table_of(form, other);
      subquery.result_column = theirs->column;
      gather(form, other, data_alias, subquery.parameters, subquery.filters, visited);
      ParameterCondition parameter;
      parameter.column = mine->column;
      parameter.kind = ParameterKind::in_subquery;
      parameter.subquery = std::make_shared<const Subquery>(std::move(subquery));
      parameters.push_back(std::move(parameter));
    }
    for (const auto& p : form.parameters)
      if (resolve_alias(form, p.qualifier, data_alias) == alias) parameters.push_back(p.condition);
    for (const auto& f : form.filters)
      if (resolve_alias(form, f.qualifier, data_alias) == alias) filters.push_back(f.condition);
  }

  void check_all_joined(const SelectForm& form, const std::set<std::string>& visited) const {
    for (const auto& t : form.tables)
      if (!visited.count(t.alias)) unsupported("table '" + t.alias + "' not joined by a column equality");
  }

  // Which table's rows the query syncs: the one whose columns it selects.
  std::string data_alias(const SelectForm& form) const {
    if (!form.select_all_qualifier.empty()) return resolve_alias(form, form.select_all_qualifier, "");
    if (form.tables.size() == 1) return form.tables[0].alias;
    if (form.select_all) unsupported("SELECT * with JOIN (select table.* of the synced table)");
    std::string alias = resolve_alias(form, form.columns[0].ref.qualifier, "");
    for (const auto& c : form.columns)
      if (c.ref.qualifier.empty() || resolve_alias(form, c.ref.qualifier, "") != alias)
        unsupported("SELECT columns of several tables (qualify every column with the synced table)");
    return alias;
  }

  StreamQuery build_query(const SelectForm& form, bool is_cte) {
    StreamQuery query;
    auto data = data_alias(form);
    if (!is_cte) {
      for (const auto& t : form.tables)
        if (t.alias == data && ctes_.count(t.table)) unsupported("common table expression '" + t.table + "' as a data source");
    }
    query.source_table = table_of(form, data);
    query.output_table = data;  // the synced table's alias, as the service names the output table
    query.select_all = form.select_all;
    for (const auto& c : form.columns) query.columns.push_back({c.ref.column, c.name});
    std::set<std::string> visited;
    gather(form, data, data, query.parameters, query.filters, visited);
    check_all_joined(form, visited);
    query.request_conditions = form.request_conditions;
    if (!is_cte && !query.select_all) {
      bool has_id = std::any_of(query.columns.begin(), query.columns.end(),
                                [](const OutputColumn& c) { return c.name == "id"; });
      if (!has_id) fail("the query must select an `id` column");
    }
    return query;
  }

  bool try_literal(nlohmann::json& value) {
    if (peek().kind == TokenKind::string) {
      value = next().text;
      return true;
    }
    bool negative = false;
    if (peek_symbol("-") && peek(1).kind == TokenKind::number) {
      next();
      negative = true;
    }
    if (peek().kind == TokenKind::number) {
      std::string text = next().text;
      if (text.find('.') != std::string::npos) {
        value = (negative ? -1 : 1) * std::stod(text);
      } else {
        value = (negative ? -1 : 1) * std::stoll(text);
      }
      return true;
    }
    return false;
  }

  std::string label_;
  std::string_view sql_;
  const CommonTableExpressions& ctes_;
  bool legacy_ = false;
  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
};

// The top-level query of a stream (or a legacy data query).
StreamQuery Parser::parse_query() {
  auto form = parse_select();
  finish();
  return build_query(form, false);
}

// A `with:` entry: its columns name what IN (SELECT col FROM cte) may select.
StreamQuery Parser::parse_cte() {
  auto form = parse_select();
  finish();
  return build_query(form, true);
}

void collect_from(const Subquery& subquery, std::vector<std::string>& tables) {
  if (std::find(tables.begin(), tables.end(), subquery.table) == tables.end()) tables.push_back(subquery.table);
  for (const auto& p : subquery.parameters)
    if (p.subquery) collect_from(*p.subquery, tables);
  for (const auto& c : subquery.request_conditions)
    if (c.subquery) collect_from(*c.subquery, tables);
}

}  // namespace

bool StreamQuery::uses_subscription_parameters() const {
  return std::any_of(parameters.begin(), parameters.end(),
                     [](const ParameterCondition& p) { return p.source == ValueSource::subscription_parameter; });
}

bool StreamQuery::uses_lookups() const {
  std::vector<std::string> tables;
  collect_lookup_tables(*this, tables);
  return !tables.empty();
}

void collect_lookup_tables(const StreamQuery& query, std::vector<std::string>& tables) {
  for (const auto& p : query.parameters)
    if (p.subquery) collect_from(*p.subquery, tables);
  for (const auto& c : query.request_conditions)
    if (c.subquery) collect_from(*c.subquery, tables);
}

StreamQuery parse_stream_query(std::string_view stream_name, std::string_view sql, const CommonTableExpressions& ctes) {
  return Parser("stream '" + std::string(stream_name) + "'", sql, ctes).parse_query();
}

StreamQuery parse_common_table_expression(std::string_view stream_name, std::string_view name, std::string_view sql,
                                          const CommonTableExpressions& earlier) {
  std::string label = stream_name.empty() ? "with '" + std::string(name) + "'"
                                          : "stream '" + std::string(stream_name) + "' with '" + std::string(name) + "'";
  return Parser(std::move(label), sql, earlier).parse_cte();
}

LegacyParameterQuery parse_legacy_parameter_query(std::string_view bucket, std::string_view sql) {
  static const CommonTableExpressions none;
  return Parser("bucket definition '" + std::string(bucket) + "'", sql, none, true).parse_legacy();
}

StreamQuery parse_legacy_data_query(std::string_view bucket, std::string_view sql) {
  static const CommonTableExpressions none;
  return Parser("bucket definition '" + std::string(bucket) + "'", sql, none, true).parse_query();
}

}  // namespace powersync::devserver
