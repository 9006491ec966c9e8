// Helpers shared by the subcommands (internal to the CLI layer): reading files, choosing a
// tier, printing errors in the "error: <cause>" form and mapping them to exit codes.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "compiled_file.h"
#include "tensorwasm/runtime/instance.h"
#include "tensorwasm/support/result.h"

namespace CLI {
class App;
}

namespace tw::cli {

// A parsed subcommand's work, run after argument parsing succeeded; returns the exit code.
using CommandAction = std::function<int()>;

// Each subcommand file registers itself on the root app; on being selected it sets `action`.
// `trailing`: the arguments after "--", appended to the guest's ARGS.
void addRunCommand(CLI::App& app, CommandAction& action, std::vector<std::string> trailing);
void addValidateCommand(CLI::App& app, CommandAction& action);
void addInspectCommand(CLI::App& app, CommandAction& action);
void addWastCommand(CLI::App& app, CommandAction& action);
void addGpuCommand(CLI::App& app, CommandAction& action);
void addBenchCommand(CLI::App& app, CommandAction& action);
void addCompileCommand(CLI::App& app, CommandAction& action);
void addSnapshotCommand(CLI::App& app, CommandAction& action);
void addServeCommand(CLI::App& app, CommandAction& action);
void addClientCommands(CLI::App& app, CommandAction& action);
void addKernelCommand(CLI::App& app, CommandAction& action);

// The whole file; Io error naming the path when it cannot be read.
Result<std::vector<uint8_t>> readFileBytes(const std::string& path);

// An execution tier by --tier name: "interp" and "auto" give the interpreter; "jit" gives the
// optimizing tier, or an Unsupported error ("optimizing tier not available") in a build
// without LLVM (TW_ENABLE_JIT off).
// `codeCache`: the optimizing tiers keep compiled code in the code cache of the data
// directory (TENSOR_WASM_DATA_DIR; TENSOR_WASM_CODE_CACHE=off disables it). A cache that
// cannot be opened costs speed, not the run: a warning, and compilation without it.
// `file`: code from a `.twc` file, tried before the cache.
Result<std::unique_ptr<ExecutionTier>> makeTier(const std::string& name, bool codeCache = false,
                                                std::optional<CompiledFile> file = std::nullopt);

// Prints "error: <cause>" (and a trap's backtrace) to stderr and returns the exit code.
int reportError(const Error& error);
// Reports a makeTier() failure: exit 3 for a tier not built ("the server lacks the feature"),
// 2 for an unknown name.
int reportTierError(const Error& error);
// Prints "error: <message>" and returns `code`.
int reportError(const std::string& message, int code);

// The exit code cli.md gives an error kind.
int exitCodeFor(const Error& error);

}  // namespace tw::cli
