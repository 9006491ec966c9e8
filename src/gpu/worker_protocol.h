// The wire format between a process and its GPU worker processes (one per device): a shared
// memory `Channel` holding a ring of fixed-size requests, the reply to the one synchronous
// request in flight, and a bulk data area. The parent serializes its callers per channel, so
// at most one synchronous request is outstanding; asynchronous requests (launches, event
// records, stream-ordered frees) are only queued, and their driver errors come back at the
// next query of their stream or event. Both sides spin briefly and then sleep on a futex over
// the counter they wait for. Handles cross the boundary as the worker's own 64-bit values.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "tensorwasm/gpu/driver_api.h"

namespace tw::gpu::worker {

inline constexpr const char* kWorkerFlag = "--tw-gpu-worker";
// Set in every worker's environment: a worker never starts workers of its own.
inline constexpr const char* kWorkerEnv = "TENSORWASM_GPU_WORKER";
inline constexpr int kChannelFd = 3;  // where a worker finds its channel's memfd
inline constexpr uint32_t kRingSlots = 256;
inline constexpr uint32_t kMaxParams = 128;   // the guest ABI's argument-record limit
inline constexpr size_t kDataBytes = 16u << 20;  // largest payload of one synchronous call

enum class Op : uint32_t {
  Init,  // the worker's driver-load result; its reason text in data on failure
  DriverVersion, DeviceCount, DeviceGet, DeviceName, DeviceAttribute, DeviceTotalMem,
  ErrorName, ErrorString,
  CtxRetain, CtxRelease, MemGetInfo,
  StreamCreate, StreamDestroy, StreamSynchronize,
  EventCreate, EventRecord, EventQuery, EventDestroy,
  ModuleLoad, ModuleUnload, ModuleGetFunction, FuncParamInfo,
  Launch,
  MemAlloc, MemAllocManaged, MemFree, MemcpyHtoD, MemcpyDtoH,
  PoolCreate, PoolDestroy, PoolSetAttribute, AllocFromPool, FreeAsync,
  Barrier,  // no-op: answered once every earlier request was handed to the driver
};

// Queued requests get no reply; everything else is answered before the next one is read.
constexpr bool isAsync(Op op) {
  return op == Op::Launch || op == Op::EventRecord || op == Op::FreeAsync;
}

struct Request {
  Op op = Op::Barrier;
  uint32_t count = 0;  // Launch: parameters used; data-carrying ops: payload bytes
  uint64_t a[9] = {};  // operands (handles, sizes, dimensions)
  uint64_t params[kMaxParams];  // Launch: each parameter's value, low bytes first
};

struct Reply {
  CUresult result = CUDA_SUCCESS;
  uint64_t out[2] = {};
  uint64_t dataLen = 0;  // bytes of the reply in Channel::data
};

// Lives in a MAP_SHARED memfd mapping that starts zero-filled; never constructed.
struct Channel {
  alignas(64) std::atomic<uint32_t> posted;  // requests written by the parent
  std::atomic<uint32_t> workerAsleep;
  alignas(64) std::atomic<uint32_t> done;    // requests finished by the worker
  std::atomic<uint32_t> parentAsleep;
  alignas(64) Reply reply;
  Request ring[kRingSlots];
  alignas(4096) uint8_t data[kDataBytes];
};
static_assert(std::atomic<uint32_t>::is_always_lock_free);

// Sleeps while `word` holds `expected`, at most `timeoutMs`. Shared (not process-private)
// futexes, since the words live in memory mapped by two processes.
void futexWait(std::atomic<uint32_t>& word, uint32_t expected, int timeoutMs);
void futexWake(std::atomic<uint32_t>& word);

// A short busy-wait step (the CPU's pause hint).
inline void cpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

}  // namespace tw::gpu::worker
