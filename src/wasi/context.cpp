// WasiContext construction and the descriptor table: the three standard streams become guest
// fds 0-2 and each preopen a directory fd from 3 on, with rights that a read-only preopen
// trims. Also the host errno mapping and the stat conversion the fd and path calls share.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "wasi_state.h"

namespace tw::wasi {

UniqueFd& UniqueFd::operator=(UniqueFd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.release();
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

Errno errnoFromHost(int e) {
  switch (e) {
    case 0: return Errno::Success;
    case E2BIG: return Errno::TooBig;
    case EACCES: return Errno::Acces;
    case EAGAIN: return Errno::Again;
    case EBADF: return Errno::Badf;
    case EBUSY: return Errno::Busy;
    case EDQUOT: return Errno::Dquot;
    case EEXIST: return Errno::Exist;
    case EFAULT: return Errno::Fault;
    case EFBIG: return Errno::Fbig;
    case EILSEQ: return Errno::Ilseq;
    case EINTR: return Errno::Intr;
    case EINVAL: return Errno::Inval;
    case EIO: return Errno::Io;
    case EISDIR: return Errno::IsDir;
    case ELOOP: return Errno::Loop;
    case EMFILE: return Errno::Mfile;
    case EMLINK: return Errno::Mlink;
    case ENAMETOOLONG: return Errno::NameTooLong;
    case ENFILE: return Errno::Nfile;
    case ENODEV: return Errno::NoDev;
    case ENOENT: return Errno::NoEnt;
    case ENOMEM: return Errno::NoMem;
    case ENOSPC: return Errno::NoSpc;
    case ENOSYS: return Errno::NoSys;
    case ENOTDIR: return Errno::NotDir;
    case ENOTEMPTY: return Errno::NotEmpty;
    case ENOTSUP: return Errno::NotSup;
    case ENOTTY: return Errno::NoTty;
    case ENXIO: return Errno::Nxio;
    case EOVERFLOW: return Errno::Overflow;
    case EPERM: return Errno::Perm;
    case EPIPE: return Errno::Pipe;
    case ERANGE: return Errno::Range;
    case EROFS: return Errno::Rofs;
    case ESPIPE: return Errno::Spipe;
    case ETXTBSY: return Errno::TxtBsy;
    case EXDEV: return Errno::Xdev;
    default: return Errno::Io;
  }
}

Filetype filetypeFromMode(uint32_t mode) {
  switch (mode & S_IFMT) {
    case S_IFREG: return Filetype::RegularFile;
    case S_IFDIR: return Filetype::Directory;
    case S_IFCHR: return Filetype::CharacterDevice;
    case S_IFBLK: return Filetype::BlockDevice;
    case S_IFLNK: return Filetype::SymbolicLink;
    case S_IFSOCK: return Filetype::SocketStream;
    default: return Filetype::Unknown;
  }
}

bool writeFilestat(const GuestMemory& mem, uint32_t ptr, const struct stat& st) {
  uint8_t* p = mem.range(ptr, kFilestatSize);
  if (!p) return false;
  auto ns = [](const struct timespec& t) {
    return static_cast<uint64_t>(t.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(t.tv_nsec);
  };
  std::memset(p, 0, kFilestatSize);
  mem.write<uint64_t>(ptr + 0, st.st_dev);
  mem.write<uint64_t>(ptr + 8, st.st_ino);
  mem.write<uint8_t>(ptr + 16, static_cast<uint8_t>(filetypeFromMode(st.st_mode)));
  mem.write<uint64_t>(ptr + 24, st.st_nlink);
  mem.write<uint64_t>(ptr + 32, static_cast<uint64_t>(st.st_size));
  mem.write<uint64_t>(ptr + 40, ns(st.st_atim));
  mem.write<uint64_t>(ptr + 48, ns(st.st_mtim));
  mem.write<uint64_t>(ptr + 56, ns(st.st_ctim));
  return true;
}

Errno timesFromFlags(uint64_t atim, uint64_t mtim, uint32_t fstFlags, struct timespec out[2]) {
  if (fstFlags & ~uint32_t{kFstAtim | kFstAtimNow | kFstMtim | kFstMtimNow}) return Errno::Inval;
  if ((fstFlags & kFstAtim) && (fstFlags & kFstAtimNow)) return Errno::Inval;
  if ((fstFlags & kFstMtim) && (fstFlags & kFstMtimNow)) return Errno::Inval;
  auto set = [](struct timespec& t, uint64_t ns, bool given, bool now) {
    if (now) {
      t.tv_sec = 0;
      t.tv_nsec = UTIME_NOW;
    } else if (given) {
      t.tv_sec = static_cast<time_t>(ns / 1'000'000'000ull);
      t.tv_nsec = static_cast<long>(ns % 1'000'000'000ull);
    } else {
      t.tv_sec = 0;
      t.tv_nsec = UTIME_OMIT;
    }
  };
  set(out[0], atim, fstFlags & kFstAtim, fstFlags & kFstAtimNow);
  set(out[1], mtim, fstFlags & kFstMtim, fstFlags & kFstMtimNow);
  return Errno::Success;
}

FdEntry* WasiState::find(uint32_t fd) {
  auto it = fds.find(fd);
  return it == fds.end() ? nullptr : &it->second;
}

FdEntry* WasiState::lookup(uint32_t fd, uint64_t needed, Errno& err) {
  FdEntry* e = find(fd);
  if (!e) {
    err = Errno::Badf;
    return nullptr;
  }
  if ((e->rightsBase & needed) != needed) {
    err = Errno::NotCapable;
    return nullptr;
  }
  err = Errno::Success;
  return e;
}

std::optional<uint32_t> WasiState::allocateFd() const {
  if (fds.size() >= config.maxOpenFds) return std::nullopt;
  uint32_t fd = 0;
  for (const auto& [k, v] : fds) {
    if (k != fd) break;
    ++fd;
  }
  return fd;
}

namespace {

FdEntry stdioEntry(const WasiStdio& cfg, int stream) {
  FdEntry e;
  uint64_t io = stream == 0 ? rights::FdRead : rights::FdWrite;
  e.rightsBase = io | rights::FdFdstatSetFlags | rights::FdFilestatGet | rights::PollFdReadwrite |
                 rights::FdSync | rights::FdDatasync;
  e.stream = stream;
  switch (cfg.kind) {
    case WasiStdio::Kind::HostFd: {
      e.kind = FdEntry::Kind::Host;
      e.hostFd = cfg.hostFd;
      struct stat st {};
      if (fstat(cfg.hostFd, &st) == 0) {
        e.filetype = filetypeFromMode(st.st_mode);
        // A redirected regular file can seek; a terminal or pipe cannot.
        if (e.filetype == Filetype::RegularFile) {
          e.rightsBase |= rights::FdSeek | rights::FdTell | rights::FdAdvise;
        }
      }
      int fl = fcntl(cfg.hostFd, F_GETFL);
      if (fl >= 0 && (fl & O_APPEND)) e.fdflags |= kFdflagAppend;
      break;
    }
    case WasiStdio::Kind::Capture:
      e.kind = FdEntry::Kind::Capture;
      e.filetype = Filetype::CharacterDevice;
      break;
    case WasiStdio::Kind::Null:
      e.kind = FdEntry::Kind::Null;
      e.filetype = Filetype::CharacterDevice;
      break;
  }
  return e;
}

}  // namespace

}  // namespace tw::wasi

namespace tw {

using namespace wasi;

namespace {

// The descriptor table right after creation: the three standard streams and every preopen.
Result<std::map<uint32_t, FdEntry>> initialFds(const WasiConfig& config) {
  std::map<uint32_t, FdEntry> fds;
  fds.emplace(0, stdioEntry(config.stdinConfig, 0));
  fds.emplace(1, stdioEntry(config.stdoutConfig, 1));
  fds.emplace(2, stdioEntry(config.stderrConfig, 2));
  uint32_t next = 3;
  for (const WasiPreopen& p : config.preopens) {
    int fd = open(p.hostPath.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
      return makeError(ErrorKind::Io, "cannot open preopened directory '" + p.hostPath +
                                          "': " + std::strerror(errno));
    }
    FdEntry e;
    e.owned = UniqueFd(fd);
    e.hostFd = fd;
    e.filetype = Filetype::Directory;
    e.rightsBase = rights::Directory;
    e.rightsInheriting = rights::All;
    if (p.readOnly) {
      e.rightsBase &= ~rights::Mutating;
      e.rightsInheriting &= ~rights::Mutating;
    }
    e.preopenPath = p.guestPath.empty() ? p.hostPath : p.guestPath;
    fds.emplace(next++, std::move(e));
  }
  return fds;
}

}  // namespace

Result<std::shared_ptr<WasiContext>> WasiContext::create(WasiConfig config,
                                                         std::shared_ptr<WasiSystem> system) {
  auto st = std::make_unique<WasiState>();
  for (const std::string& kv : config.env) {
    if (kv.find('=') == std::string::npos) {
      return makeError(ErrorKind::Usage, "WASI environment entry without '=': " + kv);
    }
  }
  st->system = system ? std::move(system) : hostWasiSystem();
  TW_ASSIGN(st->fds, initialFds(config));
  st->config = std::move(config);
  return std::shared_ptr<WasiContext>(new WasiContext(std::move(st)));
}

Result<void> WasiContext::reset() {
  // Preopens are opened again rather than kept: the guest may have renumbered, closed or
  // changed the flags of any descriptor, the preopens included.
  TW_ASSIGN(auto fds, initialFds(state_->config));
  state_->fds = std::move(fds);
  clearCapturedOutput();
  state_->stdinPos = 0;
  state_->exitCode.reset();
  return {};
}

WasiContext::WasiContext(std::unique_ptr<WasiState> state) : state_(std::move(state)) {}
WasiContext::~WasiContext() = default;

void WasiContext::clearCapturedOutput() {
  for (WasiCapturedOutput& c : state_->captured) c = WasiCapturedOutput{};
}

void WasiContext::setInterrupt(const std::atomic<bool>* interrupt) {
  state_->config.interrupt = interrupt;
}

const WasiCapturedOutput& WasiContext::capturedStdout() const { return state_->captured[1]; }
const WasiCapturedOutput& WasiContext::capturedStderr() const { return state_->captured[2]; }
std::optional<int32_t> WasiContext::exitCode() const { return state_->exitCode; }

}  // namespace tw
