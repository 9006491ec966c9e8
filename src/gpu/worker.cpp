// The GPU worker process: maps the channel its parent passed as fd 3, loads the driver, and
// executes requests in order on one thread until the parent goes away. It owns its device's
// only context in the family of processes. Every handle a request names must be one this
// worker created and has not destroyed, so a stale handle from before a restart is refused
// (CUDA_ERROR_INVALID_HANDLE) instead of reaching the driver. Errors of queued requests are
// kept per stream and handed over to the next event recorded on it.
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/futex.h>

#include <chrono>
#include <cstring>
#include <unordered_map>
#include <unordered_set>

#include "tensorwasm/gpu/isolation.h"
#include "worker_protocol.h"

namespace tw::gpu {
namespace worker {

void futexWait(std::atomic<uint32_t>& word, uint32_t expected, int timeoutMs) {
  timespec ts{timeoutMs / 1000, (timeoutMs % 1000) * 1000000L};
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAIT, expected, &ts, nullptr, 0);
}

void futexWake(std::atomic<uint32_t>& word) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAKE, INT32_MAX, nullptr,
          nullptr, 0);
}

namespace {

using Handles = std::unordered_set<uint64_t>;

template <typename T>
uint64_t bits(T handle) {
  return reinterpret_cast<uint64_t>(handle);
}
template <typename T>
T as(uint64_t v) {
  return reinterpret_cast<T>(v);
}

class Worker {
 public:
  Worker(const DriverApi& api, Channel& ch) : d_(api), ch_(ch) {}
  int serve(pid_t parent);

 private:
  void handle(const Request& rq, Reply& rp);
  CUresult needContext() const { return ctx_ ? CUDA_SUCCESS : CUDA_ERROR_INVALID_CONTEXT; }
  CUresult known(const Handles& set, uint64_t h) const {
    if (!ctx_) return CUDA_ERROR_INVALID_CONTEXT;
    return set.count(h) ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE;
  }
  uint64_t putText(const char* text);
  void context(const Request& rq, Reply& rp);
  void streamsAndEvents(const Request& rq, Reply& rp);
  void modules(const Request& rq, Reply& rp);
  void memory(const Request& rq, Reply& rp);
  void launch(const Request& rq);
  void keepStreamError(uint64_t stream, CUresult r) {
    if (r != CUDA_SUCCESS) streamError_.try_emplace(stream, r);
  }

  const DriverApi& d_;
  Channel& ch_;
  CUcontext ctx_ = nullptr;
  CUdevice device_ = 0;
  int retains_ = 0;
  Handles streams_, events_, modules_, functions_, pools_, allocs_;
  std::unordered_map<uint64_t, std::vector<uint64_t>> moduleFunctions_;
  std::unordered_map<uint64_t, CUresult> streamError_, eventError_;
};

uint64_t Worker::putText(const char* text) {
  if (!text) return 0;
  size_t n = std::min(std::strlen(text), kDataBytes - 1);
  std::memcpy(ch_.data, text, n);
  return n;
}

void Worker::context(const Request& rq, Reply& rp) {
  switch (rq.op) {
    case Op::CtxRetain:
      if (!ctx_) {
        CUcontext c = nullptr;
        rp.result = d_.cuDevicePrimaryCtxRetain(&c, static_cast<CUdevice>(rq.a[0]));
        if (rp.result != CUDA_SUCCESS) return;
        ctx_ = c;
        device_ = static_cast<CUdevice>(rq.a[0]);
        d_.cuCtxSetCurrent(ctx_);
      }
      ++retains_;
      return;
    case Op::CtxRelease:
      if (retains_ > 0 && --retains_ == 0) {
        rp.result = d_.cuDevicePrimaryCtxRelease(device_);
        ctx_ = nullptr;
      }
      return;
    case Op::MemGetInfo: {
      if ((rp.result = needContext()) != CUDA_SUCCESS) return;
      size_t freeB = 0, totalB = 0;
      rp.result = d_.cuMemGetInfo(&freeB, &totalB);
      rp.out[0] = freeB;
      rp.out[1] = totalB;
      return;
    }
    default:
      rp.result = CUDA_ERROR_NOT_SUPPORTED;
  }
}

void Worker::streamsAndEvents(const Request& rq, Reply& rp) {
  uint64_t h = rq.a[0];
  switch (rq.op) {
    case Op::StreamCreate: {
      if ((rp.result = needContext()) != CUDA_SUCCESS) return;
      CUstream s = nullptr;
      if ((rp.result = d_.cuStreamCreate(&s, static_cast<unsigned>(rq.a[0]))) == CUDA_SUCCESS) {
        streams_.insert(bits(s));
        rp.out[0] = bits(s);
      }
      return;
    }
    case Op::StreamDestroy:
      if ((rp.result = known(streams_, h)) != CUDA_SUCCESS) return;
      streams_.erase(h);
      streamError_.erase(h);
      rp.result = d_.cuStreamDestroy(as<CUstream>(h));
      return;
    case Op::StreamSynchronize:
      if ((rp.result = known(streams_, h)) != CUDA_SUCCESS) return;
      if (auto it = streamError_.find(h); it != streamError_.end()) {
        rp.result = it->second;
        streamError_.erase(it);
        return;
      }
      rp.result = d_.cuStreamSynchronize(as<CUstream>(h));
      return;
    case Op::EventCreate: {
      if ((rp.result = needContext()) != CUDA_SUCCESS) return;
      CUevent e = nullptr;
      if ((rp.result = d_.cuEventCreate(&e, static_cast<unsigned>(rq.a[0]))) == CUDA_SUCCESS) {
        events_.insert(bits(e));
        rp.out[0] = bits(e);
      }
      return;
    }
    case Op::EventRecord: {
      uint64_t s = rq.a[1];
      CUresult r = known(events_, h);
      if (r == CUDA_SUCCESS) r = known(streams_, s);
      if (auto it = streamError_.find(s); r == CUDA_SUCCESS && it != streamError_.end()) {
        r = it->second;  // the event reports what went wrong before it on the stream
        streamError_.erase(it);
      }
      if (r == CUDA_SUCCESS) r = d_.cuEventRecord(as<CUevent>(h), as<CUstream>(s));
      if (r != CUDA_SUCCESS) eventError_[h] = r;
      return;
    }
    case Op::EventQuery:
      if ((rp.result = known(events_, h)) != CUDA_SUCCESS) return;
      if (auto it = eventError_.find(h); it != eventError_.end()) {
        rp.result = it->second;
        eventError_.erase(it);
        return;
      }
      rp.result = d_.cuEventQuery(as<CUevent>(h));
      return;
    case Op::EventDestroy:
      if ((rp.result = known(events_, h)) != CUDA_SUCCESS) return;
      events_.erase(h);
      eventError_.erase(h);
      rp.result = d_.cuEventDestroy(as<CUevent>(h));
      return;
    default:
      rp.result = CUDA_ERROR_NOT_SUPPORTED;
  }
}

void Worker::modules(const Request& rq, Reply& rp) {
  switch (rq.op) {
    case Op::ModuleLoad: {
      if ((rp.result = needContext()) != CUDA_SUCCESS) return;
      if (rq.count == 0 || rq.count > kDataBytes) {
        rp.result = CUDA_ERROR_INVALID_VALUE;
        return;
      }
      // The image is in data; PTX must end with a NUL, which the parent sent along.
      std::string image(reinterpret_cast<const char*>(ch_.data), rq.count);
      char log[4096] = {};
      int options[2] = {CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
      void* values[2] = {log, reinterpret_cast<void*>(uintptr_t{sizeof log - 1})};
      CUmodule m = nullptr;
      rp.result = d_.cuModuleLoadDataEx(&m, image.data(), 2, options, values);
      if (rp.result == CUDA_SUCCESS) {
        modules_.insert(bits(m));
        rp.out[0] = bits(m);
      } else {
        rp.dataLen = putText(log);
      }
      return;
    }
    case Op::ModuleUnload: {
      if ((rp.result = known(modules_, rq.a[0])) != CUDA_SUCCESS) return;
      for (uint64_t f : moduleFunctions_[rq.a[0]]) functions_.erase(f);
      moduleFunctions_.erase(rq.a[0]);
      modules_.erase(rq.a[0]);
      rp.result = d_.cuModuleUnload(as<CUmodule>(rq.a[0]));
      return;
    }
    case Op::ModuleGetFunction: {
      if ((rp.result = known(modules_, rq.a[0])) != CUDA_SUCCESS) return;
      std::string name(reinterpret_cast<const char*>(ch_.data), std::min<size_t>(rq.count, 1024));
      CUfunction f = nullptr;
      rp.result = d_.cuModuleGetFunction(&f, as<CUmodule>(rq.a[0]), name.c_str());
      if (rp.result == CUDA_SUCCESS) {
        functions_.insert(bits(f));
        moduleFunctions_[rq.a[0]].push_back(bits(f));
        rp.out[0] = bits(f);
      }
      return;
    }
    case Op::FuncParamInfo: {
      if ((rp.result = known(functions_, rq.a[0])) != CUDA_SUCCESS) return;
      if (!d_.cuFuncGetParamInfo) {
        rp.result = CUDA_ERROR_NOT_SUPPORTED;
        return;
      }
      size_t offset = 0, size = 0;
      rp.result = d_.cuFuncGetParamInfo(as<CUfunction>(rq.a[0]), rq.a[1], &offset, &size);
      rp.out[0] = offset;
      rp.out[1] = size;
      return;
    }
    default:
      rp.result = CUDA_ERROR_NOT_SUPPORTED;
  }
}

void Worker::memory(const Request& rq, Reply& rp) {
  switch (rq.op) {
    case Op::MemAlloc:
    case Op::MemAllocManaged: {
      if ((rp.result = needContext()) != CUDA_SUCCESS) return;
      CUdeviceptr p = 0;
      rp.result = rq.op == Op::MemAlloc
                      ? d_.cuMemAlloc(&p, rq.a[0])
                      : d_.cuMemAllocManaged(&p, rq.a[0], static_cast<unsigned>(rq.a[1]));
      if (rp.result == CUDA_SUCCESS) allocs_.insert(p);
      rp.out[0] = p;
      return;
    }
    case Op::MemFree:
      if ((rp.result = known(allocs_, rq.a[0])) != CUDA_SUCCESS) return;
      allocs_.erase(rq.a[0]);
      rp.result = d_.cuMemFree(rq.a[0]);
      return;
    case Op::FreeAsync: {
      CUresult r = known(allocs_, rq.a[0]);
      if (r == CUDA_SUCCESS) r = known(streams_, rq.a[1]);
      if (r == CUDA_SUCCESS) {
        allocs_.erase(rq.a[0]);
        r = d_.cuMemFreeAsync(rq.a[0], as<CUstream>(rq.a[1]));
      }
      if (streams_.count(rq.a[1])) keepStreamError(rq.a[1], r);
      return;
    }
    case Op::MemcpyHtoD:
    case Op::MemcpyDtoH: {
      if ((rp.result = known(streams_, rq.a[2])) != CUDA_SUCCESS) return;
      if (rq.a[1] > kDataBytes) {
        rp.result = CUDA_ERROR_INVALID_VALUE;
        return;
      }
      CUstream s = as<CUstream>(rq.a[2]);
      rp.result = rq.op == Op::MemcpyHtoD ? d_.cuMemcpyHtoDAsync(rq.a[0], ch_.data, rq.a[1], s)
                                          : d_.cuMemcpyDtoHAsync(ch_.data, rq.a[0], rq.a[1], s);
      // From pageable memory the driver has staged the bytes when the call returns; into it,
      // the copy is complete on return, but a synchronize makes sure of it before the reply
      // hands the bytes over. (The GPU layer drains the stream, within its deadline, first.)
      if (rq.op == Op::MemcpyDtoH && rp.result == CUDA_SUCCESS) rp.result = d_.cuStreamSynchronize(s);
      if (rq.op == Op::MemcpyDtoH && rp.result == CUDA_SUCCESS) rp.dataLen = rq.a[1];
      return;
    }
    case Op::PoolCreate: {
      if ((rp.result = needContext()) != CUDA_SUCCESS) return;
      CUmemPoolPropsTw props{};
      std::memcpy(&props, ch_.data, sizeof props);
      props.win32SecurityAttributes = nullptr;
      CUmemoryPool pool = nullptr;
      rp.result = d_.cuMemPoolCreate(&pool, &props);
      if (rp.result == CUDA_SUCCESS) pools_.insert(bits(pool));
      rp.out[0] = bits(pool);
      return;
    }
    case Op::PoolDestroy:
      if ((rp.result = known(pools_, rq.a[0])) != CUDA_SUCCESS) return;
      pools_.erase(rq.a[0]);
      rp.result = d_.cuMemPoolDestroy(as<CUmemoryPool>(rq.a[0]));
      return;
    case Op::PoolSetAttribute: {
      if ((rp.result = known(pools_, rq.a[0])) != CUDA_SUCCESS) return;
      uint64_t value = rq.a[2];
      rp.result = d_.cuMemPoolSetAttribute(as<CUmemoryPool>(rq.a[0]),
                                           static_cast<int>(rq.a[1]), &value);
      return;
    }
    case Op::AllocFromPool: {
      if ((rp.result = known(pools_, rq.a[1])) != CUDA_SUCCESS) return;
      if ((rp.result = known(streams_, rq.a[2])) != CUDA_SUCCESS) return;
      CUdeviceptr p = 0;
      rp.result = d_.cuMemAllocFromPoolAsync(&p, rq.a[0], as<CUmemoryPool>(rq.a[1]),
                                             as<CUstream>(rq.a[2]));
      if (rp.result == CUDA_SUCCESS) allocs_.insert(p);
      rp.out[0] = p;
      return;
    }
    default:
      rp.result = CUDA_ERROR_NOT_SUPPORTED;
  }
}

void Worker::launch(const Request& rq) {
  uint64_t s = rq.a[7];
  CUresult r = known(functions_, rq.a[0]);
  if (r == CUDA_SUCCESS) r = known(streams_, s);
  if (r == CUDA_SUCCESS && rq.count > kMaxParams) r = CUDA_ERROR_INVALID_VALUE;
  if (r == CUDA_SUCCESS) {
    void* params[kMaxParams + 1];
    for (uint32_t i = 0; i < rq.count; ++i) params[i] = const_cast<uint64_t*>(&rq.params[i]);
    params[rq.count] = nullptr;
    auto u = [&](int i) { return static_cast<unsigned>(rq.a[i]); };
    r = d_.cuLaunchKernel(as<CUfunction>(rq.a[0]), u(1), u(2), u(3), u(4), u(5), u(6),
                          u(8), as<CUstream>(s), params, nullptr);
  }
  if (streams_.count(s)) keepStreamError(s, r);
}

void Worker::handle(const Request& rq, Reply& rp) {
  rp = Reply{};
  switch (rq.op) {
    case Op::Init:
    case Op::Barrier:
      return;
    case Op::DriverVersion: {
      int v = 0;
      rp.result = d_.cuDriverGetVersion ? d_.cuDriverGetVersion(&v) : CUDA_ERROR_NOT_SUPPORTED;
      rp.out[0] = static_cast<uint64_t>(v);
      return;
    }
    case Op::DeviceCount: {
      int n = 0;
      rp.result = d_.cuDeviceGetCount(&n);
      rp.out[0] = static_cast<uint64_t>(n);
      return;
    }
    case Op::DeviceGet: {
      CUdevice dev = 0;
      rp.result = d_.cuDeviceGet(&dev, static_cast<int>(rq.a[0]));
      rp.out[0] = static_cast<uint64_t>(dev);
      return;
    }
    case Op::DeviceName: {
      char name[256] = {};
      rp.result = d_.cuDeviceGetName(name, sizeof name - 1, static_cast<CUdevice>(rq.a[0]));
      rp.dataLen = putText(name);
      return;
    }
    case Op::DeviceAttribute: {
      int v = 0;
      rp.result = d_.cuDeviceGetAttribute(&v, static_cast<int>(rq.a[0]),
                                          static_cast<CUdevice>(rq.a[1]));
      rp.out[0] = static_cast<uint64_t>(static_cast<int64_t>(v));
      return;
    }
    case Op::DeviceTotalMem: {
      size_t n = 0;
      rp.result = d_.cuDeviceTotalMem(&n, static_cast<CUdevice>(rq.a[0]));
      rp.out[0] = n;
      return;
    }
    case Op::ErrorName:
    case Op::ErrorString: {
      const char* text = nullptr;
      auto fn = rq.op == Op::ErrorName ? d_.cuGetErrorName : d_.cuGetErrorString;
      rp.result = fn ? fn(static_cast<CUresult>(rq.a[0]), &text) : CUDA_ERROR_NOT_SUPPORTED;
      rp.dataLen = putText(text);
      return;
    }
    case Op::CtxRetain: case Op::CtxRelease: case Op::MemGetInfo:
      return context(rq, rp);
    case Op::StreamCreate: case Op::StreamDestroy: case Op::StreamSynchronize:
    case Op::EventCreate: case Op::EventRecord: case Op::EventQuery: case Op::EventDestroy:
      return streamsAndEvents(rq, rp);
    case Op::ModuleLoad: case Op::ModuleUnload: case Op::ModuleGetFunction: case Op::FuncParamInfo:
      return modules(rq, rp);
    case Op::Launch:
      return launch(rq);
    default:
      return memory(rq, rp);
  }
}

int Worker::serve(pid_t parent) {
  uint32_t next = ch_.done.load();
  for (;;) {
    uint32_t posted = ch_.posted.load(std::memory_order_acquire);
    if (posted == next) {
      // Idle: spin a little (launch bursts arrive microseconds apart), then sleep.
      auto start = std::chrono::steady_clock::now();
      while (ch_.posted.load(std::memory_order_acquire) == next &&
             std::chrono::steady_clock::now() - start < std::chrono::microseconds(200)) {
        for (int i = 0; i < 64; ++i) cpuRelax();
      }
      if (ch_.posted.load(std::memory_order_acquire) != next) continue;
      ch_.workerAsleep.store(1);
      if (ch_.posted.load() == next) futexWait(ch_.posted, next, 100);
      ch_.workerAsleep.store(0);
      if (getppid() != parent) return 0;  // the parent is gone: so are we
      continue;
    }
    // Everything posted so far; `done` (a line the parent reads) is published after each
    // answered request, every 16 queued ones and at the end of the batch.
    for (uint32_t sinceDone = 0; next != posted; ++sinceDone) {
      const Request& rq = ch_.ring[next % kRingSlots];
      Reply rp;
      handle(rq, rp);
      bool answered = !isAsync(rq.op);
      if (answered) ch_.reply = rp;
      ++next;
      if (answered || sinceDone == 15 || next == posted) {
        ch_.done.store(next);  // seq_cst: pairs with the parent's parentAsleep store
        if (ch_.parentAsleep.load()) futexWake(ch_.done);
        sinceDone = 0;
      }
    }
  }
}

}  // namespace
}  // namespace worker

std::optional<int> runGpuWorkerIfRequested(int argc, char** argv, const WorkerLoader& loader) {
  using namespace worker;
  if (argc < 3 || std::strcmp(argv[1], kWorkerFlag) != 0) return std::nullopt;
  pid_t parent = getppid();
  void* mem = mmap(nullptr, sizeof(Channel), PROT_READ | PROT_WRITE, MAP_SHARED, kChannelFd, 0);
  if (mem == MAP_FAILED) return 70;
  auto& ch = *static_cast<Channel*>(mem);
  std::span<char* const> extra(argv + 3, static_cast<size_t>(argc - 3));
  Result<std::shared_ptr<const DriverApi>> api =
      loader ? loader(extra) : Result<std::shared_ptr<const DriverApi>>(loadCudaDriver());
  if (!api.ok()) {
    // Answer the Init request with the reason, then leave.
    while (ch.posted.load() == ch.done.load()) futexWait(ch.posted, ch.done.load(), 100);
    const std::string& why = api.error().message;
    size_t n = std::min(why.size(), kDataBytes);
    std::memcpy(ch.data, why.data(), n);
    ch.reply = Reply{CUDA_ERROR_NOT_INITIALIZED, {}, n};
    ch.done.fetch_add(1);
    futexWake(ch.done);
    return 0;
  }
  Worker w(*api.value(), ch);
  return w.serve(parent);
}

}  // namespace tw::gpu
