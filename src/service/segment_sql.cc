#include "service/segment_sql.h"

#include <cctype>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "service/profile_patch.h"

namespace profiled::service::segment {
namespace {

enum class Tok { kWord, kQuoted, kString, kNumber, kSymbol, kEnd };

struct Token {
  Tok kind = Tok::kEnd;
  std::string text;
};

Error Unsupported(std::string_view what) {
  return Error::BadRequest(
      "SegmentSqlQuery is not in the subset Profiled evaluates (SELECT * FROM profiles WHERE "
      "comparisons of profile attributes joined by AND/OR; see docs/segments.md): unsupported " +
      std::string(what));
}

Result<std::vector<Token>> Tokenize(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (std::isspace(c)) {
      ++i;
      continue;
    }
    Token t;
    if (std::isalpha(c) || c == '_') {
      size_t j = i;
      while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_' ||
                              s[j] == '.' || s[j] == '-')) {
        ++j;
      }
      t = {Tok::kWord, std::string(s.substr(i, j - i))};
      i = j;
    } else if (c == '`') {
      size_t j = s.find('`', i + 1);
      if (j == std::string_view::npos) return Unsupported("an unterminated `identifier`");
      t = {Tok::kQuoted, std::string(s.substr(i + 1, j - i - 1))};
      i = j + 1;
    } else if (c == '\'') {
      std::string text;
      size_t j = i + 1;
      while (true) {
        if (j >= s.size()) return Unsupported("an unterminated 'string'");
        if (s[j] == '\'') {
          if (j + 1 < s.size() && s[j + 1] == '\'') {
            text.push_back('\'');
            j += 2;
            continue;
          }
          break;
        }
        text.push_back(s[j++]);
      }
      t = {Tok::kString, std::move(text)};
      i = j + 1;
    } else if (std::isdigit(c) || ((c == '-' || c == '+') && i + 1 < s.size() &&
                                   std::isdigit(static_cast<unsigned char>(s[i + 1])))) {
      size_t j = i + 1;
      while (j < s.size() && (std::isdigit(static_cast<unsigned char>(s[j])) || s[j] == '.')) ++j;
      t = {Tok::kNumber, std::string(s.substr(i, j - i))};
      i = j;
    } else {
      static constexpr std::string_view kTwo[] = {"<>", "!=", "<=", ">="};
      std::string sym(1, static_cast<char>(c));
      for (std::string_view two : kTwo) {
        if (s.substr(i, 2) == two) sym = std::string(two);
      }
      static constexpr std::string_view kSymbols = "=<>*,();";
      if (sym.size() == 1 && kSymbols.find(sym[0]) == std::string_view::npos) {
        return Unsupported("character '" + sym + "'");
      }
      t = {Tok::kSymbol, sym};
      i += sym.size();
    }
    out.push_back(std::move(t));
  }
  out.push_back({Tok::kEnd, ""});
  return out;
}

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(a[i])) !=
        std::toupper(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : t_(std::move(tokens)) {}

  Result<Query> Parse() {
    RETURN_IF_ERROR(Keyword("SELECT"));
    if (!Symbol("*")) return Unsupported(Describe(Peek()) + " after SELECT (only SELECT *)");
    RETURN_IF_ERROR(Keyword("FROM"));
    if (Peek().kind != Tok::kWord || !IEquals(Peek().text, "profiles")) {
      return Unsupported("table " + Describe(Peek()) + " (only profiles)");
    }
    ++pos_;
    Query q;
    q.include = Quantifier::kAny;
    if (IsKeyword("WHERE")) {
      ++pos_;
      Group g;
      while (true) {
        ASSIGN_OR_RETURN(Dimension d, Term());
        g.dimensions.push_back(std::move(d));
        if (IsKeyword("AND")) {
          ++pos_;
          continue;
        }
        q.groups.push_back(std::move(g));
        g = Group();
        if (IsKeyword("OR")) {
          ++pos_;
          continue;
        }
        break;
      }
    } else {
      q.groups.push_back(Group());  // no filter: every profile
    }
    Symbol(";");
    if (Peek().kind != Tok::kEnd) return Unsupported(Describe(Peek()));
    return q;
  }

 private:
  const Token& Peek() const { return t_[pos_]; }
  static std::string Describe(const Token& t) {
    if (t.kind == Tok::kEnd) return "end of query";
    if (t.kind == Tok::kString) return "'" + t.text + "'";
    return "'" + t.text + "'";
  }
  bool IsKeyword(std::string_view k) const {
    return Peek().kind == Tok::kWord && IEquals(Peek().text, k);
  }
  Status Keyword(std::string_view k) {
    if (!IsKeyword(k))
      return Unsupported(Describe(Peek()) + " where " + std::string(k) + " was expected");
    ++pos_;
    return OkStatus();
  }
  bool Symbol(std::string_view s) {
    if (Peek().kind != Tok::kSymbol || Peek().text != s) return false;
    ++pos_;
    return true;
  }

  Result<std::string> Column() {
    const Token& t = Peek();
    if (t.kind != Tok::kWord && t.kind != Tok::kQuoted) {
      return Unsupported(Describe(t) + " where a column was expected");
    }
    if (!IsProfileStringPath(t.text)) {
      return Unsupported("column " + Describe(t) +
                         " (a profile attribute: FirstName, Address.City, Attributes.<key>)");
    }
    ++pos_;
    return t.text;
  }

  static AttributeTest Test(const std::string& column, Op op, std::vector<std::string> values) {
    AttributeTest a;
    a.path = column;
    a.condition.op = op;
    a.condition.values = std::move(values);
    return a;
  }

  Result<Dimension> Term() {
    ASSIGN_OR_RETURN(std::string column, Column());
    Dimension d;
    const Token op = Peek();
    ++pos_;
    if (op.kind == Tok::kWord && IEquals(op.text, "IS")) {
      if (!IsKeyword("NOT")) return Unsupported("IS NULL (only IS NOT NULL)");
      ++pos_;
      RETURN_IF_ERROR(Keyword("NULL"));
      d.attributes.push_back(Test(column, Op::kBeginsWith, {""}));
      return d;
    }
    if (op.kind == Tok::kWord && IEquals(op.text, "IN")) {
      if (!Symbol("(")) return Unsupported(Describe(Peek()) + " after IN");
      std::vector<std::string> values;
      do {
        if (Peek().kind != Tok::kString) return Unsupported(Describe(Peek()) + " in IN (...)");
        values.push_back(Peek().text);
        ++pos_;
      } while (Symbol(","));
      if (!Symbol(")")) return Unsupported(Describe(Peek()) + " in IN (...)");
      d.attributes.push_back(Test(column, Op::kInclusive, std::move(values)));
      return d;
    }
    if (op.kind == Tok::kWord && IEquals(op.text, "LIKE")) {
      if (Peek().kind != Tok::kString) return Unsupported(Describe(Peek()) + " after LIKE");
      std::string p = Peek().text;
      ++pos_;
      bool lead = !p.empty() && p.front() == '%', trail = p.size() > 1 && p.back() == '%';
      std::string core = p.substr(lead ? 1 : 0, p.size() - (lead ? 1 : 0) - (trail ? 1 : 0));
      if (core.empty() || core.find_first_of("%_") != std::string::npos) {
        return Unsupported("LIKE pattern '" + p + "' (only 'x%', '%x', '%x%' or 'x')");
      }
      Op o = lead && trail ? Op::kContains
             : lead        ? Op::kEndsWith
             : trail       ? Op::kBeginsWith
                           : Op::kInclusive;
      d.attributes.push_back(Test(column, o, {core}));
      return d;
    }
    if (op.kind != Tok::kSymbol) return Unsupported(Describe(op) + " after a column");
    const Token value = Peek();
    ++pos_;
    if (value.kind == Tok::kString) {
      if (op.text == "=") {
        d.attributes.push_back(Test(column, Op::kInclusive, {value.text}));
      } else if (op.text == "<>" || op.text == "!=") {
        d.attributes.push_back(Test(column, Op::kExclusive, {value.text}));
        d.attributes.push_back(Test(column, Op::kBeginsWith, {""}));
      } else {
        return Unsupported("operator " + op.text + " with a string (only = and <>)");
      }
      return d;
    }
    if (value.kind == Tok::kNumber) {
      Op o;
      if (op.text == "=") {
        o = Op::kEqual;
      } else if (op.text == "<") {
        o = Op::kLessThan;
      } else if (op.text == "<=") {
        o = Op::kLessThanOrEqual;
      } else if (op.text == ">") {
        o = Op::kGreaterThan;
      } else if (op.text == ">=") {
        o = Op::kGreaterThanOrEqual;
      } else {
        return Unsupported("operator " + op.text + " with a number");
      }
      AttributeTest a = Test(column, o, {value.text});
      char* end = nullptr;
      double n = std::strtod(value.text.c_str(), &end);
      if (end != value.text.c_str() + value.text.size()) {
        return Unsupported("number " + value.text);
      }
      a.condition.numbers.push_back(n);
      d.attributes.push_back(std::move(a));
      return d;
    }
    return Unsupported(Describe(value) + " after " + op.text);
  }

  std::vector<Token> t_;
  size_t pos_ = 0;
};

}  // namespace

Result<Query> ParseSegmentSql(std::string_view sql) {
  ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(sql));
  return Parser(std::move(tokens)).Parse();
}

}  // namespace profiled::service::segment
