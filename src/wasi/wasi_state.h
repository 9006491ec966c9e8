// The state behind a WasiContext: the guest's descriptor table and what each descriptor refers
// to (a host file or directory, a preopen, or a standard stream that is a host fd, a capture
// buffer or null), plus the config and system the calls consult. Also the table of call
// implementations each calls_*.cpp file contributes, and the sandboxed path resolver.
// Internal to the wasi layer. Thread-safety: one thread at a time (see wasi.h).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "guest_memory.h"
#include "tensorwasm/runtime/value.h"
#include "tensorwasm/wasi/wasi.h"
#include "wasi_abi.h"

namespace tw::wasi {

// An owned host file descriptor, closed on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept;
  ~UniqueFd();
  int get() const { return fd_; }
  int release() { int f = fd_; fd_ = -1; return f; }
  explicit operator bool() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

// A directory entry as fd_readdir reports it.
struct DirEntry {
  std::string name;
  uint64_t ino = 0;
  Filetype type = Filetype::Unknown;
};

struct FdEntry {
  enum class Kind : uint8_t { Host, Capture, Null };
  Kind kind = Kind::Host;
  UniqueFd owned;        // set for files and directories the context opened
  int hostFd = -1;       // owned.get(), or a borrowed stdio descriptor
  Filetype filetype = Filetype::Unknown;
  uint64_t rightsBase = 0;
  uint64_t rightsInheriting = 0;
  uint16_t fdflags = 0;
  std::optional<std::string> preopenPath;  // guest name, for fd_prestat_*
  int stream = -1;                         // 0/1/2 for Capture/Null standard streams
  std::vector<DirEntry> dirCache;          // fd_readdir listing, refreshed at cookie 0
};

// Outcome of resolving a guest path: the directory holding the final component and the
// component's name (never containing '/', never ".."; "." for the directory itself).
struct ResolvedPath {
  UniqueFd dir;
  std::string name;
  bool trailingSlash = false;  // the guest wrote "name/": the target must be a directory
};

struct WasiState {
  WasiConfig config;
  std::shared_ptr<WasiSystem> system;
  std::map<uint32_t, FdEntry> fds;
  WasiCapturedOutput captured[3];  // indexed by stream; [0] unused
  size_t stdinPos = 0;
  std::optional<int32_t> exitCode;

  // The entry for guest fd `fd`, or nullptr.
  FdEntry* find(uint32_t fd);
  // Looks up `fd` and checks it holds every right in `needed`. On failure `err` is Badf
  // (unknown fd) or NotCapable.
  FdEntry* lookup(uint32_t fd, uint64_t needed, Errno& err);
  // The lowest free guest fd, or nullopt when maxOpenFds are open.
  std::optional<uint32_t> allocateFd() const;

  // Resolves `path` relative to directory entry `dir` without leaving the preopen it
  // descends from: no absolute paths, no ".." above the start, and symlinks followed (only
  // when `followFinal` for the last component) by re-walking their targets under the same
  // rules. Errors: NotCapable for an escape, Loop past 32 symlinks, host errors otherwise.
  Errno resolve(const FdEntry& dir, std::string_view path, bool followFinal,
                ResolvedPath& out) const;
};

// Arguments of one call, already type-checked by the runtime against the declared signature.
// A call's arguments: boxed Values, or the untyped slots generated code passes (no boxing).
class CallArgs {
 public:
  explicit CallArgs(std::span<const Value> v) : first_(v.empty() ? nullptr : &v[0].v), stride_(sizeof(Value)) {}
  explicit CallArgs(const UntypedValue* slots) : first_(slots), stride_(sizeof(UntypedValue)) {}
  uint32_t u32(size_t i) const { return at(i).i32; }
  uint64_t u64(size_t i) const { return at(i).i64; }

 private:
  const UntypedValue& at(size_t i) const {
    return *reinterpret_cast<const UntypedValue*>(reinterpret_cast<const char*>(first_) + i * stride_);
  }
  const UntypedValue* first_;
  size_t stride_;
};

struct CallEnv {
  WasiState& st;
  GuestMemory mem;
};

// A call returns the guest's errno, or an Error that ends the guest (exit or trap).
using CallImpl = Result<Errno> (*)(CallEnv&, const CallArgs&);

struct CallDef {
  const char* name;
  const char* params;  // one letter per parameter: 'i' i32, 'I' i64
  CallImpl impl;
  bool noResult = false;  // proc_exit returns nothing
};

std::span<const CallDef> processCalls();  // calls_process.cpp
std::span<const CallDef> fdCalls();       // calls_fd.cpp
std::span<const CallDef> pathCalls();     // calls_path.cpp

// Shared by the fd and path calls: fills a guest filestat from a host stat.
Filetype filetypeFromMode(uint32_t mode);
bool writeFilestat(const GuestMemory& mem, uint32_t ptr, const struct stat& st);
// Converts WASI fst_flags and times to a host timespec pair; Inval for contradictory flags.
Errno timesFromFlags(uint64_t atim, uint64_t mtim, uint32_t fstFlags, struct timespec out[2]);

}  // namespace tw::wasi
