// `wasi:scheduler/host@0.1.0` (see scheduler_host.h): deadline verdicts computed from the
// context's clock, and the two host functions. Neither function touches guest memory.
#include "tensorwasm/wasi/scheduler_host.h"

#include <algorithm>

namespace tw {

using Clock = std::chrono::steady_clock;

SchedulerContext::SchedulerContext(SchedulerConfig config) : config_(std::move(config)) {}

void SchedulerContext::begin(SchedulerConfig config) { config_ = std::move(config); }

Clock::time_point SchedulerContext::now() const {
  return config_.clock ? config_.clock() : Clock::now();
}

int32_t SchedulerContext::yieldVerdict() const {
  if (config_.interrupt && config_.interrupt->load(std::memory_order_relaxed)) {
    return scheduler::kStop;
  }
  if (!config_.deadline) return scheduler::kContinue;
  Clock::duration left = *config_.deadline - now();
  if (left <= Clock::duration::zero()) return scheduler::kStop;
  if (left <= scheduler::kNearThreshold) return scheduler::kDeadlineNear;
  return scheduler::kContinue;
}

uint32_t SchedulerContext::remainingMs() const {
  if (!config_.deadline) return scheduler::kNoDeadline;
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*config_.deadline - now());
  if (left.count() <= 0) return 0;
  return static_cast<uint32_t>(
      std::min<int64_t>(left.count(), int64_t{scheduler::kMaxRemainingMs}));
}

std::vector<WasiFunction> schedulerFunctions(std::shared_ptr<SchedulerContext> context) {
  FuncType type{{}, {ValType::I32}};
  std::vector<WasiFunction> out;
  out.push_back({"yield", type,
                 [context](HostCall&, std::span<const Value>, std::span<Value> results) -> Result<void> {
                   results[0] = Value::i32(static_cast<uint32_t>(context->yieldVerdict()));
                   return {};
                 }});
  out.push_back({"deadline-remaining-ms", type,
                 [context](HostCall&, std::span<const Value>, std::span<Value> results) -> Result<void> {
                   results[0] = Value::i32(context->remainingMs());
                   return {};
                 }});
  return out;
}

void linkScheduler(Linker& linker, std::shared_ptr<SchedulerContext> context) {
  defineFunctions(linker, kSchedulerModule, schedulerFunctions(std::move(context)));
}

}  // namespace tw
