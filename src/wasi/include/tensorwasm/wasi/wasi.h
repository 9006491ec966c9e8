// WASI preview 1 (`wasi_snapshot_preview1`) for TensorWasm guests. An embedder fills a
// WasiConfig (arguments, environment, preopened directories, where the three standard streams
// go), creates a WasiContext from it and links the context into a Linker with linkWasi; every
// preview-1 function wasi-libc imports is then defined with its exact Wasm signature.
//
// Sandboxing: the guest reaches files only below its preopened directories. Paths are resolved
// one component at a time from directory descriptors; the host never follows a symlink or a
// ".." on the guest's behalf, so neither can leave a preopen.
//
// Errors: a guest-visible failure is a WASI errno returned to the guest as the i32 result. A
// host failure (proc_exit, an interrupted sleep) is an Error returned from the host function,
// which ends the guest: kind Exit for proc_exit, kind Trap otherwise.
//
// Thread-safety: a WasiContext belongs to one instance and is used by one thread at a time.
// The WasiSystem it uses must tolerate calls from whichever thread runs the guest.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tensorwasm/binary/types.h"
#include "tensorwasm/runtime/instance.h"
#include "tensorwasm/runtime/objects.h"
#include "tensorwasm/support/result.h"

namespace tw {

// The clock, randomness and sleeping a WasiContext uses: the seam that lets tests run the
// time-dependent calls (clock_time_get, poll_oneoff) deterministically.
class WasiSystem {
 public:
  virtual ~WasiSystem() = default;
  // Nanoseconds on WASI clock `id` (0 realtime, 1 monotonic, 2 process CPU, 3 thread CPU);
  // nullopt for an unknown clock.
  virtual std::optional<uint64_t> clockTime(uint32_t id) = 0;
  virtual std::optional<uint64_t> clockResolution(uint32_t id) = 0;
  // Fills `out` with random bytes; false if the host source failed.
  virtual bool randomBytes(std::span<uint8_t> out) = 0;
  // Blocks the calling thread for about `ns` nanoseconds (callers slice long waits).
  virtual void sleep(uint64_t ns) = 0;
  virtual void yield() = 0;
};

// The real host: clock_gettime, getrandom, nanosleep, sched_yield.
std::shared_ptr<WasiSystem> hostWasiSystem();

// Where one standard stream goes.
struct WasiStdio {
  enum class Kind : uint8_t {
    HostFd,   // read/write host descriptor `hostFd` (never closed by the context)
    Capture,  // stdout/stderr: appended to a buffer of at most `captureLimit` bytes;
              // stdin: read from `input`
    Null,     // reads see end of file, writes are discarded (but reported as written)
  };
  Kind kind = Kind::Null;
  int hostFd = -1;
  size_t captureLimit = 1 << 20;
  std::string input;

  static WasiStdio host(int fd) { WasiStdio s; s.kind = Kind::HostFd; s.hostFd = fd; return s; }
  static WasiStdio capture(size_t limit) {
    WasiStdio s; s.kind = Kind::Capture; s.captureLimit = limit; return s;
  }
  static WasiStdio fromBytes(std::string bytes) {
    WasiStdio s; s.kind = Kind::Capture; s.input = std::move(bytes); return s;
  }
  static WasiStdio null() { return WasiStdio{}; }
};

// A host directory made visible to the guest as `guestPath` (`--dir HOST[::GUEST]`).
struct WasiPreopen {
  std::string hostPath;
  std::string guestPath;
  bool readOnly = false;  // withholds every right that creates, changes or removes files
};

struct WasiConfig {
  std::vector<std::string> args;  // argv, program name first
  std::vector<std::string> env;   // "KEY=VALUE" entries, passed through as given
  std::vector<WasiPreopen> preopens;  // guest fds 3, 4, ... in this order
  WasiStdio stdinConfig = WasiStdio::null();
  WasiStdio stdoutConfig = WasiStdio::null();
  WasiStdio stderrConfig = WasiStdio::null();
  uint32_t maxOpenFds = 1024;  // path_open fails with EMFILE past this many guest fds
  // When set and it becomes true, a poll_oneoff sleep ends by trapping with "interrupted"
  // (the server's deadline flag; the engine polls the same flag between instructions).
  const std::atomic<bool>* interrupt = nullptr;
};

// What a Capture stdout/stderr received.
struct WasiCapturedOutput {
  std::string bytes;
  bool truncated = false;  // the guest wrote more than captureLimit; the rest was dropped
};

namespace wasi {
struct WasiState;  // internal
}

// One guest's WASI state: its descriptor table, arguments, environment and captured output.
class WasiContext {
 public:
  // Opens the preopened directories. An Io error names a preopen that cannot be opened as a
  // directory; a Usage error reports a malformed config (an env entry without '=').
  static Result<std::shared_ptr<WasiContext>> create(
      WasiConfig config, std::shared_ptr<WasiSystem> system = nullptr);
  ~WasiContext();
  WasiContext(const WasiContext&) = delete;
  WasiContext& operator=(const WasiContext&) = delete;

  // What a Capture stdout (fd 1) or stderr (fd 2) received so far; empty for other kinds.
  const WasiCapturedOutput& capturedStdout() const;
  const WasiCapturedOutput& capturedStderr() const;
  // Empties both capture buffers (an instance kept across invocations reports each one's own).
  void clearCapturedOutput();
  // The status passed to proc_exit, once the guest has called it.
  std::optional<int32_t> exitCode() const;
  // Returns to the state right after create(): every descriptor the guest opened is closed,
  // the standard streams and preopens are as configured again (preopens reopened), captured
  // output, the stdin position and the exit status are cleared. An Io error when a preopen
  // can no longer be opened (the context then keeps its previous table).
  Result<void> reset();
  // The flag that ends a poll_oneoff sleep from now on (WasiConfig::interrupt); an instance
  // serving many invocations gets each one's flag.
  void setInterrupt(const std::atomic<bool>* interrupt);

  // Internal state, for the call implementations.
  wasi::WasiState& state() { return *state_; }

 private:
  explicit WasiContext(std::unique_ptr<wasi::WasiState> state);
  std::unique_ptr<wasi::WasiState> state_;
};

inline constexpr const char* kWasiModule = "wasi_snapshot_preview1";

// One host function of the preview-1 interface, ready to define or to call directly.
struct WasiFunction {
  std::string name;
  FuncType type;
  HostFunction fn;
  DirectHost direct = {};  // the unboxed entry generated code calls, when there is one
};

// Defines every function of `functions` under `module` in `linker` (all guest interfaces).
void defineFunctions(Linker& linker, const std::string& module, std::vector<WasiFunction> functions);

// Every preview-1 function, bound to `context`. linkWasi defines these; tests call them.
std::vector<WasiFunction> wasiFunctions(std::shared_ptr<WasiContext> context);

// Defines every preview-1 function under module "wasi_snapshot_preview1" in `linker`.
void linkWasi(Linker& linker, std::shared_ptr<WasiContext> context);

}  // namespace tw
