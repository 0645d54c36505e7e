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
#include <string>
#include <vector>

namespace baton::scenario {

// Executes one command line and returns the lines it printed.
using Runner = std::function<std::vector<std::string>(const std::string& command)>;

// `make_runner` is called once per file, so every story starts from scratch.
void RunScenarioFiles(const std::string& folder, const std::function<Runner()>& make_runner);

}  // namespace baton::scenario
