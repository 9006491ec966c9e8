// The preview-1 calls on an open descriptor: reads and writes (host files, capture buffers,
// null streams), seeking, descriptor and file status, directory listing, preopen names,
// closing and renumbering. Each checks the descriptor's rights first, then every guest
// pointer it will write, then acts, so a failure leaves guest memory and host files untouched.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "wasi_state.h"

namespace tw::wasi {

namespace {

Errno hostErr() { return errnoFromHost(errno); }

// Reads into `iov` from a non-host stream; returns bytes read.
size_t streamRead(WasiState& st, FdEntry& e, const std::vector<struct iovec>& iov) {
  if (e.kind != FdEntry::Kind::Capture || e.stream != 0) return 0;
  const std::string& input = st.config.stdinConfig.input;
  size_t done = 0;
  for (const auto& v : iov) {
    size_t n = std::min(v.iov_len, input.size() - st.stdinPos);
    std::memcpy(v.iov_base, input.data() + st.stdinPos, n);
    st.stdinPos += n;
    done += n;
    if (n < v.iov_len) break;
  }
  return done;
}

// Writes `iov` to a non-host stream; reports everything as written so guests never retry
// into a full capture buffer (the overflow is recorded as truncation instead).
size_t streamWrite(WasiState& st, FdEntry& e, const std::vector<struct iovec>& iov) {
  size_t total = 0;
  for (const auto& v : iov) total += v.iov_len;
  if (e.kind != FdEntry::Kind::Capture || e.stream < 1 || e.stream > 2) return total;
  const WasiStdio& cfg = e.stream == 1 ? st.config.stdoutConfig : st.config.stderrConfig;
  WasiCapturedOutput& out = st.captured[e.stream];
  for (const auto& v : iov) {
    size_t room = cfg.captureLimit > out.bytes.size() ? cfg.captureLimit - out.bytes.size() : 0;
    size_t n = std::min(room, v.iov_len);
    out.bytes.append(static_cast<const char*>(v.iov_base), n);
    if (n < v.iov_len) out.truncated = true;
  }
  return total;
}

// fd_read, fd_write, fd_pread, fd_pwrite share one shape.
Result<Errno> transfer(CallEnv& c, uint32_t fd, uint32_t iovs, uint32_t count, bool write,
                       std::optional<uint64_t> offset, uint32_t resultPtr) {
  uint64_t needed = (write ? rights::FdWrite : rights::FdRead) | (offset ? rights::FdSeek : 0);
  Errno err;
  FdEntry* e = c.st.lookup(fd, needed, err);
  if (!e) return err;
  if (!c.mem.range(resultPtr, 4)) return Errno::Fault;
  std::vector<struct iovec> iov;
  if (Errno r = c.mem.iovecs(iovs, count, iov); r != Errno::Success) return r;
  if (offset && *offset > static_cast<uint64_t>(INT64_MAX)) return Errno::Inval;
  size_t done = 0;
  if (e->kind != FdEntry::Kind::Host) {
    if (offset) return Errno::Spipe;
    done = write ? streamWrite(c.st, *e, iov) : streamRead(c.st, *e, iov);
  } else if (!iov.empty()) {
    int n = static_cast<int>(iov.size());
    ssize_t r;
    do {
      if (offset) {
        auto off = static_cast<off_t>(*offset);
        r = write ? pwritev(e->hostFd, iov.data(), n, off) : preadv(e->hostFd, iov.data(), n, off);
      } else {
        r = write ? writev(e->hostFd, iov.data(), n) : readv(e->hostFd, iov.data(), n);
      }
    } while (r < 0 && errno == EINTR);
    if (r < 0) return hostErr();
    done = static_cast<size_t>(r);
  }
  c.mem.write<uint32_t>(resultPtr, static_cast<uint32_t>(done));
  return Errno::Success;
}

Result<Errno> fdRead(CallEnv& c, const CallArgs& a) {
  return transfer(c, a.u32(0), a.u32(1), a.u32(2), false, std::nullopt, a.u32(3));
}
Result<Errno> fdWrite(CallEnv& c, const CallArgs& a) {
  return transfer(c, a.u32(0), a.u32(1), a.u32(2), true, std::nullopt, a.u32(3));
}
Result<Errno> fdPread(CallEnv& c, const CallArgs& a) {
  return transfer(c, a.u32(0), a.u32(1), a.u32(2), false, a.u64(3), a.u32(4));
}
Result<Errno> fdPwrite(CallEnv& c, const CallArgs& a) {
  return transfer(c, a.u32(0), a.u32(1), a.u32(2), true, a.u64(3), a.u32(4));
}

Result<Errno> fdSeek(CallEnv& c, const CallArgs& a) {
  auto offset = static_cast<int64_t>(a.u64(1));
  uint32_t whence = a.u32(2), resultPtr = a.u32(3);
  bool tellOnly = offset == 0 && whence == kWhenceCur;
  Errno err;
  FdEntry* e = c.st.lookup(a.u32(0), tellOnly ? rights::FdTell : rights::FdSeek, err);
  if (!e) return err;
  if (!c.mem.range(resultPtr, 8)) return Errno::Fault;
  int how;
  switch (whence) {
    case kWhenceSet: how = SEEK_SET; break;
    case kWhenceCur: how = SEEK_CUR; break;
    case kWhenceEnd: how = SEEK_END; break;
    default: return Errno::Inval;
  }
  if (e->kind != FdEntry::Kind::Host) return Errno::Spipe;
  off_t r = lseek(e->hostFd, static_cast<off_t>(offset), how);
  if (r < 0) return hostErr();
  c.mem.write<uint64_t>(resultPtr, static_cast<uint64_t>(r));
  return Errno::Success;
}

Result<Errno> fdTell(CallEnv& c, const CallArgs& a) {
  Errno err;
  FdEntry* e = c.st.lookup(a.u32(0), rights::FdTell, err);
  if (!e) return err;
  if (!c.mem.range(a.u32(1), 8)) return Errno::Fault;
  if (e->kind != FdEntry::Kind::Host) return Errno::Spipe;
  off_t r = lseek(e->hostFd, 0, SEEK_CUR);
  if (r < 0) return hostErr();
  c.mem.write<uint64_t>(a.u32(1), static_cast<uint64_t>(r));
  return Errno::Success;
}

Result<Errno> fdClose(CallEnv& c, const CallArgs& a) {
  auto it = c.st.fds.find(a.u32(0));
  if (it == c.st.fds.end()) return Errno::Badf;
  c.st.fds.erase(it);  // closes an owned host fd; borrowed stdio stays open
  return Errno::Success;
}

Result<Errno> syncCommon(CallEnv& c, uint32_t fd, bool data) {
  Errno err;
  FdEntry* e = c.st.lookup(fd, data ? rights::FdDatasync : rights::FdSync, err);
  if (!e) return err;
  if (e->kind != FdEntry::Kind::Host) return Errno::Success;
  if ((data ? fdatasync(e->hostFd) : fsync(e->hostFd)) != 0) return hostErr();
  return Errno::Success;
}
Result<Errno> fdSync(CallEnv& c, const CallArgs& a) { return syncCommon(c, a.u32(0), false); }
Result<Errno> fdDatasync(CallEnv& c, const CallArgs& a) { return syncCommon(c, a.u32(0), true); }

Result<Errno> fdFdstatGet(CallEnv& c, const CallArgs& a) {
  FdEntry* e = c.st.find(a.u32(0));
  if (!e) return Errno::Badf;
  uint32_t p = a.u32(1);
  uint8_t* out = c.mem.range(p, kFdstatSize);
  if (!out) return Errno::Fault;
  std::memset(out, 0, kFdstatSize);
  c.mem.write<uint8_t>(p, static_cast<uint8_t>(e->filetype));
  c.mem.write<uint16_t>(p + 2, e->fdflags);
  c.mem.write<uint64_t>(p + 8, e->rightsBase);
  c.mem.write<uint64_t>(p + 16, e->rightsInheriting);
  return Errno::Success;
}

Result<Errno> fdFdstatSetFlags(CallEnv& c, const CallArgs& a) {
  uint32_t flags = a.u32(1);
  Errno err;
  FdEntry* e = c.st.lookup(a.u32(0), rights::FdFdstatSetFlags, err);
  if (!e) return err;
  if (flags & ~uint32_t{kFdflagAppend | kFdflagNonblock}) return Errno::NotSup;
  if (e->kind == FdEntry::Kind::Host) {
    if (!e->owned) {
      // The host's own stdio: changing its flags would change the embedder's descriptor.
      return flags == e->fdflags ? Errno::Success : Errno::NotSup;
    }
    int fl = fcntl(e->hostFd, F_GETFL);
    if (fl < 0) return hostErr();
    fl &= ~(O_APPEND | O_NONBLOCK);
    if (flags & kFdflagAppend) fl |= O_APPEND;
    if (flags & kFdflagNonblock) fl |= O_NONBLOCK;
    if (fcntl(e->hostFd, F_SETFL, fl) != 0) return hostErr();
  }
  e->fdflags = static_cast<uint16_t>(flags);
  return Errno::Success;
}

Result<Errno> fdFdstatSetRights(CallEnv& c, const CallArgs& a) {
  FdEntry* e = c.st.find(a.u32(0));
  if (!e) return Errno::Badf;
  uint64_t base = a.u64(1), inheriting = a.u64(2);
  // Rights can only be dropped.
  if ((base & ~e->rightsBase) || (inheriting & ~e->rightsInheriting)) return Errno::NotCapable;
  e->rightsBase = base;
  e->rightsInheriting = inheriting;
  return Errno::Success;
}

Result<Errno> fdFilestatGet(CallEnv& c, const CallArgs& a) {
  Errno err;
  FdEntry* e = c.st.lookup(a.u32(0), rights::FdFilestatGet, err);
  if (!e) return err;
  uint32_t p = a.u32(1);
  if (!c.mem.range(p, kFilestatSize)) return Errno::Fault;
  struct stat st {};
  if (e->kind == FdEntry::Kind::Host) {
    if (fstat(e->hostFd, &st) != 0) return hostErr();
  } else {
    st.st_mode = S_IFCHR;
  }
  writeFilestat(c.mem, p, st);
  return Errno::Success;
}

Result<Errno> fdFilestatSetSize(CallEnv& c, const CallArgs& a) {
  Errno err;
  FdEntry* e = c.st.lookup(a.u32(0), rights::FdFilestatSetSize, err);
  if (!e) return err;
  if (a.u64(1) > static_cast<uint64_t>(INT64_MAX)) return Errno::Inval;
  if (e->kind != FdEntry::Kind::Host) return Errno::Inval;
  if (ftruncate(e->hostFd, static_cast<off_t>(a.u64(1))) != 0) return hostErr();
  return Errno::Success;
}

Result<Errno> fdFilestatSetTimes(CallEnv& c, const CallArgs& a) {
  Errno err;
  FdEntry* e = c.st.lookup(a.u32(0), rights::FdFilestatSetTimes, err);
  if (!e) return err;
  struct timespec ts[2];
  if (Errno r = timesFromFlags(a.u64(1), a.u64(2), a.u32(3), ts); r != Errno::Success) return r;
  if (e->kind != FdEntry::Kind::Host) return Errno::Success;
  if (futimens(e->hostFd, ts) != 0) return hostErr();
  return Errno::Success;
}

Result<Errno> fdAdvise(CallEnv& c, const CallArgs& a) {
  Errno err;
  FdEntry* e = c.st.lookup(a.u32(0), rights::FdAdvise, err);
  if (!e) return err;
  static constexpr int kAdvice[] = {POSIX_FADV_NORMAL,   POSIX_FADV_SEQUENTIAL,
                                    POSIX_FADV_RANDOM,   POSIX_FADV_WILLNEED,
                                    POSIX_FADV_DONTNEED, POSIX_FADV_NOREUSE};
  if (a.u32(3) > 5) return Errno::Inval;
  if (e->kind != FdEntry::Kind::Host) return Errno::Spipe;
  int r = posix_fadvise(e->hostFd, static_cast<off_t>(a.u64(1)), static_cast<off_t>(a.u64(2)),
                        kAdvice[a.u32(3)]);
  return errnoFromHost(r);
}

Result<Errno> fdAllocate(CallEnv& c, const CallArgs& a) {
  Errno err;
  FdEntry* e = c.st.lookup(a.u32(0), rights::FdAllocate, err);
  if (!e) return err;
  uint64_t off = a.u64(1), len = a.u64(2);
  if (off > static_cast<uint64_t>(INT64_MAX) || len > static_cast<uint64_t>(INT64_MAX) - off) {
    return Errno::Inval;
  }
  if (e->kind != FdEntry::Kind::Host) return Errno::Spipe;
  int r = posix_fallocate(e->hostFd, static_cast<off_t>(off), static_cast<off_t>(len));
  if (r == EOPNOTSUPP || r == ENOTSUP) {
    // Filesystems without preallocation: growing the file gives the same visible result.
    struct stat st {};
    if (fstat(e->hostFd, &st) != 0) return hostErr();
    if (static_cast<uint64_t>(st.st_size) < off + len &&
        ftruncate(e->hostFd, static_cast<off_t>(off + len)) != 0) {
      return hostErr();
    }
    return Errno::Success;
  }
  return errnoFromHost(r);
}

Result<Errno> fdPrestatGet(CallEnv& c, const CallArgs& a) {
  FdEntry* e = c.st.find(a.u32(0));
  if (!e || !e->preopenPath) return Errno::Badf;
  uint32_t p = a.u32(1);
  if (!c.mem.range(p, kPrestatSize)) return Errno::Fault;
  c.mem.write<uint32_t>(p, kPreopenDir);  // tag and padding
  c.mem.write<uint32_t>(p + 4, static_cast<uint32_t>(e->preopenPath->size()));
  return Errno::Success;
}

Result<Errno> fdPrestatDirName(CallEnv& c, const CallArgs& a) {
  FdEntry* e = c.st.find(a.u32(0));
  if (!e || !e->preopenPath) return Errno::Badf;
  const std::string& name = *e->preopenPath;
  if (a.u32(2) < name.size()) return Errno::NameTooLong;
  uint8_t* out = c.mem.range(a.u32(1), name.size());
  if (!out) return Errno::Fault;
  std::memcpy(out, name.data(), name.size());
  return Errno::Success;
}

Errno listDirectory(const FdEntry& e, std::vector<DirEntry>& out) {
  // A fresh open file description, so the listing never disturbs another reader's position.
  int fd = openat(e.hostFd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return hostErr();
  DIR* dir = fdopendir(fd);
  if (!dir) {
    Errno r = hostErr();
    close(fd);
    return r;
  }
  out.clear();
  errno = 0;
  while (struct dirent* d = readdir(dir)) {
    Filetype t = Filetype::Unknown;
    switch (d->d_type) {
      case DT_REG: t = Filetype::RegularFile; break;
      case DT_DIR: t = Filetype::Directory; break;
      case DT_LNK: t = Filetype::SymbolicLink; break;
      case DT_CHR: t = Filetype::CharacterDevice; break;
      case DT_BLK: t = Filetype::BlockDevice; break;
      case DT_SOCK: t = Filetype::SocketStream; break;
      default: break;
    }
    out.push_back({d->d_name, static_cast<uint64_t>(d->d_ino), t});
  }
  Errno r = errno ? hostErr() : Errno::Success;
  closedir(dir);
  return r;
}

Result<Errno> fdReaddir(CallEnv& c, const CallArgs& a) {
  uint32_t buf = a.u32(1), bufLen = a.u32(2), usedPtr = a.u32(4);
  uint64_t cookie = a.u64(3);
  Errno err;
  FdEntry* e = c.st.lookup(a.u32(0), rights::FdReaddir, err);
  if (!e) return err;
  if (e->kind != FdEntry::Kind::Host || e->filetype != Filetype::Directory) return Errno::NotDir;
  uint8_t* out = c.mem.range(buf, bufLen);
  if (!out || !c.mem.range(usedPtr, 4)) return Errno::Fault;
  if (cookie == 0 || e->dirCache.empty()) {
    if (Errno r = listDirectory(*e, e->dirCache); r != Errno::Success) return r;
  }
  uint64_t used = 0;
  for (uint64_t i = cookie; i < e->dirCache.size() && used < bufLen; ++i) {
    const DirEntry& d = e->dirCache[i];
    uint8_t header[kDirentHeaderSize] = {};
    uint64_t next = i + 1;
    auto namlen = static_cast<uint32_t>(d.name.size());
    std::memcpy(header, &next, 8);
    std::memcpy(header + 8, &d.ino, 8);
    std::memcpy(header + 16, &namlen, 4);
    header[20] = static_cast<uint8_t>(d.type);
    // Entries that do not fit are cut off; a full buffer tells the guest to call again.
    size_t n = std::min<uint64_t>(kDirentHeaderSize, bufLen - used);
    std::memcpy(out + used, header, n);
    used += n;
    n = std::min<uint64_t>(d.name.size(), bufLen - used);
    std::memcpy(out + used, d.name.data(), n);
    used += n;
  }
  c.mem.write<uint32_t>(usedPtr, static_cast<uint32_t>(used));
  return Errno::Success;
}

Result<Errno> fdRenumber(CallEnv& c, const CallArgs& a) {
  uint32_t from = a.u32(0), to = a.u32(1);
  if (!c.st.find(from) || !c.st.find(to)) return Errno::Badf;
  if (from == to) return Errno::Success;
  c.st.fds[to] = std::move(c.st.fds[from]);
  c.st.fds.erase(from);
  return Errno::Success;
}

constexpr CallDef kCalls[] = {
    {"fd_advise", "iIIi", fdAdvise},
    {"fd_allocate", "iII", fdAllocate},
    {"fd_close", "i", fdClose},
    {"fd_datasync", "i", fdDatasync},
    {"fd_fdstat_get", "ii", fdFdstatGet},
    {"fd_fdstat_set_flags", "ii", fdFdstatSetFlags},
    {"fd_fdstat_set_rights", "iII", fdFdstatSetRights},
    {"fd_filestat_get", "ii", fdFilestatGet},
    {"fd_filestat_set_size", "iI", fdFilestatSetSize},
    {"fd_filestat_set_times", "iIIi", fdFilestatSetTimes},
    {"fd_pread", "iiiIi", fdPread},
    {"fd_prestat_get", "ii", fdPrestatGet},
    {"fd_prestat_dir_name", "iii", fdPrestatDirName},
    {"fd_pwrite", "iiiIi", fdPwrite},
    {"fd_read", "iiii", fdRead},
    {"fd_readdir", "iiiIi", fdReaddir},
    {"fd_renumber", "ii", fdRenumber},
    {"fd_seek", "iIii", fdSeek},
    {"fd_sync", "i", fdSync},
    {"fd_tell", "ii", fdTell},
    {"fd_write", "iiii", fdWrite},
};

}  // namespace

std::span<const CallDef> fdCalls() { return kCalls; }

}  // namespace tw::wasi
