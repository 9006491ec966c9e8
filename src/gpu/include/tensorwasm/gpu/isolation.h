// Kernel-fault isolation by process: a DriverApi whose calls run in GPU worker processes, one
// per device, each owning that device's only context. A sticky kernel fault poisons a CUDA
// context for the whole process that made it (driver 580 then refuses every new context in
// that process), so the device "reset" of this driver kills the device's worker and starts a
// fresh one; the process that hosts the guests never holds a GPU context and never dies with
// one. A hung kernel goes with its worker too.
//
// Workers are the same executable started again with a marker argument: every program that
// uses the GPU layer calls runGpuWorkerIfRequested() first thing in main().
//
// Limits of the remote table: cuLaunchKernel's `params` must end with a null pointer and
// each parameter is read as 8 bytes (the GPU layer passes every value in a uint64_t);
// cuMemPoolSetAttribute takes 64-bit attribute values; JIT options other than the error log
// buffer are ignored. Thread-safety: as DriverApi; calls to one device are serialized. A child
// made by fork() must not use its parent's isolated driver (the workers are the parent's).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tensorwasm/gpu/driver_api.h"

namespace tw::gpu {

struct IsolationOptions {
  std::string executable = "/proc/self/exe";
  // Passed to the worker after the marker and device (the worker's loader sees them).
  std::vector<std::string> workerArgs;
};

// Starts the worker for the first device and loads the driver there. Fails like
// loadCudaDriver (kind Gpu, code NotAvailable, the plain reason) when the worker finds no
// GPU, or when the worker cannot be started. One isolated driver per process: a second call
// replaces the first (its workers are stopped).
Result<std::shared_ptr<const DriverApi>> loadIsolatedDriver(IsolationOptions options = {});

// Returns once every worker has handed every queued call to the driver (benchmarks use it
// so queued launches are not counted as done).
void flushGpuWorkers();

using WorkerLoader =
    std::function<Result<std::shared_ptr<const DriverApi>>(std::span<char* const> workerArgs)>;

// If argv marks this process as a GPU worker, serves its parent until the parent goes away
// and returns the exit status; otherwise returns nullopt at once. The default loader is
// loadCudaDriver().
std::optional<int> runGpuWorkerIfRequested(int argc, char** argv, const WorkerLoader& loader = {});

}  // namespace tw::gpu
