// The preview-1 calls that name a file by path relative to a directory descriptor: path_open
// and the stat, create, remove, rename, link and symlink calls. Every path goes through
// WasiState::resolve (sandbox_path.cpp), which hands back a directory fd and one component;
// the host call then acts on that component with no-follow semantics. Rights of an opened
// descriptor are what the guest asked for, cut down to what its directory may hand on.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "wasi_state.h"

namespace tw::wasi {

namespace {

Errno hostErr() { return errnoFromHost(errno); }

// Looks up directory `fd` with `needed` rights and resolves the guest path at (ptr, len).
Errno resolveAt(CallEnv& c, uint32_t fd, uint64_t needed, uint32_t ptr, uint32_t len,
                bool follow, ResolvedPath& out) {
  Errno err;
  FdEntry* dir = c.st.lookup(fd, needed, err);
  if (!dir) return err;
  std::string_view path;
  if (!c.mem.string(ptr, len, path)) return Errno::Fault;
  return c.st.resolve(*dir, path, follow, out);
}

Result<Errno> pathOpen(CallEnv& c, const CallArgs& a) {
  uint32_t dirFd = a.u32(0), dirflags = a.u32(1), oflags = a.u32(4), fdflags = a.u32(7);
  uint32_t outPtr = a.u32(8);
  uint64_t base = a.u64(5), inheriting = a.u64(6);
  if (oflags & ~uint32_t{kOflagCreat | kOflagDirectory | kOflagExcl | kOflagTrunc}) {
    return Errno::Inval;
  }
  uint64_t needed = rights::PathOpen | ((oflags & kOflagCreat) ? rights::PathCreateFile : 0) |
                    ((oflags & kOflagTrunc) ? rights::PathFilestatSetSize : 0);
  Errno err;
  FdEntry* dir = c.st.lookup(dirFd, needed, err);
  if (!dir) return err;
  if (!c.mem.range(outPtr, 4)) return Errno::Fault;
  auto newFd = c.st.allocateFd();
  if (!newFd) return Errno::Mfile;
  base &= dir->rightsInheriting;
  inheriting &= dir->rightsInheriting;

  ResolvedPath rp;
  err = resolveAt(c, dirFd, needed, a.u32(2), a.u32(3), dirflags & kLookupSymlinkFollow, rp);
  if (err != Errno::Success) return err;

  bool read = base & (rights::FdRead | rights::FdReaddir);
  bool write = base & (rights::FdWrite | rights::FdDatasync | rights::FdAllocate |
                       rights::FdFilestatSetSize);
  int flags = O_CLOEXEC | O_NOFOLLOW | O_NOCTTY;
  if ((oflags & kOflagDirectory) || rp.trailingSlash) {
    flags |= O_DIRECTORY | O_RDONLY;
  } else if (write) {
    flags |= read ? O_RDWR : O_WRONLY;
  } else {
    flags |= O_RDONLY;
  }
  if (oflags & kOflagCreat) flags |= O_CREAT;
  if (oflags & kOflagExcl) flags |= O_EXCL;
  if (oflags & kOflagTrunc) flags |= O_TRUNC;
  if (fdflags & kFdflagAppend) flags |= O_APPEND;
  if (fdflags & kFdflagNonblock) flags |= O_NONBLOCK;
  if (fdflags & kFdflagDsync) flags |= O_DSYNC;
  if (fdflags & kFdflagSync) flags |= O_SYNC;
  if (fdflags & kFdflagRsync) flags |= O_RSYNC;

  int hfd;
  do {
    hfd = openat(rp.dir.get(), rp.name.c_str(), flags, 0666);
  } while (hfd < 0 && errno == EINTR);
  if (hfd < 0) return hostErr();
  UniqueFd owned(hfd);
  struct stat st {};
  if (fstat(hfd, &st) != 0) return hostErr();

  FdEntry e;
  e.owned = std::move(owned);
  e.hostFd = hfd;
  e.filetype = filetypeFromMode(st.st_mode);
  e.rightsBase = base & (e.filetype == Filetype::Directory ? rights::Directory : rights::File);
  e.rightsInheriting = inheriting;
  e.fdflags = static_cast<uint16_t>(fdflags & (kFdflagAppend | kFdflagNonblock | kFdflagDsync |
                                               kFdflagSync | kFdflagRsync));
  c.st.fds.emplace(*newFd, std::move(e));
  c.mem.write<uint32_t>(outPtr, *newFd);
  return Errno::Success;
}

Result<Errno> pathFilestatGet(CallEnv& c, const CallArgs& a) {
  uint32_t buf = a.u32(4);
  if (!c.mem.range(buf, kFilestatSize)) return Errno::Fault;
  ResolvedPath rp;
  Errno err = resolveAt(c, a.u32(0), rights::PathFilestatGet, a.u32(2), a.u32(3),
                        a.u32(1) & kLookupSymlinkFollow, rp);
  if (err != Errno::Success) return err;
  struct stat st {};
  if (fstatat(rp.dir.get(), rp.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return hostErr();
  if (rp.trailingSlash && !S_ISDIR(st.st_mode)) return Errno::NotDir;
  writeFilestat(c.mem, buf, st);
  return Errno::Success;
}

Result<Errno> pathFilestatSetTimes(CallEnv& c, const CallArgs& a) {
  struct timespec ts[2];
  if (Errno r = timesFromFlags(a.u64(4), a.u64(5), a.u32(6), ts); r != Errno::Success) return r;
  ResolvedPath rp;
  Errno err = resolveAt(c, a.u32(0), rights::PathFilestatSetTimes, a.u32(2), a.u32(3),
                        a.u32(1) & kLookupSymlinkFollow, rp);
  if (err != Errno::Success) return err;
  if (utimensat(rp.dir.get(), rp.name.c_str(), ts, AT_SYMLINK_NOFOLLOW) != 0) return hostErr();
  return Errno::Success;
}

Result<Errno> pathCreateDirectory(CallEnv& c, const CallArgs& a) {
  ResolvedPath rp;
  Errno err =
      resolveAt(c, a.u32(0), rights::PathCreateDirectory, a.u32(1), a.u32(2), false, rp);
  if (err != Errno::Success) return err;
  if (mkdirat(rp.dir.get(), rp.name.c_str(), 0777) != 0) return hostErr();
  return Errno::Success;
}

Result<Errno> pathRemoveDirectory(CallEnv& c, const CallArgs& a) {
  ResolvedPath rp;
  Errno err =
      resolveAt(c, a.u32(0), rights::PathRemoveDirectory, a.u32(1), a.u32(2), false, rp);
  if (err != Errno::Success) return err;
  if (unlinkat(rp.dir.get(), rp.name.c_str(), AT_REMOVEDIR) != 0) return hostErr();
  return Errno::Success;
}

Result<Errno> pathUnlinkFile(CallEnv& c, const CallArgs& a) {
  ResolvedPath rp;
  Errno err = resolveAt(c, a.u32(0), rights::PathUnlinkFile, a.u32(1), a.u32(2), false, rp);
  if (err != Errno::Success) return err;
  if (rp.trailingSlash) {
    // "file/" names a directory: never unlink the file it would otherwise match.
    struct stat st {};
    if (fstatat(rp.dir.get(), rp.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return hostErr();
    return S_ISDIR(st.st_mode) ? Errno::IsDir : Errno::NotDir;
  }
  if (unlinkat(rp.dir.get(), rp.name.c_str(), 0) != 0) return hostErr();
  return Errno::Success;
}

Result<Errno> pathRename(CallEnv& c, const CallArgs& a) {
  ResolvedPath from, to;
  Errno err =
      resolveAt(c, a.u32(0), rights::PathRenameSource, a.u32(1), a.u32(2), false, from);
  if (err != Errno::Success) return err;
  err = resolveAt(c, a.u32(3), rights::PathRenameTarget, a.u32(4), a.u32(5), false, to);
  if (err != Errno::Success) return err;
  if (renameat(from.dir.get(), from.name.c_str(), to.dir.get(), to.name.c_str()) != 0) {
    return hostErr();
  }
  return Errno::Success;
}

Result<Errno> pathLink(CallEnv& c, const CallArgs& a) {
  ResolvedPath from, to;
  Errno err = resolveAt(c, a.u32(0), rights::PathLinkSource, a.u32(2), a.u32(3),
                        a.u32(1) & kLookupSymlinkFollow, from);
  if (err != Errno::Success) return err;
  err = resolveAt(c, a.u32(4), rights::PathLinkTarget, a.u32(5), a.u32(6), false, to);
  if (err != Errno::Success) return err;
  if (linkat(from.dir.get(), from.name.c_str(), to.dir.get(), to.name.c_str(), 0) != 0) {
    return hostErr();
  }
  return Errno::Success;
}

Result<Errno> pathReadlink(CallEnv& c, const CallArgs& a) {
  uint32_t buf = a.u32(3), bufLen = a.u32(4), usedPtr = a.u32(5);
  uint8_t* out = c.mem.range(buf, bufLen);
  if (!out || !c.mem.range(usedPtr, 4)) return Errno::Fault;
  ResolvedPath rp;
  Errno err = resolveAt(c, a.u32(0), rights::PathReadlink, a.u32(1), a.u32(2), false, rp);
  if (err != Errno::Success) return err;
  std::string target(kMaxPathBytes, '\0');
  ssize_t n = readlinkat(rp.dir.get(), rp.name.c_str(), target.data(), target.size());
  if (n < 0) return hostErr();
  size_t copy = std::min<size_t>(static_cast<size_t>(n), bufLen);
  std::memcpy(out, target.data(), copy);
  c.mem.write<uint32_t>(usedPtr, static_cast<uint32_t>(copy));
  return Errno::Success;
}

Result<Errno> pathSymlink(CallEnv& c, const CallArgs& a) {
  std::string_view target;
  if (!c.mem.string(a.u32(0), a.u32(1), target)) return Errno::Fault;
  if (target.empty() || target.find('\0') != std::string_view::npos) return Errno::Inval;
  if (target.size() > kMaxPathBytes) return Errno::NameTooLong;
  // An absolute target could never be followed inside the sandbox; refuse to plant one.
  if (target.front() == '/') return Errno::NotCapable;
  std::string targetCopy(target);
  ResolvedPath rp;
  Errno err = resolveAt(c, a.u32(2), rights::PathSymlink, a.u32(3), a.u32(4), false, rp);
  if (err != Errno::Success) return err;
  if (symlinkat(targetCopy.c_str(), rp.dir.get(), rp.name.c_str()) != 0) return hostErr();
  return Errno::Success;
}

constexpr CallDef kCalls[] = {
    {"path_create_directory", "iii", pathCreateDirectory},
    {"path_filestat_get", "iiiii", pathFilestatGet},
    {"path_filestat_set_times", "iiiiIIi", pathFilestatSetTimes},
    {"path_link", "iiiiiii", pathLink},
    {"path_open", "iiiiiIIii", pathOpen},
    {"path_readlink", "iiiiii", pathReadlink},
    {"path_remove_directory", "iii", pathRemoveDirectory},
    {"path_rename", "iiiiii", pathRename},
    {"path_symlink", "iiiii", pathSymlink},
    {"path_unlink_file", "iii", pathUnlinkFile},
};

}  // namespace

std::span<const CallDef> pathCalls() { return kCalls; }

}  // namespace tw::wasi
