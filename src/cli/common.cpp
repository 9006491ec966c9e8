// Shared helpers of the subcommands: file reading, tier selection, error reporting.
#include "common.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <iostream>

#include "tensorwasm/cli/app.h"
#include "tensorwasm/exec/interpreter.h"
#ifdef TW_ENABLE_JIT
#include "tensorwasm/jit/jit.h"
#include "tensorwasm/service/code_cache.h"
#endif
#include "tensorwasm/runtime/trap.h"

namespace tw::cli {

namespace {

// Reads up to `n` bytes into `out`, retrying after signals: the count read (short only at end
// of file), or -1 on an error.
ssize_t readFully(int fd, uint8_t* out, size_t n) {
  size_t done = 0;
  while (done < n) {
    ssize_t got = read(fd, out + done, n - done);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return -1;
    if (got == 0) break;
    done += static_cast<size_t>(got);
  }
  return static_cast<ssize_t>(done);
}

}  // namespace

// Reads a regular file in one go at its size (a byte-wise stream read was 5% of a `run`'s
// start), then whatever follows until end of file (pipes, files that grew).
Result<std::vector<uint8_t>> readFileBytes(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return makeError(ErrorKind::Io, "cannot read '" + path + "'");
  struct stat st{};
  std::vector<uint8_t> bytes;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) bytes.resize(static_cast<size_t>(st.st_size));
  ssize_t got = readFully(fd, bytes.data(), bytes.size());
  if (got >= 0) bytes.resize(static_cast<size_t>(got));
  uint8_t chunk[64 * 1024];
  while (got >= 0 && (got = readFully(fd, chunk, sizeof chunk)) > 0) bytes.insert(bytes.end(), chunk, chunk + got);
  close(fd);
  if (got < 0) return makeError(ErrorKind::Io, "cannot read '" + path + "'");
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
