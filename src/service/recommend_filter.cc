// Recommender filter expressions (see recommend_filter.h).
#include "service/recommend_filter.h"

#include <cmath>
#include <cstdlib>
#include <optional>

#include "common/ascii.h"

namespace profiled::service::recommend {
namespace json = boost::json;
namespace {

struct Token {
  enum class Kind { kWord, kString, kNumber, kParam, kSymbol, kEnd } kind = Kind::kEnd;
  std::string text;
};

Error Bad(std::string_view what) {
  return Error::BadRequest("Invalid RecommenderFilterExpression: " + std::string(what));
}

Result<std::vector<Token>> Tokenize(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  auto word_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
  };
  while (i < s.size()) {
    char c = s[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
    } else if (c == '"' || c == '\'') {
      size_t end = s.find(c, i + 1);
      if (end == std::string_view::npos) return Bad("a quoted value is not closed");
      out.push_back({Token::Kind::kString, std::string(s.substr(i + 1, end - i - 1))});
      i = end + 1;
    } else if (c == '$') {
      size_t j = i + 1;
      while (j < s.size() && word_char(s[j]) && s[j] != '.' && s[j] != '-') ++j;
      if (j == i + 1) return Bad("a '$' names no parameter");
      out.push_back({Token::Kind::kParam, std::string(s.substr(i + 1, j - i - 1))});
      i = j;
    } else if (c == '<' || c == '>' || c == '=' || c == '(' || c == ')' || c == ',' || c == '|') {
      std::string sym(1, c);
      if ((c == '<' || c == '>') && i + 1 < s.size() && s[i + 1] == '=') sym += '=';
      out.push_back({Token::Kind::kSymbol, sym});
      i += sym.size();
    } else if (word_char(c)) {
      size_t j = i;
      while (j < s.size() && word_char(s[j])) ++j;
      std::string text(s.substr(i, j - i));
      char* end = nullptr;
      std::strtod(text.c_str(), &end);
      bool number = end == text.c_str() + text.size();
      out.push_back({number ? Token::Kind::kNumber : Token::Kind::kWord, text});
      i = j;
    } else {
      return Bad(std::string("unexpected character '") + c + "'");
    }
  }
  out.push_back({Token::Kind::kEnd, ""});
  return out;
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : t_(std::move(tokens)) {}

  Result<Filter> Parse() {
    Filter f;
    while (true) {
      ASSIGN_OR_RETURN(FilterClause clause, Clause(f));
      f.clauses.push_back(std::move(clause));
      if (IsSymbol("|")) {
        ++pos_;
        continue;
      }
      if (Peek().kind != Token::Kind::kEnd) return Bad("unexpected '" + Peek().text + "'");
      return f;
    }
  }

 private:
  const Token& Peek() const { return t_[pos_]; }
  bool IsWord(std::string_view w) const {
    return Peek().kind == Token::Kind::kWord && EqualsIgnoreCase(Peek().text, w);
  }
  bool IsSymbol(std::string_view s) const {
    return Peek().kind == Token::Kind::kSymbol && Peek().text == s;
  }
  Status ExpectWord(std::string_view w) {
    if (!IsWord(w)) return Bad("expected " + std::string(w) + " near '" + Peek().text + "'");
    ++pos_;
    return OkStatus();
  }

  Result<FilterClause> Clause(Filter& f) {
    FilterClause clause;
    if (IsWord("INCLUDE")) {
      clause.include = true;
    } else if (IsWord("EXCLUDE")) {
      clause.include = false;
    } else {
      return Bad("a clause starts with INCLUDE or EXCLUDE");
    }
    ++pos_;
    if (IsWord("UserID") || IsWord("ActionID")) {
      return Bad("recommenders filter items: use ItemID, not " + Peek().text);
    }
    RETURN_IF_ERROR(ExpectWord("ItemID"));
    RETURN_IF_ERROR(ExpectWord("WHERE"));
    clause.any_of.emplace_back();
    while (true) {
      ASSIGN_OR_RETURN(FilterCondition c, Condition(f));
      clause.any_of.back().push_back(std::move(c));
      if (IsWord("AND")) {
        ++pos_;
      } else if (IsWord("OR")) {
        ++pos_;
        clause.any_of.emplace_back();
      } else {
        return clause;
      }
    }
  }

  Result<FilterValue> Value(Filter& f) {
    const Token& tok = Peek();
    switch (tok.kind) {
      case Token::Kind::kString:
      case Token::Kind::kNumber:
        ++pos_;
        return FilterValue{tok.text, false};
      case Token::Kind::kParam:
        ++pos_;
        f.parameters.insert(tok.text);
        return FilterValue{tok.text, true};
      default:
        return Bad("expected a value near '" + tok.text + "'");
    }
  }

  Result<FilterCondition> Condition(Filter& f) {
    if (Peek().kind != Token::Kind::kWord) return Bad("expected Items.<field> or Interactions");
    std::string name = Peek().text;
    ++pos_;
    FilterCondition c;
    size_t dot = name.find('.');
    std::string dataset = dot == std::string::npos ? name : name.substr(0, dot);
    c.field = dot == std::string::npos ? "" : name.substr(dot + 1);
    if (EqualsIgnoreCase(dataset, "Interactions")) {
      if (!EqualsIgnoreCase(c.field, "EVENT_TYPE")) {
        return Bad("interactions can be filtered by EVENT_TYPE only, not " + name);
      }
      c.interactions = true;
    } else if (!EqualsIgnoreCase(dataset, "Items")) {
      return Bad("unsupported dataset " + dataset + " (Items and Interactions are)");
    }
    if (c.field.empty()) return Bad(name + " names no field");
    if (IsWord("IN") || IsWord("NOT")) {
      c.op = FilterCondition::Op::kIn;
      if (IsWord("NOT")) {
        ++pos_;
        c.op = FilterCondition::Op::kNotIn;
      }
      RETURN_IF_ERROR(ExpectWord("IN"));
      if (!IsSymbol("(")) return Bad("IN takes a list in parentheses");
      ++pos_;
      while (true) {
        ASSIGN_OR_RETURN(FilterValue v, Value(f));
        c.values.push_back(std::move(v));
        if (IsSymbol(",")) {
          ++pos_;
          continue;
        }
        if (!IsSymbol(")")) return Bad("expected ',' or ')' near '" + Peek().text + "'");
        ++pos_;
        return c;
      }
    }
    if (c.interactions) return Bad("Interactions.EVENT_TYPE takes IN or NOT IN");
    static constexpr std::pair<std::string_view, FilterCondition::Op> kOps[] = {
        {"=", FilterCondition::Op::kEq},
        {"<", FilterCondition::Op::kLt},
        {">", FilterCondition::Op::kGt},
        {"<=", FilterCondition::Op::kLe},
        {">=", FilterCondition::Op::kGe}};
    for (const auto& [sym, op] : kOps) {
      if (!IsSymbol(sym)) continue;
      ++pos_;
      c.op = op;
      ASSIGN_OR_RETURN(FilterValue v, Value(f));
      if (op != FilterCondition::Op::kEq && !v.parameter && !IsNumber(v.text)) {
        return Bad(std::string(sym) + " compares with a number, not '" + v.text + "'");
      }
      c.values.push_back(std::move(v));
      return c;
    }
    return Bad("expected IN, NOT IN or a comparison after " + name);
  }

 public:
  static bool IsNumber(const std::string& s) {
    if (s.empty()) return false;
    char* end = nullptr;
    double d = std::strtod(s.c_str(), &end);
    return end == s.c_str() + s.size() && std::isfinite(d);
  }

 private:
  std::vector<Token> t_;
  size_t pos_ = 0;
};

std::optional<double> Number(const std::string& s) {
  if (!Parser::IsNumber(s)) return std::nullopt;
  return std::strtod(s.c_str(), nullptr);
}

std::string Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t");
  s = s.substr(b, e - b + 1);
  if (s.size() >= 2 && (s.front() == '"' || s.front() == '\'') && s.back() == s.front()) {
    s = s.substr(1, s.size() - 2);
  }
  return std::string(s);
}

const json::value* FieldOf(const json::object& catalog, std::string_view field) {
  for (const auto& [k, v] : catalog) {
    if (k != "Attributes" && EqualsIgnoreCase(k, field)) return &v;
  }
  if (auto a = catalog.find("Attributes"); a != catalog.end() && a->value().is_object()) {
    for (const auto& [k, v] : a->value().as_object()) {
      if (EqualsIgnoreCase(k, field)) return &v;
    }
  }
  return nullptr;
}

bool Holds(const FilterCondition& c, const json::object& catalog,
           const std::set<std::string>& interaction_types) {
  using Op = FilterCondition::Op;
  if (c.interactions) {
    bool any = false;
    for (const FilterValue& v : c.values) {
      for (const std::string& t : interaction_types) any = any || EqualsIgnoreCase(t, v.text);
    }
    return c.op == Op::kIn ? any : !any;
  }
  const json::value* field = FieldOf(catalog, c.field);
  std::optional<std::string> text;
  if (field && field->is_string()) text = std::string(field->as_string());
  auto equal = [&](const std::string& want) {
    if (!text) return false;
    if (*text == want) return true;
    auto a = Number(*text), b = Number(want);
    return a && b && *a == *b;
  };
  switch (c.op) {
    case Op::kIn:
    case Op::kNotIn: {
      bool any = false;
      for (const FilterValue& v : c.values) any = any || equal(v.text);
      return c.op == Op::kIn ? any : !any;
    }
    case Op::kEq:
      return equal(c.values.front().text);
    default:
      break;
  }
  std::optional<double> have = text ? Number(*text) : std::nullopt;
  std::optional<double> want = Number(c.values.front().text);
  if (!have || !want) return false;
  switch (c.op) {
    case Op::kLt:
      return *have < *want;
    case Op::kGt:
      return *have > *want;
    case Op::kLe:
      return *have <= *want;
    case Op::kGe:
      return *have >= *want;
    default:
      return false;
  }
}

}  // namespace

Result<Filter> ParseFilter(std::string_view expression) {
  ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(expression));
  return Parser(std::move(tokens)).Parse();
}

Result<Filter> BindFilter(const Filter& filter, const json::object* values,
                          std::string_view member) {
  Filter out = filter;
  out.parameters.clear();
  for (FilterClause& clause : out.clauses) {
    for (auto& all : clause.any_of) {
      for (FilterCondition& c : all) {
        std::vector<FilterValue> bound;
        for (const FilterValue& v : c.values) {
          if (!v.parameter) {
            bound.push_back(v);
            continue;
          }
          auto it = values ? values->find(v.text) : json::object::const_iterator();
          if (!values || it == values->end() || !it->value().is_string()) {
            return Error::BadRequest(std::string(member) + " has no value for parameter $" +
                                     v.text + " of the filter expression");
          }
          std::string_view all_text(it->value().as_string());
          size_t start = 0;
          while (start <= all_text.size()) {
            size_t comma = all_text.find(',', start);
            std::string part = Trim(all_text.substr(
                start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
            if (!part.empty()) bound.push_back({part, false});
            if (comma == std::string_view::npos) break;
            start = comma + 1;
          }
        }
        bool compare = c.op != FilterCondition::Op::kIn && c.op != FilterCondition::Op::kNotIn;
        if (bound.empty() || (compare && bound.size() != 1)) {
          return Error::BadRequest(std::string(member) + " gives " +
                                   (compare ? "a comparison of " : "an IN of ") + c.field +
                                   (compare ? " not exactly one value" : " no value"));
        }
        if (compare && c.op != FilterCondition::Op::kEq && !Number(bound.front().text)) {
          return Error::BadRequest(std::string(member) + " gives " + c.field +
                                   " a value that is not a number: " + bound.front().text);
        }
        c.values = std::move(bound);
      }
    }
  }
  return out;
}

bool FilterKeeps(const Filter& filter, const json::object& catalog,
                 const std::set<std::string>& interaction_types) {
  for (const FilterClause& clause : filter.clauses) {
    bool match = false;
    for (const auto& all : clause.any_of) {
      bool all_hold = true;
      for (const FilterCondition& c : all) {
        if (!Holds(c, catalog, interaction_types)) {
          all_hold = false;
          break;
        }
      }
      if (all_hold) {
        match = true;
        break;
      }
    }
    if (match != clause.include) return false;
  }
  return true;
}

}  // namespace profiled::service::recommend
