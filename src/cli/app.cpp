// The root of the command tree: --version, --help, subcommand registration and the mapping of
// CLI11's parse errors to exit code 2 ("error: <cause>" on stderr).
#include "tensorwasm/cli/app.h"

#include <CLI/CLI.hpp>
#include <iostream>
#include <string_view>
#include <vector>

#include "common.h"

namespace tw::cli {

const char* versionString() {
  return "tensorwasm " TW_VERSION " (commit " TW_GIT_COMMIT ")";
}

int runMain(int argc, const char* const* argv) {
  CLI::App app{"TensorWasm: a WebAssembly runtime whose guests reach GPUs", "tensorwasm"};
  app.set_version_flag("--version", versionString());
  app.require_subcommand(1);
  app.fallthrough(false);

  // Everything after "--" belongs to the guest (`run FILE -- -v x`). CLI11 would hand it to
  // the root app, which takes no positionals, so it is split off before parsing.
  std::vector<const char*> own(argv, argv + argc);
  std::vector<std::string> trailing;
  for (size_t i = 1; i < own.size(); ++i) {
    if (std::string_view(own[i]) == "--") {
      trailing.assign(own.begin() + static_cast<std::ptrdiff_t>(i) + 1, own.end());
      own.resize(i);
      break;
    }
  }

  CommandAction action;
  addRunCommand(app, action, trailing);
  addValidateCommand(app, action);
  addInspectCommand(app, action);
  addWastCommand(app, action);
  addGpuCommand(app, action);
  addBenchCommand(app, action);
  addCompileCommand(app, action);
  addSnapshotCommand(app, action);
  addServeCommand(app, action);
  addClientCommands(app, action);
  addKernelCommand(app, action);

  try {
    app.parse(static_cast<int>(own.size()), own.data());
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::cerr << "error: " << e.what() << "\n";
    std::cerr << "run with --help for usage\n";
    return kExitUsage;
  }
  if (!action) return reportError("no command given", kExitUsage);
  if (!trailing.empty() && !app.got_subcommand("run")) {
    return reportError("arguments after -- are only accepted by `run`", kExitUsage);
  }
  try {
    return action();
  } catch (const std::exception& e) {
    return reportError(std::string("internal error: ") + e.what(), kExitGeneric);
  }
}

}  // namespace tw::cli
