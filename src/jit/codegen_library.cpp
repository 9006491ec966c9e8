#include "codegen_library.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <mutex>
#include <optional>

#include "build_id.h"
#include "codegen_abi.h"

namespace tw::jit {
namespace {

std::string executableDirectory() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "";
  std::string path(buf, static_cast<size_t>(n));
  return path.substr(0, path.rfind('/'));
}

std::vector<std::string> candidatePaths() {
  if (const char* env = std::getenv("TENSOR_WASM_CODEGEN_LIBRARY"); env && *env) return {env};
  std::string dir = executableDirectory();
  return {dir + "/" TW_CODEGEN_LIBRARY_NAME, dir + "/../lib/tensorwasm/" TW_CODEGEN_LIBRARY_NAME,
          TW_CODEGEN_BUILD_PATH};
}

Result<std::string> findLibrary() {
  std::string tried;
  for (const std::string& path : candidatePaths()) {
    if (access(path.c_str(), R_OK) == 0) return path;
    tried += (tried.empty() ? "" : ", ") + path;
  }
  return makeError(ErrorKind::Unsupported, "optimizing tier: code generator library not found (looked at " + tried + ")");
}

// The library's entry, loaded once; never unloaded (LLVM keeps global state).
Result<TwCodegenCompileFn> entry() {
  static std::once_flag once;
  static TwCodegenCompileFn fn = nullptr;
  static std::optional<Error> failure;
  std::call_once(once, [] {
    Result<std::string> path = codegenLibraryPath();
    if (!path.ok()) {
      failure = path.error();
      return;
    }
    void* handle = dlopen(path.value().c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    void* symbol = handle ? dlsym(handle, TW_CODEGEN_ENTRY) : nullptr;
    if (!symbol) {
      const char* why = dlerror();
      failure = makeError(ErrorKind::Unsupported, "optimizing tier: cannot load " + path.value() + ": " +
                                                      (why ? why : "no " TW_CODEGEN_ENTRY));
      return;
    }
    fn = reinterpret_cast<TwCodegenCompileFn>(symbol);
  });
  if (!fn) return *failure;
  return fn;
}

struct Collected {
  ObjectFiles objects;
  std::optional<Error> error;
};

}  // namespace

Result<std::string> codegenLibraryPath() {
  static const Result<std::string> path = findLibrary();
  return path;
}

Result<std::string> codegenLibraryBuildId() {
  static const Result<std::string> id = [] () -> Result<std::string> {
    TW_ASSIGN(std::string path, codegenLibraryPath());
    return fileBuildId(path);
  }();
  return id;
}

Result<ObjectFiles> generateObjects(std::span<const uint8_t> wasm, uint64_t maxModuleBytes, unsigned threads,
                                    uint64_t partitionBytes) {
  TW_ASSIGN(TwCodegenCompileFn compile, entry());
  TwCodegenRequest request{wasm.data(), wasm.size(), maxModuleBytes, threads, partitionBytes};
  Collected out;
  TwCodegenSink sink{
      &out,
      [](void* c, const uint8_t* bytes, uint64_t size) {
        static_cast<Collected*>(c)->objects.emplace_back(reinterpret_cast<const char*>(bytes), size);
      },
      [](void* c, int kind, const char* message) {
        // Kinds the library reports: the module's own faults, or its limits.
        bool known = kind == static_cast<int>(ErrorKind::Malformed) || kind == static_cast<int>(ErrorKind::Invalid) ||
                     kind == static_cast<int>(ErrorKind::Limit);
        static_cast<Collected*>(c)->error = makeError(known ? static_cast<ErrorKind>(kind) : ErrorKind::Unsupported, message);
      }};
  if (compile(&request, &sink) != 0 || out.error) {
    return out.error ? *out.error : makeError(ErrorKind::Unsupported, "optimizing tier: code generation failed");
  }
  return std::move(out.objects);
}

}  // namespace tw::jit
