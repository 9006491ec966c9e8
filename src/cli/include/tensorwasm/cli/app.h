// Entry point of the `tensorwasm` command, as a library function so tests can run it.
// Exit codes (cli.md): 0 success, 1 generic failure, 2 bad usage or invalid module, 3 feature
// not available, 4 guest trapped, 124 deadline exceeded, else a WASI proc_exit code.
#pragma once

namespace tw::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitGeneric = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitUnsupported = 3;
inline constexpr int kExitTrap = 4;
inline constexpr int kExitDeadline = 124;

// Parses argv, runs the subcommand, returns the process exit code. Errors go to stderr as
// "error: <cause>".
int runMain(int argc, const char* const* argv);

// "tensorwasm 0.1.0 (commit abc1234)".
const char* versionString();

}  // namespace tw::cli
