// The process's pagemap descriptor: opened on first use, forgotten in a forked child.
#include "pagemap.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <mutex>

namespace tw::pagemap {
namespace {

std::mutex openMu;
std::atomic<int> sharedFd{-1};

void forgetInChild() {
  int fd = sharedFd.exchange(-1);
  if (fd >= 0) close(fd);
}

int descriptor() {
  int fd = sharedFd.load(std::memory_order_acquire);
  if (fd >= 0) return fd;
  std::lock_guard<std::mutex> lock(openMu);
  static bool registered = false;
  if (!registered) {
    pthread_atfork(nullptr, nullptr, forgetInChild);
    registered = true;
  }
  fd = sharedFd.load(std::memory_order_acquire);
  if (fd < 0) {
    fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    sharedFd.store(fd, std::memory_order_release);
  }
  return fd;
}

bool probe() {
  void* p = mmap(nullptr, kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return false;
  *static_cast<volatile uint8_t*>(p) = 1;
  uint64_t entry = 0;
  bool ok = read(p, 1, &entry) && written(entry);
  munmap(p, kPage);
  return ok;
}

}  // namespace

bool read(const void* addr, uint64_t pages, uint64_t* out) {
  int fd = descriptor();
  if (fd < 0) return false;
  uint64_t first = reinterpret_cast<uintptr_t>(addr) / kPage;
  size_t want = pages * sizeof(uint64_t), got = 0;
  while (got < want) {
    ssize_t n = pread(fd, reinterpret_cast<uint8_t*>(out) + got, want - got,
                      static_cast<off_t>(first * sizeof(uint64_t) + got));
    if (n <= 0) return false;
    got += static_cast<size_t>(n);
  }
  return true;
}

bool showsWrites() {
  static const bool shows = probe();
  return shows;
}

}  // namespace tw::pagemap
