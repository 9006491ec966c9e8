// Test helper: runs a command line (argv, each argument shell-quoted) and captures its exit
// code, stdout and stderr; finds Node.js for the differential tests and the tensorwasm binary.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace tw::testing {

struct RunResult {
  int exitCode = -1;  // 128 + signal when the process was killed
  std::string out;
  std::string err;
};

// The tensorwasm executable under test: $TENSORWASM (set by the GPU bundle, whose binaries
// live elsewhere than the build tree), else the one this build made.
inline std::string tensorwasmBinary() {
  if (const char* env = std::getenv("TENSORWASM"); env && *env) return env;
  return TW_TENSORWASM_BIN;
}

inline std::string shellQuote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') q += "'\\''";
    else q += c;
  }
  return q + "'";
}

inline std::string readFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline RunResult runShell(const std::vector<std::string>& argv) {
  namespace fs = std::filesystem;
  static int counter = 0;
  fs::path errFile = fs::temp_directory_path() /
                     ("tw_run_err_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
  std::string cmd;
  for (const auto& a : argv) cmd += shellQuote(a) + " ";
  cmd += "2>" + shellQuote(errFile.string());
  RunResult r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int status = ::pclose(p);
  r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  r.err = readFile(errFile);
  fs::remove(errFile);
  return r;
}

// $NODE, else node in the usual places; empty when there is none.
inline std::string findNode() {
  if (const char* env = std::getenv("NODE"); env && *env) return env;
  for (const char* dir : {"/usr/bin", "/usr/local/bin", "/opt/homebrew/bin"}) {
    std::filesystem::path p = std::filesystem::path(dir) / "node";
    if (std::filesystem::exists(p)) return p.string();
  }
  return "";
}

}  // namespace tw::testing
