// Signals and generated code. Out-of-bounds memory accesses are faults: generated code loads
// and stores without bounds checks, relying on each memory's PROT_NONE tail (runtime/memory.h). A
// process-wide SIGSEGV/SIGBUS handler, running on a per-thread alternate stack, turns a fault
// into the `out of bounds memory access` trap only when the faulting instruction is in code
// this tier generated, the thread is inside generated code, and the address lies in a linear
// memory's reservation beyond its committed size. Any other fault goes to the handler that
// was installed before (or the default action), so it still crashes loudly.
// Thread-safety: every function may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>

#include "abi.h"

namespace tw::jit {

// Records [begin, end) as machine code of this tier / forgets the range starting at begin.
void addCodeRange(uintptr_t begin, uintptr_t end);
void removeCodeRange(uintptr_t begin);

// Installs the fault handler and the interrupt signal's handler (once per process; later
// calls do nothing).
void installFaultHandler();

// Deadlines for generated code without polls (loop copies proven in bounds,
// codegen/loop_versioning.h): while an InterruptWatch lives, a watchdog thread sends the
// thread that made it SIGURG every millisecond once `flag` is set; the handler raises the
// `interrupted` trap when the signal lands on an instruction of generated code while the
// thread's current call has its flag set, and otherwise returns. Make one per outermost call.
class InterruptWatch {
 public:
  explicit InterruptWatch(const std::atomic<bool>* flag);
  ~InterruptWatch();
  InterruptWatch(const InterruptWatch&) = delete;
  InterruptWatch& operator=(const InterruptWatch&) = delete;

 private:
  uint64_t id_;  // the watchdog's record of this call
};

// Prepares the calling thread before it enters generated code: remembers `thread` for the
// handler and gives the thread an alternate signal stack unless it already has one.
void prepareThreadForFaults(JitThread& thread);

}  // namespace tw::jit
