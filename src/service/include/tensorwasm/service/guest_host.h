// The host side of one instance that serves invocations: its WASI preview-1 context and the
// TensorWasm guest interfaces (wasi:tensor, wasi:scheduler, wasi:cuda), all linked once when
// the instance is made and re-armed for every invocation. begin() hands the invocation its
// input, request document, stream and deadline (which `yield`, `deadline-remaining-ms` and GPU
// launch admission read); finish() collects what the guest produced; reset() returns the host
// state to new for the next user of a pooled instance: descriptors the guest opened are closed,
// captured output is cleared, and its GPU buffers and kernels are freed (old handles stop
// working). A kept instance (`/instances`, a restored snapshot) finishes with `keep`, so its
// device buffers survive to its next invocation.
// Thread-safety: one invocation at a time, on any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tensorwasm/gpu/gpu.h"
#include "tensorwasm/runtime/instance.h"
#include "tensorwasm/service/executor.h"
#include "tensorwasm/service/pool.h"
#include "tensorwasm/wasi/cuda.h"
#include "tensorwasm/wasi/guest_interfaces.h"
#include "tensorwasm/wasi/wasi.h"

namespace tw::service {

// What every instance of a deployed function starts with.
struct GuestSetup {
  std::vector<std::string> args;          // argv, program name first
  std::vector<std::string> env;           // "KEY=VALUE"
  std::vector<WasiPreopen> preopens;
  size_t captureLimit = 1u << 20;         // stdout and stderr each (http-api.md: 1 MiB)
  std::shared_ptr<gpu::GpuRuntime> gpu;   // null: wasi:cuda answers -1 NotAvailable
  CudaGuestConfig cuda;                   // tenant name, GPU memory cap, enabled
};

// One invocation's inputs and where its stream goes.
struct InvocationIo {
  std::string input;                   // wasi:tensor read-input
  std::string request;                 // wasi:tensor read-request (OpenAI routes)
  std::shared_ptr<TensorSink> sink;    // streaming on the guest's thread, or
  std::shared_ptr<ChunkQueue> queue;   // through a bounded queue a consumer drains
};

// What the guest left behind besides its results.
struct GuestOutput {
  WasiCapturedOutput stdoutText, stderrText;
  std::optional<int32_t> exitCode;     // proc_exit's status, when called
  std::optional<TensorUsage> usage;    // set-usage, when called
  uint64_t emittedBytes = 0;
};

class GuestHost : public InstanceHost {
 public:
  // An Io error when a preopen cannot be opened; Usage for a malformed environment entry.
  static Result<std::shared_ptr<GuestHost>> create(const GuestSetup& setup);
  // Defines every host interface in `linker`, bound to this host's contexts.
  void link(Linker& linker);
  void begin(InvocationIo io, const RunContext& run);
  // Ends the invocation: waits for the GPU stream and, unless `keep`, frees the device state.
  GuestOutput finish(bool keep);
  Result<void> reset() override;
  CudaGuestContext& cuda() { return *cuda_; }

 private:
  GuestHost() = default;
  std::shared_ptr<WasiContext> wasi_;
  std::shared_ptr<TensorStreamContext> tensor_;
  std::shared_ptr<SchedulerContext> scheduler_;
  std::shared_ptr<CudaGuestContext> cuda_;
};

}  // namespace tw::service
