// The TensorWasm-specific guest interfaces beside WASI preview 1: `wasi:tensor/host`
// (tensor_host.h) and `wasi:scheduler/host@0.1.0` (scheduler_host.h). guest-abi.md requires
// every interface to be linked for every guest, whatever it imports, on the CLI and server
// paths alike; linkGuestInterfaces is the one call both paths make so neither can forget one.
// A guest importing a function none of them provides fails at instantiation with a Link error
// naming the import ("unknown import: MODULE.NAME (func)").
//
// Thread-safety: as for the two contexts.
#pragma once

#include <memory>

#include "tensorwasm/runtime/instance.h"
#include "tensorwasm/wasi/scheduler_host.h"
#include "tensorwasm/wasi/tensor_host.h"

namespace tw {

// One invocation's state for the interfaces above.
struct GuestInterfaces {
  std::shared_ptr<TensorStreamContext> tensor;
  std::shared_ptr<SchedulerContext> scheduler;
};

// Defines both interfaces in `linker`. A null context is replaced by a default one (no input,
// streaming disabled, no deadline), so the functions are always there to import.
inline void linkGuestInterfaces(Linker& linker, GuestInterfaces guest) {
  if (!guest.tensor) guest.tensor = std::make_shared<TensorStreamContext>(TensorConfig{});
  if (!guest.scheduler) guest.scheduler = std::make_shared<SchedulerContext>(SchedulerConfig{});
  linkTensor(linker, std::move(guest.tensor));
  linkScheduler(linker, std::move(guest.scheduler));
}

}  // namespace tw
