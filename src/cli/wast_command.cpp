// `tensorwasm wast [--tier interp|jit] [--verbose] [--exclude FILE] FILE.wast|FILE.json...`:
// the spec-test runner on the command line. Exit 0 only when nothing failed.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>

#include "common.h"
#include "tensorwasm/cli/app.h"
#include "tensorwasm/support/units.h"
#include "tensorwasm/cli/wast.h"

namespace tw::cli {
namespace {

struct WastArgs {
  std::vector<std::string> files;
  std::string tier = "interp";
  bool verbose = false;
  std::string exclusions;
  bool noExclusions = false;
  std::string timeout = "60s";
  bool noIsolate = false;
};

int runWastCommand(const WastArgs& args) {
  auto tier = makeTier(args.tier);
  if (!tier.ok()) return reportTierError(tier.error());
  WastOptions options;
  options.verbose = args.verbose;
  options.tier = args.tier;
  options.isolate = !args.noIsolate;
  Result<std::chrono::nanoseconds> timeout = parseDuration(args.timeout);
  if (!timeout.ok()) return reportError(timeout.error());
  options.commandTimeout = std::chrono::duration_cast<std::chrono::milliseconds>(timeout.value());
  if (!args.noExclusions) {
    std::string path = args.exclusions.empty() ? TW_DEFAULT_EXCLUSIONS : args.exclusions;
    std::error_code ec;
    bool explicitList = !args.exclusions.empty();
    if (explicitList || std::filesystem::exists(path, ec)) {
      Result<WastExclusions> ex = loadWastExclusions(path);
      if (!ex.ok()) return reportError(ex.error());
      options.exclusions = std::move(ex).value();
    }
  }
  WastCounts total = runWastFiles(args.files, options, std::cout);
  return total.failed == 0 ? kExitOk : kExitGeneric;
}

}  // namespace

void addWastCommand(CLI::App& app, CommandAction& action) {
  auto args = std::make_shared<WastArgs>();
  CLI::App* sub = app.add_subcommand("wast", "Run spec-test scripts (.wast via wast2json, or wast2json .json)");
  sub->add_option("files", args->files, "Scripts: FILE.wast or FILE.json")->required();
  sub->add_option("--tier", args->tier, "Execution tier: interp or jit")->check(CLI::IsMember({"interp", "jit", "auto"}));
  sub->add_flag("-v,--verbose", args->verbose, "Print every failure with its line and reason");
  sub->add_option("--exclude", args->exclusions,
                  "Exclusion list (NAME[:LINE] reason per line); default: the one built in");
  sub->add_flag("--no-exclude", args->noExclusions, "Run everything, ignoring the exclusion list");
  sub->add_option("--command-timeout", args->timeout, "Interrupt a command running longer (default 60s)");
  sub->add_flag("--no-isolate", args->noIsolate,
                "Run every script in this process (by default each runs in a child, so a crash fails one file)");
  sub->callback([args, &action] { action = [args] { return runWastCommand(*args); }; });
}

}  // namespace tw::cli
