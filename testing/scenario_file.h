// Data-driven scenario files, in the style of etcd-raft's datadriven tests.
//
// A scenario file is a story: blocks of optional "# comment" lines, one
// command line, a "----" line, and the lines the command must print, ending
// at a blank line. RunScenarioFiles runs every *.txt file of a folder (sorted
// by name) through a fresh runner and EXPECTs each command's output to equal
// the block's expected lines. With BATON_REWRITE set in the environment it
// writes the actual output back instead, for review as a diff.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace baton::scenario {

// One command line split at white space: the first word is the verb; a later
// word is a key=value argument when the text before its first '=' is a plain
// name (letters, digits, '_', '-'), and a positional word otherwise, so
// "lease=7" is an argument and "value(k)=v" stays positional.
struct CommandLine {
  std::string verb;
  std::vector<std::string> words;
  std::map<std::string, std::string> args;
};

CommandLine ParseCommand(const std::string& line);

// Executes one command line and returns the lines it printed.
using Runner = std::function<std::vector<std::string>(const std::string& command)>;

// `make_runner` is called once per file, so every story starts from scratch.
void RunScenarioFiles(const std::string& folder, const std::function<Runner()>& make_runner);

}  // namespace baton::scenario
