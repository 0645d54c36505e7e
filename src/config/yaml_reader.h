// The YAML binding layer: reads a configuration file into plain structs,
// one mapping at a time, and turns every mistake into an InvalidArgument
// Status of the form
//
//   "<source>:<line>: <key path>: <what is wrong>"
//
// with a 1-based line. A section binder is a few lines:
//
//   void BindTiming(MapReader& m, TimingConfig* t) {
//     m.Optional("tick", &t->tick);            // absent: keeps the default
//     m.Required("election_timeout", &t->election_timeout);
//   }
//   root.Section("timing", Presence::kOptional, [&](MapReader& m) { BindTiming(m, &c.timing); });
//
// Rules every mapping follows: a key that no binder asked for is an error
// ("unknown key", with a "did you mean" suggestion among the keys that were
// asked for); a duplicate key is an error; a value of the wrong type is an
// error; a missing required key is an error at the line of the enclosing
// mapping. Only the first error is reported; within one mapping unknown keys
// come first, because a misspelled key usually also causes a "missing" one.
//
// yaml-cpp stays behind this header (only .cc files include it) and its
// exceptions stop here. Not thread-safe; one document per thread.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/host_port.h"
#include "config/violation.h"
#include "core/result.h"
#include "core/status.h"
#include "core/time.h"

namespace YAML {
class Node;
}  // namespace YAML

namespace baton::config {

// The text of the configuration file at `path`. A file that cannot be read
// (missing, a directory, an I/O error) is IOError "<path>: <reason>".
Result<std::string> ReadConfigFile(const std::string& path);

enum class Presence { kRequired, kOptional };

// How a scalar type is read. `kExpected` completes "expected ..., got "x"";
// `Parse` returns false (and may leave *out alone) for text it refuses.
template <typename T>
struct ScalarTraits;

template <>
struct ScalarTraits<std::string> {  // any scalar, as written
  static constexpr std::string_view kExpected = "a string";
  static bool Parse(const std::string& text, std::string* out);
};
template <>
struct ScalarTraits<bool> {  // only "true" and "false"
  static constexpr std::string_view kExpected = "true or false";
  static bool Parse(const std::string& text, bool* out);
};
template <>
struct ScalarTraits<uint64_t> {  // ids and counts: decimal, 1..2^64-1
  static constexpr std::string_view kExpected = "a positive integer";
  static bool Parse(const std::string& text, uint64_t* out);
};
template <>
struct ScalarTraits<int> {  // counts and priorities that may be 0: decimal, 0..2^31-1
  static constexpr std::string_view kExpected = "a non-negative integer";
  static bool Parse(const std::string& text, int* out);
};
template <>
struct ScalarTraits<uint16_t> {  // TCP ports
  static constexpr std::string_view kExpected = "a port (1-65535)";
  static bool Parse(const std::string& text, uint16_t* out);
};
template <>
struct ScalarTraits<double> {  // factors: "2", "1.5"
  static constexpr std::string_view kExpected = "a number";
  static bool Parse(const std::string& text, double* out);
};
template <>
struct ScalarTraits<Duration> {  // baton::ParseDuration: "500ms", "10s", "2m"
  static constexpr std::string_view kExpected = "a duration such as 500ms or 10s";
  static bool Parse(const std::string& text, Duration* out);
};
template <>
struct ScalarTraits<HostPort> {  // config::ParseHostPort
  static constexpr std::string_view kExpected = "host:port";
  static bool Parse(const std::string& text, HostPort* out);
};

class YamlDocument;

// One YAML mapping being bound. Made only by YamlDocument and by Section and
// Sequence, which hand it to a binder callback; it does not outlive the call.
class MapReader {
 public:
  MapReader(const MapReader&) = delete;
  MapReader& operator=(const MapReader&) = delete;
  ~MapReader();

  // Typed scalars (see ScalarTraits). An absent key keeps *out as it was,
  // which is the in-class default of the struct being filled.
  template <typename T>
  void Required(std::string_view key, T* out) {
    BindScalar(key, Presence::kRequired, ScalarTraits<T>::kExpected,
               [out](const std::string& text) { return ScalarTraits<T>::Parse(text, out); });
  }
  template <typename T>
  void Optional(std::string_view key, T* out) {
    BindScalar(key, Presence::kOptional, ScalarTraits<T>::kExpected,
               [out](const std::string& text) { return ScalarTraits<T>::Parse(text, out); });
  }

  // An enum written as one of a fixed set of words: {{"text", Format::kText}, ...}.
  template <typename E>
  void OptionalEnum(std::string_view key, E* out,
                    std::initializer_list<std::pair<std::string_view, E>> names) {
    std::string expected;
    for (const auto& [name, value] : names) {
      expected += expected.empty() ? "one of " : ", ";
      expected += name;
    }
    BindScalar(key, Presence::kOptional, expected, [out, names](const std::string& text) {
      for (const auto& [name, value] : names) {
        if (text == name) {
          *out = value;
          return true;
        }
      }
      return false;
    });
  }

  // A sequence of scalars, each read as T; element i is "key[i]" in errors.
  // An absent key keeps *out; a present one replaces it.
  template <typename T>
  void List(std::string_view key, Presence presence, std::vector<T>* out) {
    std::vector<T> items;
    BindScalarList(key, presence, ScalarTraits<T>::kExpected, [&items](const std::string& text) {
      T value{};
      if (!ScalarTraits<T>::Parse(text, &value)) return false;
      items.push_back(std::move(value));
      return true;
    });
    if (Has(key)) *out = std::move(items);
  }

  // Every key of this mapping no binder has asked for so far, in file order,
  // as (key, scalar text, line): for free-form settings such as an adapter's.
  // Marks them asked for; a value that is not a scalar is an error.
  void RemainingScalars(
      const std::function<void(const std::string& key, const std::string& value, int line)>& take);

  // True when `key` is written in this mapping (whether or not bound yet).
  bool Has(std::string_view key) const;

  // Reports a rule broken inside this mapping: at the line of `key` when it
  // is written here, else at the mapping's own line (an empty `key` blames
  // the mapping itself).
  void Reject(std::string_view key, std::string_view message);

  // The line of this mapping (its first key).
  int line() const { return line_; }

  // The primitive under the typed binders: reads `key` as a scalar and hands
  // its text to `parse`; a false return is "expected <expected>, got "<text>"".
  void BindScalar(std::string_view key, Presence presence, std::string_view expected,
                  const std::function<bool(const std::string&)>& parse);

  // The primitive under List: `parse` runs once per element, in order.
  void BindScalarList(std::string_view key, Presence presence, std::string_view expected,
                      const std::function<bool(const std::string&)>& parse);

  // A nested mapping, bound by `bind`.
  void Section(std::string_view key, Presence presence,
               const std::function<void(MapReader&)>& bind);

  // A sequence of mappings; `bind` runs once per element, in order, with the
  // element's key path "key[i]". An empty sequence calls it zero times.
  void Sequence(std::string_view key, Presence presence,
                const std::function<void(MapReader&)>& bind);

  // "timing", "peers[1]"; empty for the top-level mapping.
  const std::string& path() const { return path_; }

 private:
  friend class YamlDocument;
  struct Entries;

  MapReader(YamlDocument* document, std::string path, int line, const YAML::Node& node);

  std::string ChildPath(std::string_view key) const;
  // The entry for `key`, marked as asked for and visited; nullptr if absent.
  // Records the key's line and, if absent and required, the missing-key error.
  const YAML::Node* Find(std::string_view key, Presence presence, int* line);
  void Fail(int line, std::string_view path, std::string_view message);
  // Runs `visit` on each element of the sequence at `key` with its key path
  // ("key[i]") and line; reports a value that is not a sequence.
  void ForEachElement(std::string_view key, Presence presence,
                      const std::function<void(const YAML::Node& element, const std::string& path,
                                               int line)>& visit);
  // Keeps `status` if it is the first error of this mapping.
  void Record(Status status);
  Status Finish();

  YamlDocument* document_;
  std::string path_;
  int line_;
  std::unique_ptr<Entries> entries_;
  std::vector<std::string> asked_keys_;
  Status first_error_;
};

// A parsed YAML text and the lines its keys were found on.
class YamlDocument {
 public:
  // Parses one YAML document. Malformed YAML, or more than one document, is
  // InvalidArgument "<source>:<line>: invalid YAML: ...". `source_name`
  // prefixes every error (normally the file path as the user gave it).
  static Result<YamlDocument> Parse(std::string_view text, std::string_view source_name);

  YamlDocument(YamlDocument&&) noexcept;
  YamlDocument& operator=(YamlDocument&&) noexcept;
  ~YamlDocument();

  // Binds the top-level mapping with `bind`; returns the first error (see the
  // file comment) or OK. Call once.
  Status Read(const std::function<void(MapReader&)>& bind);

  // An error for a rule checked after Read, at the line of `violation.key`
  // or, when that key was not written, of its nearest written ancestor
  // ("timing.heartbeat" -> "timing" -> the top of the file).
  Status ErrorAt(const Violation& violation) const;

  const std::string& source_name() const { return source_name_; }

 private:
  friend class MapReader;

  YamlDocument(std::string source_name, std::unique_ptr<YAML::Node> root);
  Status Error(int line, std::string_view path, std::string_view message) const;

  std::string source_name_;
  std::unique_ptr<YAML::Node> root_;
  int root_line_ = 1;
  std::map<std::string, int, std::less<>> lines_;  // key path -> 1-based line
};

}  // namespace baton::config
