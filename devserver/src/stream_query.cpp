#include "stream_query.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

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
  Parser(std::string_view stream, std::string_view sql) : stream_(stream), sql_(sql) { tokenize(); }

  StreamQuery parse() {
    StreamQuery query;
    expect_keyword("select");
    parse_select_list(query);
    expect_keyword("from");
    query.source_table = expect_identifier("a table name after FROM");
    query.output_table = query.source_table;
    if (peek_keyword("as")) {
      next();
      query.output_table = expect_identifier("a table alias after AS");
    } else if (peek().kind == TokenKind::identifier && !is_reserved(peek())) {
      query.output_table = next().text;
    }
    reject_join_forms();
    if (peek_keyword("where")) {
      next();
      parse_condition(query);
      while (peek_keyword("and")) {
        next();
        parse_condition(query);
      }
    }
    if (peek().kind == TokenKind::symbol && peek().text == ";") next();
    if (peek().kind != TokenKind::end) unsupported(describe(peek()));
    if (!query.select_all) {
      bool has_id = std::any_of(query.columns.begin(), query.columns.end(),
                                [](const OutputColumn& c) { return c.name == "id"; });
      if (!has_id) fail("the query must select an `id` column");
    }
    return query;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw_invalid_argument("stream '" + std::string(stream_) + "': " + what + " (query: " + std::string(sql_) + ")");
  }
  [[noreturn]] void unsupported(const std::string& construct) const {
    fail("unsupported construct '" + construct + "'");
  }

  static bool is_reserved(const Token& t) {
    if (t.quoted) return false;
    static const char* words[] = {"where", "join", "inner", "left", "right", "full", "cross", "on", "group",
                                  "order", "limit", "union", "and", "or", "as", "natural", "having"};
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

  void reject_join_forms() {
    if (peek_symbol(",")) unsupported("comma join");
    for (const char* w : {"join", "inner", "left", "right", "full", "cross", "natural"}) {
      if (peek_keyword(w)) unsupported(lower(peek().text) == "join" || lower(peek().text) == "inner"
                                           ? std::string("JOIN")
                                           : lower(peek().text) + " JOIN");
    }
    for (const char* w : {"group", "order", "limit", "union", "having"}) {
      if (peek_keyword(w)) unsupported(lower(peek().text));
    }
  }

  void parse_select_list(StreamQuery& query) {
    if (peek_keyword("distinct")) unsupported("DISTINCT");
    if (peek_symbol("*")) {
      next();
      query.select_all = true;
      if (peek_symbol(",")) unsupported("* combined with other columns");
      return;
    }
    while (true) {
      std::string column = expect_identifier("a column name in the SELECT list");
      if (peek_symbol(".")) {  // table.column
        next();
        if (peek_symbol("*")) unsupported("table.*");
        column = expect_identifier("a column name after '.'");
      }
      if (peek_symbol("(")) unsupported("function call " + column + "()");
      if (peek().kind == TokenKind::symbol && !peek_symbol(",") && peek().text != ";")
        unsupported("expression with '" + peek().text + "' in the SELECT list");
      std::string name = column;
      if (peek_keyword("as")) {
        next();
        name = expect_identifier("an output name after AS");
      }
      query.columns.push_back({column, name});
      if (!peek_symbol(",")) break;
      next();
    }
  }

  // column, or table.column
  std::optional<std::string> try_column() {
    if (peek().kind != TokenKind::identifier || is_reserved(peek())) return std::nullopt;
    std::string first = lower(peek().text);
    if (!peek().quoted && (first == "auth" || first == "subscription" || first == "connection" || first == "request" ||
                           first == "token_parameters" || first == "bucket"))
      return std::nullopt;
    if (peek(1).kind == TokenKind::symbol && peek(1).text == "(") return std::nullopt;
    std::string name = next().text;
    if (peek_symbol(".")) {
      next();
      name = expect_identifier("a column name after '.'");
    }
    return name;
  }

  // A client-side value; fills `condition` or returns false if the tokens are not one.
  bool try_value_source(ParameterCondition& condition) {
    if (peek().kind != TokenKind::identifier || peek().quoted) return false;
    std::string head = lower(peek().text);
    if (head == "request" || head == "token_parameters") unsupported(head + ".* (legacy parameter syntax)");
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

  void parse_condition(StreamQuery& query) {
    if (peek_symbol("(")) unsupported("parenthesised condition or subquery");
    if (peek_keyword("not")) unsupported("NOT");
    ParameterCondition parameter;
    LiteralCondition literal;
    std::optional<std::string> column = try_column();
    bool value_first = false;
    if (!column) {
      if (!try_value_source(parameter) && !try_literal(literal.value)) unsupported(describe(peek()));
      value_first = true;
    }
    if (peek_keyword("in")) unsupported("IN");
    if (peek_keyword("is")) unsupported("IS");
    if (peek_keyword("like")) unsupported("LIKE");
    if (peek_keyword("between")) unsupported("BETWEEN");
    if (!peek_symbol("=")) unsupported("operator '" + describe(peek()) + "'");
    next();
    if (value_first) {
      column = try_column();
      if (!column) unsupported("comparison without a column");
    } else {
      if (peek_symbol("(")) unsupported("subquery");
      if (!try_value_source(parameter) && !try_literal(literal.value)) {
        if (try_column()) unsupported("column-to-column comparison");
        unsupported(describe(peek()));
      }
    }
    if (peek_keyword("or")) unsupported("OR");
    if (!literal.value.is_null()) {
      literal.column = *column;
      query.filters.push_back(std::move(literal));
    } else {
      parameter.column = *column;
      query.parameters.push_back(std::move(parameter));
    }
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

  std::string_view stream_;
  std::string_view sql_;
  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
};

}  // namespace

bool StreamQuery::uses_subscription_parameters() const {
  return std::any_of(parameters.begin(), parameters.end(),
                     [](const ParameterCondition& p) { return p.source == ValueSource::subscription_parameter; });
}

StreamQuery parse_stream_query(std::string_view stream_name, std::string_view sql) {
  return Parser(stream_name, sql).parse();
}

}  // namespace powersync::devserver
