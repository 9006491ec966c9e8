// The preview-1 calls that touch no file: arguments and environment, clocks, randomness,
// poll_oneoff, sched_yield, proc_exit/proc_raise and the socket calls (unsupported: a guest
// has no way to obtain a socket here). Output structures are checked for bounds before any
// side effect, so a bad pointer leaves nothing half-done.
#include <algorithm>
#include <cstring>

#include "tensorwasm/runtime/trap.h"
#include "wasi_state.h"

namespace tw::wasi {

namespace {

// args_get/environ_get: an array of pointers at `ptrs`, NUL-terminated strings at `buf`.
Errno writeStrings(const GuestMemory& mem, const std::vector<std::string>& list, uint32_t ptrs,
                   uint32_t buf) {
  uint64_t total = 0;
  for (const auto& s : list) total += s.size() + 1;
  if (!mem.fits(ptrs, list.size(), 4) || !mem.range(buf, total)) return Errno::Fault;
  uint64_t at = buf;
  for (size_t i = 0; i < list.size(); ++i) {
    mem.write<uint32_t>(ptrs + 4 * uint64_t{i}, static_cast<uint32_t>(at));
    std::memcpy(mem.range(at, list[i].size() + 1), list[i].c_str(), list[i].size() + 1);
    at += list[i].size() + 1;
  }
  return Errno::Success;
}

Errno writeSizes(const GuestMemory& mem, const std::vector<std::string>& list, uint32_t countPtr,
                 uint32_t sizePtr) {
  uint64_t total = 0;
  for (const auto& s : list) total += s.size() + 1;
  if (total > UINT32_MAX) return Errno::Overflow;
  if (!mem.range(countPtr, 4) || !mem.range(sizePtr, 4)) return Errno::Fault;
  mem.write<uint32_t>(countPtr, static_cast<uint32_t>(list.size()));
  mem.write<uint32_t>(sizePtr, static_cast<uint32_t>(total));
  return Errno::Success;
}

Result<Errno> argsGet(CallEnv& c, const CallArgs& a) {
  return writeStrings(c.mem, c.st.config.args, a.u32(0), a.u32(1));
}
Result<Errno> argsSizesGet(CallEnv& c, const CallArgs& a) {
  return writeSizes(c.mem, c.st.config.args, a.u32(0), a.u32(1));
}
Result<Errno> environGet(CallEnv& c, const CallArgs& a) {
  return writeStrings(c.mem, c.st.config.env, a.u32(0), a.u32(1));
}
Result<Errno> environSizesGet(CallEnv& c, const CallArgs& a) {
  return writeSizes(c.mem, c.st.config.env, a.u32(0), a.u32(1));
}

Result<Errno> clockResGet(CallEnv& c, const CallArgs& a) {
  auto res = c.st.system->clockResolution(a.u32(0));
  if (!res) return Errno::Inval;
  return c.mem.write<uint64_t>(a.u32(1), *res) ? Errno::Success : Errno::Fault;
}

Result<Errno> clockTimeGet(CallEnv& c, const CallArgs& a) {
  if (!c.mem.range(a.u32(2), 8)) return Errno::Fault;
  auto now = c.st.system->clockTime(a.u32(0));
  if (!now) return Errno::Inval;
  c.mem.write<uint64_t>(a.u32(2), *now);
  return Errno::Success;
}

Result<Errno> randomGet(CallEnv& c, const CallArgs& a) {
  uint8_t* p = c.mem.range(a.u32(0), a.u32(1));
  if (!p) return Errno::Fault;
  if (!c.st.system->randomBytes({p, a.u32(1)})) return Errno::Io;
  return Errno::Success;
}

struct PollEvent {
  uint64_t userdata = 0;
  Errno error = Errno::Success;
  uint8_t type = 0;
  uint64_t nbytes = 0;
};

struct PendingClock {
  uint64_t userdata;
  uint64_t deadline;  // on the monotonic clock
};

// Sleeps until the monotonic clock reaches `deadline`, in slices when an interrupt flag can
// end the wait early.
Result<void> sleepUntil(WasiState& st, uint64_t deadline) {
  constexpr uint64_t kSlice = 10'000'000;  // 10 ms
  for (;;) {
    if (st.config.interrupt && st.config.interrupt->load(std::memory_order_relaxed)) {
      return makeTrap(TrapKind::Interrupted);
    }
    uint64_t now = st.system->clockTime(1).value_or(deadline);
    if (now >= deadline) return {};
    uint64_t wait = deadline - now;
    if (st.config.interrupt) wait = std::min(wait, kSlice);
    st.system->sleep(wait);
  }
}

Result<Errno> pollOneoff(CallEnv& c, const CallArgs& a) {
  uint32_t in = a.u32(0), out = a.u32(1), n = a.u32(2), neventsPtr = a.u32(3);
  if (n == 0) return Errno::Inval;
  if (!c.mem.fits(in, n, kSubscriptionSize) || !c.mem.fits(out, n, kEventSize) ||
      !c.mem.range(neventsPtr, 4)) {
    return Errno::Fault;
  }
  uint64_t monoNow = c.st.system->clockTime(1).value_or(0);
  std::vector<PollEvent> ready;
  std::vector<PendingClock> clocks;
  for (uint32_t i = 0; i < n; ++i) {
    uint64_t s = in + uint64_t{i} * kSubscriptionSize;
    PollEvent ev;
    uint8_t tag = 0;
    c.mem.read(s, ev.userdata);
    c.mem.read(s + 8, tag);
    ev.type = tag;
    if (tag == kEventClock) {
      uint32_t id = 0;
      uint64_t timeout = 0;
      uint16_t flags = 0;
      c.mem.read(s + 16, id);
      c.mem.read(s + 24, timeout);
      c.mem.read(s + 40, flags);
      auto clockNow = c.st.system->clockTime(id);
      if (!clockNow) {
        ev.error = Errno::Inval;
        ready.push_back(ev);
        continue;
      }
      uint64_t remaining = timeout;
      if (flags & kSubclockAbstime) remaining = timeout > *clockNow ? timeout - *clockNow : 0;
      uint64_t deadline = monoNow + std::min(remaining, UINT64_MAX - monoNow);
      clocks.push_back({ev.userdata, deadline});
    } else if (tag == kEventFdRead || tag == kEventFdWrite) {
      // Descriptors here are files, capture buffers or the host's stdio: reported ready at
      // once, which is what the preview-1 semantics allow for files.
      uint32_t fd = 0;
      c.mem.read(s + 16, fd);
      Errno err;
      if (!c.st.lookup(fd, rights::PollFdReadwrite, err)) ev.error = err;
      ready.push_back(ev);
    } else {
      return Errno::Inval;
    }
  }
  if (ready.empty() && !clocks.empty()) {
    uint64_t first = UINT64_MAX;
    for (const auto& p : clocks) first = std::min(first, p.deadline);
    TW_TRY(sleepUntil(c.st, first));
  }
  if (!clocks.empty()) {
    uint64_t now = c.st.system->clockTime(1).value_or(UINT64_MAX);
    for (const auto& p : clocks) {
      if (p.deadline <= now) ready.push_back({p.userdata, Errno::Success, kEventClock, 0});
    }
  }
  for (size_t i = 0; i < ready.size(); ++i) {
    uint64_t e = out + i * kEventSize;
    std::memset(c.mem.range(e, kEventSize), 0, kEventSize);
    c.mem.write<uint64_t>(e, ready[i].userdata);
    c.mem.write<uint16_t>(e + 8, static_cast<uint16_t>(ready[i].error));
    c.mem.write<uint8_t>(e + 10, ready[i].type);
    c.mem.write<uint64_t>(e + 16, ready[i].nbytes);
  }
  c.mem.write<uint32_t>(neventsPtr, static_cast<uint32_t>(ready.size()));
  return Errno::Success;
}

Result<Errno> procExit(CallEnv& c, const CallArgs& a) {
  int32_t code = static_cast<int32_t>(a.u32(0));
  c.st.exitCode = code;
  return makeExit(code);
}

Result<Errno> procRaise(CallEnv&, const CallArgs&) { return Errno::NoSys; }

Result<Errno> schedYield(CallEnv& c, const CallArgs&) {
  c.st.system->yield();
  return Errno::Success;
}

Result<Errno> sockUnsupported(CallEnv& c, const CallArgs& a) {
  return c.st.find(a.u32(0)) ? Errno::NotSup : Errno::Badf;
}

constexpr CallDef kCalls[] = {
    {"args_get", "ii", argsGet},
    {"args_sizes_get", "ii", argsSizesGet},
    {"environ_get", "ii", environGet},
    {"environ_sizes_get", "ii", environSizesGet},
    {"clock_res_get", "ii", clockResGet},
    {"clock_time_get", "iIi", clockTimeGet},
    {"random_get", "ii", randomGet},
    {"poll_oneoff", "iiii", pollOneoff},
    {"proc_exit", "i", procExit, true},
    {"proc_raise", "i", procRaise},
    {"sched_yield", "", schedYield},
    {"sock_accept", "iii", sockUnsupported},
    {"sock_recv", "iiiiii", sockUnsupported},
    {"sock_send", "iiiii", sockUnsupported},
    {"sock_shutdown", "ii", sockUnsupported},
};

}  // namespace

std::span<const CallDef> processCalls() { return kCalls; }

}  // namespace tw::wasi
