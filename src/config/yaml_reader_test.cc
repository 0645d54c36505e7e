#include "config/yaml_reader.h"

#include <gtest/gtest.h>

namespace baton::config {
namespace {

// A toy schema, small enough to see every rule of the binding layer.
enum class Color { kRed, kGreen };

struct Probe {
  std::string name;
  Duration interval = Duration::Seconds(1);
};

struct Toy {
  std::string name;
  uint64_t count = 7;
  bool enabled = false;
  HostPort address;
  Color color = Color::kRed;
  std::vector<Probe> probes;
};

void BindToy(MapReader& root, Toy* toy) {
  root.Required("name", &toy->name);
  root.Optional("count", &toy->count);
  root.Optional("enabled", &toy->enabled);
  root.Section("net", Presence::kOptional,
               [&](MapReader& net) { net.Required("address", &toy->address); });
  root.OptionalEnum("color", &toy->color, {{"red", Color::kRed}, {"green", Color::kGreen}});
  root.Sequence("probes", Presence::kOptional, [&](MapReader& item) {
    Probe& probe = toy->probes.emplace_back();
    item.Required("name", &probe.name);
    item.Optional("interval", &probe.interval);
  });
}

// Reads `text` into *toy; returns the error message, or "" when it is valid.
std::string Read(std::string_view text, Toy* toy) {
  Result<YamlDocument> document = YamlDocument::Parse(text, "toy.yaml");
  if (!document.has_value()) return document.error().message();
  const Status status = document->Read([&](MapReader& root) { BindToy(root, toy); });
  if (status.ok()) return "";
  EXPECT_TRUE(status.IsInvalidArgument());
  return status.message();
}

std::string Read(std::string_view text) {
  Toy toy;
  return Read(text, &toy);
}

TEST(YamlReader, BindsEveryKindOfField) {
  Toy toy;
  ASSERT_EQ(Read(R"(
name: alpha
count: 3
enabled: true
net: { address: "[::1]:80" }
color: green
probes:
  - { name: a, interval: 250ms }
  - { name: b }
)",
                 &toy),
            "");
  EXPECT_EQ(toy.name, "alpha");
  EXPECT_EQ(toy.count, 3u);
  EXPECT_TRUE(toy.enabled);
  EXPECT_EQ(toy.address, (HostPort{"::1", 80}));
  EXPECT_EQ(toy.color, Color::kGreen);
  ASSERT_EQ(toy.probes.size(), 2u);
  EXPECT_EQ(toy.probes[0].interval, Duration::Millis(250));
  EXPECT_EQ(toy.probes[1].name, "b");
  EXPECT_EQ(toy.probes[1].interval, Duration::Seconds(1));
}

TEST(YamlReader, AbsentOptionalKeysKeepTheirDefaults) {
  Toy toy;
  ASSERT_EQ(Read("name: alpha\n", &toy), "");
  EXPECT_EQ(toy.count, 7u);
  EXPECT_FALSE(toy.enabled);
  EXPECT_EQ(toy.color, Color::kRed);
  EXPECT_TRUE(toy.probes.empty());
}

TEST(YamlReader, UnknownKeyNamesItsLineAndSuggestsTheNearestKey) {
  EXPECT_EQ(Read("name: a\n\ncuont: 3\n"),
            "toy.yaml:3: cuont: unknown key (did you mean 'count'?)");
  EXPECT_EQ(Read("name: a\nnet:\n  adress: \"h:1\"\n"),
            "toy.yaml:3: net.adress: unknown key (did you mean 'address'?)");
  EXPECT_EQ(Read("name: a\nshape: round\n"), "toy.yaml:2: shape: unknown key");
}

TEST(YamlReader, UnknownKeysAreReportedBeforeTheMissingKeyTheyExplain) {
  EXPECT_EQ(Read("nmae: a\n"), "toy.yaml:1: nmae: unknown key (did you mean 'name'?)");
}

TEST(YamlReader, MissingRequiredKeyNamesTheEnclosingMappingsLine) {
  EXPECT_EQ(Read("count: 1\n"), "toy.yaml:1: name: missing required key");
  EXPECT_EQ(Read("name: a\ncount: 1\n\nnet:\n  {}\n"),
            "toy.yaml:4: net.address: missing required key");
  EXPECT_EQ(Read("name: a\nprobes:\n  - { interval: 1s }\n"),
            "toy.yaml:3: probes[0].name: missing required key");
}

TEST(YamlReader, WrongScalarTypesQuoteWhatWasWritten) {
  EXPECT_EQ(Read("name: a\ncount: abc\n"),
            "toy.yaml:2: count: expected a positive integer, got \"abc\"");
  EXPECT_EQ(Read("name: a\ncount: 0\n"),
            "toy.yaml:2: count: expected a positive integer, got \"0\"");
  EXPECT_EQ(Read("name: a\ncount: -4\n"),
            "toy.yaml:2: count: expected a positive integer, got \"-4\"");
  EXPECT_EQ(Read("name: a\ncount: 18446744073709551616\n"),
            "toy.yaml:2: count: expected a positive integer, got \"18446744073709551616\"");
  EXPECT_EQ(Read("name: a\nenabled: yes\n"),
            "toy.yaml:2: enabled: expected true or false, got \"yes\"");
  EXPECT_EQ(Read("name: a\nnet: { address: localhost }\n"),
            "toy.yaml:2: net.address: expected host:port, got \"localhost\"");
  EXPECT_EQ(Read("name: a\ncolor: blue\n"),
            "toy.yaml:2: color: expected one of red, green, got \"blue\"");
  EXPECT_EQ(Read("name: a\nprobes: [{ name: p, interval: 5 }]\n"),
            "toy.yaml:2: probes[0].interval: expected a duration such as 500ms or 10s, got \"5\"");
}

TEST(YamlReader, WrongNodeKindsAreTypeErrors) {
  EXPECT_EQ(Read("name: [a, b]\n"), "toy.yaml:1: name: expected a string, got a sequence");
  EXPECT_EQ(Read("name:\n"), "toy.yaml:1: name: expected a string, got null");
  EXPECT_EQ(Read("name: a\nnet: 3\n"), "toy.yaml:2: net: expected a mapping, got \"3\"");
  EXPECT_EQ(Read("name: a\nprobes: { name: p }\n"),
            "toy.yaml:2: probes: expected a sequence, got a mapping");
  EXPECT_EQ(Read("name: a\nprobes:\n  - p\n"),
            "toy.yaml:3: probes[0]: expected a mapping, got \"p\"");
}

TEST(YamlReader, DuplicateKeysAreErrors) {
  EXPECT_EQ(Read("name: a\ncount: 1\ncount: 2\n"),
            "toy.yaml:3: count: duplicate key (first at line 2)");
}

TEST(YamlReader, OnlyAMappingMayBeTheDocument) {
  EXPECT_EQ(Read("- a\n- b\n"), "toy.yaml:1: expected a mapping at the top level, got a sequence");
  EXPECT_EQ(Read("# only a comment\n"),
            "toy.yaml:1: expected a mapping at the top level, got an empty document");
}

TEST(YamlReader, MalformedYamlIsReportedWithItsLine) {
  const std::string message = Read("name: a\nnet: { address: \"h:1\"\n");
  EXPECT_EQ(message.rfind("toy.yaml:", 0), 0u) << message;
  EXPECT_NE(message.find("invalid YAML"), std::string::npos) << message;
  EXPECT_EQ(Read("name: a\n---\nname: b\n"),
            "toy.yaml:3: invalid YAML: expected one document, found 2");
}

TEST(YamlDocument, ErrorAtUsesTheLineOfTheKeyOrOfItsNearestWrittenAncestor) {
  Result<YamlDocument> document = YamlDocument::Parse(
      "name: a\nnet:\n  address: \"h:1\"\nprobes:\n  - { name: p }\n", "toy.yaml");
  ASSERT_TRUE(document.has_value());
  Toy toy;
  ASSERT_TRUE(document->Read([&](MapReader& root) { BindToy(root, &toy); }).ok());
  EXPECT_EQ(document->ErrorAt({"net.address", "taken"}).message(),
            "toy.yaml:3: net.address: taken");
  EXPECT_EQ(document->ErrorAt({"probes[0].interval", "too short"}).message(),
            "toy.yaml:5: probes[0].interval: too short");
  EXPECT_EQ(document->ErrorAt({"count", "too many"}).message(), "toy.yaml:1: count: too many");
}

}  // namespace
}  // namespace baton::config
