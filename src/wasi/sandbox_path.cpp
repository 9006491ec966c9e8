// Sandboxed path resolution. A guest path is split into components and walked from the
// starting directory with openat(O_DIRECTORY | O_NOFOLLOW), one component at a time, keeping
// the chain of open directories so ".." pops one level and can never go above the start.
// A symlink met on the way is read with readlinkat and its target's components are walked in
// its place under the same rules (absolute targets refused), so following is done by this
// code, never by the kernel. The host calls that then act on the final component receive a
// single name and always use no-follow flags, so a symlink swapped in meanwhile is not
// followed either.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <deque>

#include "wasi_state.h"

namespace tw::wasi {

namespace {

constexpr int kMaxSymlinkExpansions = 32;

void pushComponents(std::string_view path, std::deque<std::string>& out, bool front) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) parts.emplace_back(path.substr(i, j - i));
    i = j + 1;
  }
  if (front) {
    out.insert(out.begin(), parts.begin(), parts.end());
  } else {
    out.insert(out.end(), parts.begin(), parts.end());
  }
}

// The target of symlink `name` in `dir`, or nullopt if it is not a symlink.
std::optional<std::string> readSymlink(int dir, const std::string& name) {
  std::string buf(256, '\0');
  for (;;) {
    ssize_t n = readlinkat(dir, name.c_str(), buf.data(), buf.size());
    if (n < 0) return std::nullopt;
    if (static_cast<size_t>(n) < buf.size()) {
      buf.resize(static_cast<size_t>(n));
      return buf;
    }
    if (buf.size() >= kMaxPathBytes * 4) return std::nullopt;
    buf.resize(buf.size() * 2);
  }
}

}  // namespace

Errno WasiState::resolve(const FdEntry& dir, std::string_view path, bool followFinal,
                         ResolvedPath& out) const {
  if (dir.filetype != Filetype::Directory) return Errno::NotDir;
  if (path.empty()) return Errno::NoEnt;
  if (path.size() > kMaxPathBytes) return Errno::NameTooLong;
  if (path.find('\0') != std::string_view::npos) return Errno::Inval;
  if (path.front() == '/') return Errno::NotCapable;

  out.trailingSlash = path.back() == '/';
  // "name/" names a directory; as in POSIX it follows a final symlink.
  if (out.trailingSlash) followFinal = true;

  std::deque<std::string> comps;
  pushComponents(path, comps, false);

  std::vector<UniqueFd> chain;  // directories below the start, innermost last
  int base = fcntl(dir.hostFd, F_DUPFD_CLOEXEC, 0);
  if (base < 0) return errnoFromHost(errno);
  chain.emplace_back(base);
  int expansions = 0;
  std::string name = ".";

  while (!comps.empty()) {
    std::string comp = std::move(comps.front());
    comps.pop_front();
    bool last = comps.empty();
    if (comp == ".") {
      if (last) name = ".";
      continue;
    }
    if (comp == "..") {
      if (chain.size() == 1) return Errno::NotCapable;
      chain.pop_back();
      if (last) name = ".";
      continue;
    }
    int cur = chain.back().get();
    if (last) {
      if (followFinal) {
        if (auto target = readSymlink(cur, comp)) {
          if (++expansions > kMaxSymlinkExpansions) return Errno::Loop;
          if (target->empty()) return Errno::NoEnt;
          if (target->front() == '/') return Errno::NotCapable;
          pushComponents(*target, comps, true);
          if (comps.empty()) name = ".";
          continue;
        }
      }
      name = std::move(comp);
      break;
    }
    int next = openat(cur, comp.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (next >= 0) {
      chain.emplace_back(next);
      continue;
    }
    int err = errno;
    if (err == ELOOP || err == ENOTDIR || err == EMLINK) {
      if (auto target = readSymlink(cur, comp)) {
        if (++expansions > kMaxSymlinkExpansions) return Errno::Loop;
        if (target->empty()) return Errno::NoEnt;
        if (target->front() == '/') return Errno::NotCapable;
        pushComponents(*target, comps, true);
        continue;
      }
    }
    return errnoFromHost(err);
  }
  out.dir = std::move(chain.back());
  out.name = std::move(name);
  return Errno::Success;
}

}  // namespace tw::wasi
