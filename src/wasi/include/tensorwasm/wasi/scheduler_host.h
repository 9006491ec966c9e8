// `wasi:scheduler/host@0.1.0`: cooperative deadlines (guest-abi.md). A long-running guest calls
// `yield` in its loops and winds down when the answer is non-zero (1: 50 ms or less left, 2: the
// deadline passed or the invocation was cancelled), or asks `deadline-remaining-ms` to size its
// work. A guest that ignores both is still stopped at the deadline by the engine's interrupt
// flag; this interface only lets it stop cleanly first.
//
// The clock is injectable so tests can move time by hand.
//
// Thread-safety: a SchedulerContext is read by the thread running its guest; begin() re-arms
// it between invocations (never during one). The clock function must be callable from the
// thread running the guest.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "tensorwasm/runtime/instance.h"
#include "tensorwasm/wasi/wasi.h"

namespace tw {

inline constexpr const char* kSchedulerModule = "wasi:scheduler/host@0.1.0";

namespace scheduler {
inline constexpr int32_t kContinue = 0;
inline constexpr int32_t kDeadlineNear = 1;
inline constexpr int32_t kStop = 2;
// `yield` says "near" at or below this much time left.
inline constexpr std::chrono::milliseconds kNearThreshold{50};
// deadline-remaining-ms with no deadline (-1 as i32); real values clamp to one below it.
inline constexpr uint32_t kNoDeadline = 0xFFFFFFFFu;
inline constexpr uint32_t kMaxRemainingMs = 0xFFFFFFFEu;
}  // namespace scheduler

struct SchedulerConfig {
  std::optional<std::chrono::steady_clock::time_point> deadline;  // none: no deadline
  // When set and true, `yield` says stop (the invocation was cancelled or timed out).
  const std::atomic<bool>* interrupt = nullptr;
  // The time source; steady_clock::now when empty.
  std::function<std::chrono::steady_clock::time_point()> clock;
};

class SchedulerContext {
 public:
  explicit SchedulerContext(SchedulerConfig config);
  // The next invocation's deadline and interrupt flag (a pooled instance's linked context).
  void begin(SchedulerConfig config);

  // What `yield` returns: scheduler::kContinue, kDeadlineNear or kStop.
  int32_t yieldVerdict() const;
  // What `deadline-remaining-ms` returns, read as u32: whole ms left (0 once passed), clamped
  // to kMaxRemainingMs; kNoDeadline without a deadline.
  uint32_t remainingMs() const;
  const std::optional<std::chrono::steady_clock::time_point>& deadline() const {
    return config_.deadline;
  }

 private:
  std::chrono::steady_clock::time_point now() const;
  SchedulerConfig config_;
};

// The two wasi:scheduler functions bound to `context`, with their Wasm signatures.
std::vector<WasiFunction> schedulerFunctions(std::shared_ptr<SchedulerContext> context);

// Defines them under module "wasi:scheduler/host@0.1.0".
void linkScheduler(Linker& linker, std::shared_ptr<SchedulerContext> context);

}  // namespace tw
