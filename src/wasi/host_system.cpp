// The real WasiSystem: POSIX clocks, the kernel's random source and nanosleep. Stateless, so
// one shared instance serves every context and thread.
#include <sched.h>
#include <sys/random.h>
#include <time.h>

#include <cerrno>

#include "tensorwasm/wasi/wasi.h"

namespace tw {

namespace {

bool hostClock(uint32_t id, clockid_t& out) {
  switch (id) {
    case 0: out = CLOCK_REALTIME; return true;
    case 1: out = CLOCK_MONOTONIC; return true;
    case 2: out = CLOCK_PROCESS_CPUTIME_ID; return true;
    case 3: out = CLOCK_THREAD_CPUTIME_ID; return true;
    default: return false;
  }
}

class HostSystem final : public WasiSystem {
 public:
  std::optional<uint64_t> clockTime(uint32_t id) override {
    clockid_t c;
    struct timespec ts {};
    if (!hostClock(id, c) || clock_gettime(c, &ts) != 0) return std::nullopt;
    return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
  }
  std::optional<uint64_t> clockResolution(uint32_t id) override {
    clockid_t c;
    struct timespec ts {};
    if (!hostClock(id, c) || clock_getres(c, &ts) != 0) return std::nullopt;
    uint64_t ns =
        static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
    return ns == 0 ? 1 : ns;
  }
  bool randomBytes(std::span<uint8_t> out) override {
    size_t done = 0;
    while (done < out.size()) {
      ssize_t n = getrandom(out.data() + done, out.size() - done, 0);
      if (n < 0) {
        if (errno == EINTR) continue;
        return false;
      }
      done += static_cast<size_t>(n);
    }
    return true;
  }
  void sleep(uint64_t ns) override {
    struct timespec ts;
    ts.tv_sec = static_cast<time_t>(ns / 1'000'000'000ull);
    ts.tv_nsec = static_cast<long>(ns % 1'000'000'000ull);
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
  }
  void yield() override { sched_yield(); }
};

}  // namespace

std::shared_ptr<WasiSystem> hostWasiSystem() {
  static const std::shared_ptr<WasiSystem> system = std::make_shared<HostSystem>();
  return system;
}

}  // namespace tw
