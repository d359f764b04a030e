#include "auth/credentials.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <utility>

namespace profiled::auth {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

bool IsWordChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

struct Section {
  std::string name;
  int line = 0;
  std::string access_key_id, secret_access_key, account_id;
  int access_key_line = 0, secret_line = 0, account_line = 0;
};

class Parser {
 public:
  explicit Parser(std::string_view source) : source_(source) {}

  Error Fail(int line, const std::string& what) const {
    return Error::BadRequest(std::string(source_) + ":" + std::to_string(line) + ": " + what);
  }

  Status Finish(Section& s, CredentialSet& set) const {
    const char* missing = s.access_key_id.empty()       ? "aws_access_key_id"
                          : s.secret_access_key.empty() ? "aws_secret_access_key"
                          : s.account_id.empty()        ? "aws_account_id"
                                                        : nullptr;
    if (missing != nullptr) {
      return Fail(s.line, "section [" + s.name + "] has no " + missing);
    }
    std::string key = s.access_key_id;
    if (!set.Add(Credential{s.name, std::move(s.access_key_id), std::move(s.secret_access_key),
                            std::move(s.account_id)})) {
      return Fail(s.access_key_line,
                  "access key id " + key + " is defined again (in section [" + s.name + "])");
    }
    return OkStatus();
  }

  Result<CredentialSet> Parse(std::string_view text) {
    CredentialSet set;
    std::optional<Section> section;
    std::map<std::string, int, std::less<>> section_lines;
    if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // editors' UTF-8 BOM
    int line_no = 0;
    while (!text.empty()) {
      ++line_no;
      size_t nl = text.find('\n');
      std::string_view line = Trim(text.substr(0, nl));
      text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
      if (line.empty() || line.front() == '#' || line.front() == ';') continue;
      if (line.front() == '[') {
        if (line.back() != ']') return Fail(line_no, "section header must end with ']'");
        std::string name(Trim(line.substr(1, line.size() - 2)));
        if (name.empty()) return Fail(line_no, "empty section name");
        if (auto it = section_lines.find(name); it != section_lines.end()) {
          return Fail(line_no, "section [" + name + "] is already defined at line " +
                                   std::to_string(it->second));
        }
        section_lines.emplace(name, line_no);
        if (section) RETURN_IF_ERROR(Finish(*section, set));
        section = Section{name, line_no, {}, {}, {}, 0, 0, 0};
        continue;
      }
      size_t eq = line.find('=');
      if (eq == std::string_view::npos) {
        return Fail(line_no, "expected 'key = value', '[section]' or a comment");
      }
      if (!section) return Fail(line_no, "'key = value' before any [section]");
      std::string_view key = Trim(line.substr(0, eq));
      std::string_view value = Trim(line.substr(eq + 1));
      std::string* slot = nullptr;
      int* slot_line = nullptr;
      if (key == "aws_access_key_id") {
        slot = &section->access_key_id;
        slot_line = &section->access_key_line;
        if (value.empty() || value.size() > 128 ||
            !std::all_of(value.begin(), value.end(), IsWordChar)) {
          return Fail(line_no, "aws_access_key_id must be 1 to 128 letters, digits or '_'");
        }
      } else if (key == "aws_secret_access_key") {
        slot = &section->secret_access_key;
        slot_line = &section->secret_line;
        if (value.empty() || value.find_first_of(" \t") != std::string_view::npos) {
          return Fail(line_no, "aws_secret_access_key must be non-empty and without spaces");
        }
      } else if (key == "aws_account_id") {
        slot = &section->account_id;
        slot_line = &section->account_line;
        if (value.size() != 12 ||
            !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
          return Fail(line_no,
                      "aws_account_id must be exactly 12 digits, not '" + std::string(value) + "'");
        }
      } else if (key.empty()) {
        return Fail(line_no, "missing key before '='");
      }
      if (slot != nullptr) {
        if (!slot->empty()) {
          return Fail(line_no, std::string(key) + " is already set at line " +
                                   std::to_string(*slot_line) + " in section [" + section->name +
                                   "]");
        }
        *slot = std::string(value);
        *slot_line = line_no;
      }
    }
    if (section) RETURN_IF_ERROR(Finish(*section, set));
    if (set.size() == 0)
      return Fail(std::max(line_no, 1), "no [section] with credentials in the file");
    return set;
  }

 private:
  std::string_view source_;
};

}  // namespace

const Credential* CredentialSet::Find(std::string_view access_key_id) const {
  auto it = by_key_.find(access_key_id);
  return it == by_key_.end() ? nullptr : &it->second;
}

bool CredentialSet::Add(Credential credential) {
  std::string key = credential.access_key_id;
  return by_key_.emplace(std::move(key), std::move(credential)).second;
}

Result<CredentialSet> ParseCredentials(std::string_view text, std::string_view source) {
  return Parser(source).Parse(text);
}

Result<CredentialSet> LoadCredentialsFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error::NotFound("cannot read credentials file " + path + ": " + std::strerror(errno));
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return Error::NotFound("cannot read credentials file " + path);
  return ParseCredentials(buffer.str(), path);
}

}  // namespace profiled::auth
