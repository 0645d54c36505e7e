#include "config/yaml_reader.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/suggest.h"

namespace baton::config {

Result<std::string> ReadConfigFile(const std::string& path) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) return Status::IOError(path + ": is a directory");
  std::ifstream file(path, std::ios::binary);
  if (!file) return Status::IOError(path + ": " + std::strerror(errno));
  std::ostringstream text;
  text << file.rdbuf();
  if (file.bad()) return Status::IOError(path + ": read failed");
  return text.str();
}

bool ScalarTraits<std::string>::Parse(const std::string& text, std::string* out) {
  *out = text;
  return true;
}

bool ScalarTraits<bool>::Parse(const std::string& text, bool* out) {
  if (text != "true" && text != "false") return false;
  *out = text == "true";
  return true;
}

bool ScalarTraits<uint64_t>::Parse(const std::string& text, uint64_t* out) {
  if (text.empty()) return false;
  uint64_t value = 0;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) return false;
    value = value * 10 + digit;
  }
  if (value == 0) return false;
  *out = value;
  return true;
}

bool ScalarTraits<int>::Parse(const std::string& text, int* out) {
  if (text == "0") {
    *out = 0;
    return true;
  }
  uint64_t value = 0;
  if (!ScalarTraits<uint64_t>::Parse(text, &value) || value > INT32_MAX) return false;
  *out = static_cast<int>(value);
  return true;
}

bool ScalarTraits<uint16_t>::Parse(const std::string& text, uint16_t* out) {
  uint64_t value = 0;
  if (!ScalarTraits<uint64_t>::Parse(text, &value) || value > 65535) return false;
  *out = static_cast<uint16_t>(value);
  return true;
}

bool ScalarTraits<double>::Parse(const std::string& text, double* out) {
  if (text.empty() || !(std::isdigit(static_cast<unsigned char>(text[0])) || text[0] == '-')) {
    return false;
  }
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(value)) return false;
  *out = value;
  return true;
}

bool ScalarTraits<Duration>::Parse(const std::string& text, Duration* out) {
  return ParseDuration(text, out);
}

bool ScalarTraits<HostPort>::Parse(const std::string& text, HostPort* out) {
  std::optional<HostPort> address = ParseHostPort(text);
  if (!address) return false;
  *out = std::move(*address);
  return true;
}

namespace {

int LineOf(const YAML::Node& node) { return std::max(1, node.Mark().line + 1); }

// How a value that is not what we wanted reads in "got ...".
std::string Describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      return "\"" + node.Scalar() + "\"";
    case YAML::NodeType::Sequence:
      return "a sequence";
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Null:
      return "null";
    case YAML::NodeType::Undefined:
      break;
  }
  return "nothing";
}

}  // namespace

// The keys of one mapping in file order, each with its line and value.
struct MapReader::Entries {
  struct Entry {
    std::string key;
    int line;
    YAML::Node value;
    bool visited = false;
  };
  std::vector<Entry> list;
};

MapReader::MapReader(YamlDocument* document, std::string path, int line, const YAML::Node& node)
    : document_(document),
      path_(std::move(path)),
      line_(line),
      entries_(std::make_unique<Entries>()) {
  for (const auto& item : node) {
    const int key_line = LineOf(item.first);
    if (!item.first.IsScalar()) {
      Fail(key_line, path_, "keys must be plain words, got " + Describe(item.first));
      continue;
    }
    const std::string& key = item.first.Scalar();
    bool duplicate = false;
    for (const Entries::Entry& seen : entries_->list) {
      if (seen.key != key) continue;
      Fail(key_line, ChildPath(key),
           "duplicate key (first at line " + std::to_string(seen.line) + ")");
      duplicate = true;
    }
    if (!duplicate) entries_->list.push_back({key, key_line, item.second});
  }
}

MapReader::~MapReader() = default;

std::string MapReader::ChildPath(std::string_view key) const {
  if (path_.empty()) return std::string(key);
  return path_ + "." + std::string(key);
}

const YAML::Node* MapReader::Find(std::string_view key, Presence presence, int* line) {
  asked_keys_.emplace_back(key);
  for (Entries::Entry& entry : entries_->list) {
    if (entry.key != key) continue;
    entry.visited = true;
    *line = entry.line;
    document_->lines_[ChildPath(key)] = entry.line;
    return &entry.value;
  }
  if (presence == Presence::kRequired) Fail(line_, ChildPath(key), "missing required key");
  return nullptr;
}

void MapReader::Fail(int line, std::string_view path, std::string_view message) {
  Record(document_->Error(line, path, message));
}

void MapReader::Record(Status status) {
  if (first_error_.ok()) first_error_ = std::move(status);
}

void MapReader::BindScalar(std::string_view key, Presence presence, std::string_view expected,
                           const std::function<bool(const std::string&)>& parse) {
  int line = 0;
  const YAML::Node* value = Find(key, presence, &line);
  if (value == nullptr) return;
  if (!value->IsScalar() || !parse(value->Scalar())) {
    Fail(line, ChildPath(key), "expected " + std::string(expected) + ", got " + Describe(*value));
  }
}

void MapReader::BindScalarList(std::string_view key, Presence presence, std::string_view expected,
                               const std::function<bool(const std::string&)>& parse) {
  ForEachElement(key, presence, [&](const YAML::Node& element, const std::string& path, int line) {
    if (!element.IsScalar() || !parse(element.Scalar())) {
      Fail(line, path, "expected " + std::string(expected) + ", got " + Describe(element));
    }
  });
}

void MapReader::RemainingScalars(
    const std::function<void(const std::string&, const std::string&, int)>& take) {
  for (Entries::Entry& entry : entries_->list) {
    if (entry.visited) continue;
    entry.visited = true;
    asked_keys_.push_back(entry.key);
    document_->lines_[ChildPath(entry.key)] = entry.line;
    if (!entry.value.IsScalar()) {
      Fail(entry.line, ChildPath(entry.key), "expected a scalar, got " + Describe(entry.value));
      continue;
    }
    take(entry.key, entry.value.Scalar(), entry.line);
  }
}

bool MapReader::Has(std::string_view key) const {
  for (const Entries::Entry& entry : entries_->list) {
    if (entry.key == key) return true;
  }
  return false;
}

void MapReader::Reject(std::string_view key, std::string_view message) {
  for (const Entries::Entry& entry : entries_->list) {
    if (entry.key == key) return Fail(entry.line, ChildPath(key), message);
  }
  Fail(line_, key.empty() ? path_ : ChildPath(key), message);
}

void MapReader::Section(std::string_view key, Presence presence,
                        const std::function<void(MapReader&)>& bind) {
  int line = 0;
  const YAML::Node* value = Find(key, presence, &line);
  if (value == nullptr) return;
  if (!value->IsMap()) {
    Fail(line, ChildPath(key), "expected a mapping, got " + Describe(*value));
    return;
  }
  MapReader section(document_, ChildPath(key), line, *value);
  bind(section);
  Record(section.Finish());
}

void MapReader::Sequence(std::string_view key, Presence presence,
                         const std::function<void(MapReader&)>& bind) {
  ForEachElement(key, presence, [&](const YAML::Node& element, const std::string& path, int line) {
    if (!element.IsMap()) {
      Fail(line, path, "expected a mapping, got " + Describe(element));
      return;
    }
    MapReader item(document_, path, line, element);
    bind(item);
    Record(item.Finish());
  });
}

void MapReader::ForEachElement(
    std::string_view key, Presence presence,
    const std::function<void(const YAML::Node&, const std::string&, int)>& visit) {
  int line = 0;
  const YAML::Node* value = Find(key, presence, &line);
  if (value == nullptr) return;
  if (!value->IsSequence()) {
    Fail(line, ChildPath(key), "expected a sequence, got " + Describe(*value));
    return;
  }
  for (size_t i = 0; i < value->size(); ++i) {
    const YAML::Node element = (*value)[i];
    const std::string element_path = ChildPath(key) + "[" + std::to_string(i) + "]";
    const int element_line = LineOf(element);
    document_->lines_[element_path] = element_line;
    visit(element, element_path, element_line);
  }
}

Status MapReader::Finish() {
  for (const Entries::Entry& entry : entries_->list) {
    if (entry.visited) continue;
    std::string message = "unknown key";
    if (std::optional<std::string> match = ClosestMatch(entry.key, asked_keys_)) {
      message += " (did you mean '" + *match + "'?)";
    }
    return document_->Error(entry.line, ChildPath(entry.key), message);
  }
  return first_error_;
}

YamlDocument::YamlDocument(std::string source_name, std::unique_ptr<YAML::Node> root)
    : source_name_(std::move(source_name)), root_(std::move(root)) {
  if (root_->IsDefined() && !root_->IsNull()) root_line_ = LineOf(*root_);
}

YamlDocument::YamlDocument(YamlDocument&&) noexcept = default;
YamlDocument& YamlDocument::operator=(YamlDocument&&) noexcept = default;
YamlDocument::~YamlDocument() = default;

Result<YamlDocument> YamlDocument::Parse(std::string_view text, std::string_view source_name) {
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(std::string(source_name) + ":" +
                                   std::to_string(std::max(1, e.mark.line + 1)) +
                                   ": invalid YAML: " + e.msg);
  }
  if (documents.size() > 1) {
    return Status::InvalidArgument(
        std::string(source_name) + ":" + std::to_string(LineOf(documents[1])) +
        ": invalid YAML: expected one document, found " + std::to_string(documents.size()));
  }
  auto root = std::make_unique<YAML::Node>(documents.empty() ? YAML::Node() : documents[0]);
  return YamlDocument(std::string(source_name), std::move(root));
}

Status YamlDocument::Read(const std::function<void(MapReader&)>& bind) {
  if (!root_->IsMap()) {
    const std::string got = root_->IsNull() ? "an empty document" : Describe(*root_);
    return Error(root_line_, "", "expected a mapping at the top level, got " + got);
  }
  try {
    MapReader root(this, "", root_line_, *root_);
    bind(root);
    return root.Finish();
  } catch (const YAML::Exception& e) {
    return Error(std::max(1, e.mark.line + 1), "", e.msg);
  }
}

Status YamlDocument::ErrorAt(const Violation& violation) const {
  std::string_view path = violation.key;
  while (!path.empty()) {
    if (auto it = lines_.find(path); it != lines_.end()) {
      return Error(it->second, violation.key, violation.message);
    }
    const size_t cut = path.find_last_of(".[");
    path = path.substr(0, cut == std::string_view::npos ? 0 : cut);
  }
  return Error(root_line_, violation.key, violation.message);
}

Status YamlDocument::Error(int line, std::string_view path, std::string_view message) const {
  std::string text = source_name_ + ":" + std::to_string(line) + ": ";
  if (!path.empty()) text += std::string(path) + ": ";
  text += message;
  return Status::InvalidArgument(text);
}

}  // namespace baton::config
