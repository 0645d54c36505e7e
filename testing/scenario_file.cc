#include "testing/scenario_file.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

namespace baton::scenario {
namespace {

struct Block {
  std::vector<std::string> comments;
  std::string command;
  std::vector<std::string> expected;
};

std::vector<Block> Parse(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<Block> blocks;
  Block block;
  bool in_output = false;
  for (std::string line; std::getline(in, line);) {
    if (in_output) {
      if (line.empty()) {
        blocks.push_back(std::exchange(block, {}));
        in_output = false;
      } else {
        block.expected.push_back(line);
      }
    } else if (line.empty()) {
      continue;
    } else if (line[0] == '#') {
      block.comments.push_back(line);
    } else if (line == "----") {
      in_output = true;
    } else {
      block.command = line;
    }
  }
  if (in_output) blocks.push_back(block);
  return blocks;
}

void Write(const std::filesystem::path& path, const std::vector<Block>& blocks) {
  std::ofstream out(path);
  for (size_t i = 0; i < blocks.size(); ++i) {
    if (i > 0) out << "\n";
    for (const std::string& c : blocks[i].comments) out << c << "\n";
    out << blocks[i].command << "\n----\n";
    for (const std::string& e : blocks[i].expected) out << e << "\n";
  }
}

std::vector<std::filesystem::path> ScenarioFiles(const std::string& folder) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    if (entry.path().extension() == ".txt") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

bool IsPlainName(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  }
  return true;
}

}  // namespace

CommandLine ParseCommand(const std::string& line) {
  std::istringstream in(line);
  CommandLine command;
  in >> command.verb;
  for (std::string word; in >> word;) {
    const size_t eq = word.find('=');
    if (eq != std::string::npos && IsPlainName(std::string_view(word).substr(0, eq))) {
      command.args[word.substr(0, eq)] = word.substr(eq + 1);
    } else {
      command.words.push_back(word);
    }
  }
  return command;
}

void RunScenarioFiles(const std::string& folder, const std::function<Runner()>& make_runner) {
  const bool rewrite = std::getenv("BATON_REWRITE") != nullptr;
  const std::vector<std::filesystem::path> files = ScenarioFiles(folder);
  ASSERT_FALSE(files.empty()) << "no scenario files in " << folder;
  for (const auto& path : files) {
    SCOPED_TRACE(path.filename().string());
    std::vector<Block> blocks = Parse(path);
    ASSERT_FALSE(blocks.empty());
    Runner run = make_runner();
    for (Block& block : blocks) {
      std::vector<std::string> actual = run(block.command);
      if (rewrite) {
        block.expected = std::move(actual);
      } else {
        EXPECT_EQ(actual, block.expected) << "command: " << block.command;
      }
    }
    if (rewrite) Write(path, blocks);
  }
}

}  // namespace baton::scenario
