// `tensorwasm validate FILE.wasm`: decodes and validates; prints `ok`, or the first error
// with its byte offset on stderr and exits 2.
#include <CLI/CLI.hpp>
#include <iostream>

#include "common.h"
#include "tensorwasm/binary/decoder.h"
#include "tensorwasm/cli/app.h"

namespace tw::cli {
namespace {

int runValidate(const std::string& file) {
  Result<std::vector<uint8_t>> bytes = readFileBytes(file);
  if (!bytes.ok()) return reportError(bytes.error());
  Result<Module> module = loadModule(bytes.value());
  if (!module.ok()) {
    const Error& e = module.error();
    std::cerr << "error: " << file << ": " << errorKindName(e.kind) << ": " << e.describe() << "\n";
    return kExitUsage;
  }
  std::cout << "ok\n";
  return kExitOk;
}

}  // namespace

void addValidateCommand(CLI::App& app, CommandAction& action) {
  auto file = std::make_shared<std::string>();
  CLI::App* sub = app.add_subcommand("validate", "Check that a module decodes and validates");
  sub->add_option("file", *file, "The module (.wasm)")->required();
  sub->callback([file, &action] { action = [file] { return runValidate(*file); }; });
}

}  // namespace tw::cli
