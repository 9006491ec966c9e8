// Shared helpers of the subcommands: file reading, tier selection, error reporting.
#include "common.h"

#include <fstream>
#include <iostream>
#include <iterator>

#include "tensorwasm/cli/app.h"
#include "tensorwasm/exec/interpreter.h"
#ifdef TW_ENABLE_JIT
#include "tensorwasm/jit/jit.h"
#include "tensorwasm/service/code_cache.h"
#endif
#include "tensorwasm/runtime/trap.h"

namespace tw::cli {

Result<std::vector<uint8_t>> readFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return makeError(ErrorKind::Io, "cannot read '" + path + "'");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return makeError(ErrorKind::Io, "cannot read '" + path + "'");
  return bytes;
}

#ifdef TW_ENABLE_JIT
std::shared_ptr<CodeCache> openCodeCache() {
  const char* setting = std::getenv("TENSOR_WASM_CODE_CACHE");
  if (setting && std::string_view(setting) == "off") return nullptr;
  auto cache = service::ArtifactCodeCache::openFromEnvironment();
  if (cache.ok()) return cache.value();
  std::cerr << "warning: code cache unavailable, compiling without it: " << cache.error().describe() << "\n";
  return nullptr;
}
#endif

Result<std::unique_ptr<ExecutionTier>> makeTier(const std::string& name, bool codeCache,
                                                std::optional<CompiledFile> file) {
  if (name != "interp" && name != "jit" && name != "auto") {
    return makeError(ErrorKind::Usage, "unknown tier '" + name + "' (expected interp, jit or auto)");
  }
#ifdef TW_ENABLE_JIT
  if (name == "interp") return makeInterpreterTier();
  JitOptions options;
  if (codeCache) options.cache = openCodeCache();
  if (file) options.cache = cacheWithFile(std::move(*file), options.cache);
  return name == "jit" ? makeJitTier(options) : makeAutoTier(options);
#else
  if (name == "jit") {
    return makeError(ErrorKind::Unsupported, "optimizing tier not available in this build (use --tier interp)");
  }
  return makeInterpreterTier();
#endif
}

int exitCodeFor(const Error& error) {
  switch (error.kind) {
    case ErrorKind::Malformed:
    case ErrorKind::Invalid:
    case ErrorKind::Usage:
    case ErrorKind::Io:
      return kExitUsage;
    case ErrorKind::Unsupported:  // a module using a refused proposal is an invalid module
      return kExitUsage;
    case ErrorKind::Trap:
      return isTrap(error, TrapKind::Interrupted) ? kExitDeadline : kExitTrap;
    case ErrorKind::Instantiate:
      return kExitTrap;
    case ErrorKind::Exit:
      return error.code;
    case ErrorKind::Limit:  // the module asks for more than this run allows: refused locally
      return kExitUsage;
    case ErrorKind::Link:
    case ErrorKind::Gpu:
    case ErrorKind::Storage:
      return kExitGeneric;
  }
  return kExitGeneric;
}

int reportError(const Error& error) {
  if (error.kind == ErrorKind::Exit) return error.code;
  if (error.kind == ErrorKind::Trap && isTrap(error, TrapKind::Interrupted)) {
    std::cerr << "error: deadline exceeded (guest interrupted)\n";
  } else if (error.kind == ErrorKind::Trap) {
    std::cerr << "error: trap: " << error.message << "\n";
  } else {
    std::cerr << "error: " << error.describe() << "\n";
  }
  if (!error.backtrace.empty()) {
    std::cerr << "wasm backtrace:\n";
    for (size_t i = 0; i < error.backtrace.size(); ++i) {
      std::cerr << "  " << i << ": " << error.backtrace[i] << "\n";
    }
  }
  return exitCodeFor(error);
}

int reportTierError(const Error& error) {
  std::cerr << "error: " << error.message << "\n";
  return error.kind == ErrorKind::Unsupported ? kExitUnsupported : kExitUsage;
}

int reportError(const std::string& message, int code) {
  std::cerr << "error: " << message << "\n";
  return code;
}

}  // namespace tw::cli
