// The parent side of process isolation: a DriverApi table whose entry points forward to the
// worker of the device the calling thread's context belongs to (contexts are local tokens
// naming a device; the worker holds the real one). Device enumeration goes to the first
// device's worker. cuDevicePrimaryCtxReset restarts the device's worker: the old process is
// killed with everything it held, including a context broken by a sticky fault or a kernel
// that never ends. A worker that dies on its own makes every call on its device fail with a
// sticky error, so the GPU layer resets the device as after a kernel fault.
#include <fcntl.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <csignal>
#include <cstring>
#include <map>
#include <mutex>

#include "tensorwasm/gpu/gpu.h"
#include "tensorwasm/gpu/isolation.h"
#include "worker_protocol.h"

extern char** environ;

namespace tw::gpu {
namespace {

using namespace worker;
using Clock = std::chrono::steady_clock;

// What a call on a dead worker returns: sticky, so the caller rebuilds the device.
constexpr CUresult kWorkerLost = CUDA_ERROR_LAUNCH_FAILED;

class WorkerProcess {
 public:
  static Result<std::unique_ptr<WorkerProcess>> start(const IsolationOptions& options,
                                                      int device);
  ~WorkerProcess();

  // Callers hold lock() across filling data(), call()/post() and reading data().
  std::unique_lock<std::mutex> lock() { return std::unique_lock<std::mutex>(mu_); }
  uint8_t* data() { return ch_->data; }
  // Queues an asynchronous request (waits only while the ring is full).
  CUresult post(const Request& rq);
  // Sends a synchronous request and waits for its reply.
  CUresult call(const Request& rq, Reply& rp);
  pid_t pid() const { return pid_; }
  // SIGKILL; callers waiting on the worker see it gone. Reaped by the destructor.
  void kill();

 private:
  WorkerProcess() = default;
  // Waits until the worker has finished request number `target - 1`; false if it died or
  // the deadline passed.
  bool waitDone(uint32_t target, Clock::time_point deadline = Clock::time_point::max());
  // Whether the process still runs; never reaps it, so its pid cannot be reused meanwhile.
  bool alive();

  std::mutex mu_;
  Channel* ch_ = nullptr;
  int fd_ = -1;
  pid_t pid_ = -1;  // fixed once started
  std::atomic<bool> dead_{false};
  uint32_t posted_ = 0;
  uint32_t doneSeen_ = 0;  // the worker's `done` when last read
};

Result<std::unique_ptr<WorkerProcess>> WorkerProcess::start(const IsolationOptions& options,
                                                            int device) {
  std::unique_ptr<WorkerProcess> w(new WorkerProcess());
  w->fd_ = memfd_create("tensorwasm-gpu-channel", MFD_CLOEXEC);
  if (w->fd_ < 0 || ftruncate(w->fd_, sizeof(Channel)) != 0) {
    return gpuError(GpuErrc::NotAvailable, std::string("cannot create the GPU worker's channel: ") + std::strerror(errno));
  }
  void* mem = mmap(nullptr, sizeof(Channel), PROT_READ | PROT_WRITE, MAP_SHARED, w->fd_, 0);
  if (mem == MAP_FAILED) return gpuError(GpuErrc::NotAvailable, "cannot map the GPU worker's channel");
  w->ch_ = static_cast<Channel*>(mem);

  std::vector<std::string> args = {options.executable, kWorkerFlag, std::to_string(device)};
  args.insert(args.end(), options.workerArgs.begin(), options.workerArgs.end());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, w->fd_, kChannelFd);  // dup2 clears CLOEXEC
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  std::vector<char*> envp;
  std::string marker = std::string(kWorkerEnv) + "=1";
  for (char** e = environ; *e; ++e) envp.push_back(*e);
  envp.push_back(marker.data());
  envp.push_back(nullptr);
  int rc = posix_spawn(&w->pid_, options.executable.c_str(), &actions, nullptr, argv.data(),
                       envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    w->pid_ = -1;
    return gpuError(GpuErrc::NotAvailable, "cannot start the GPU worker process " + options.executable + ": " +
                 std::strerror(rc));
  }
  // The worker loads the driver before it reads the first request; Init reports how it went.
  Reply rp;
  Request init;
  init.op = Op::Init;
  auto l = w->lock();
  // A worker that never answers (a program that does not serve as one) is given up on.
  bool answered = w->post(init) == CUDA_SUCCESS &&
                  w->waitDone(w->posted_, Clock::now() + std::chrono::seconds(60));
  if (answered) rp = w->ch_->reply;
  if (!answered || rp.result != CUDA_SUCCESS) {
    std::string why = answered && rp.dataLen
                          ? std::string(reinterpret_cast<const char*>(w->data()), rp.dataLen)
                          : "the GPU worker process exited during start-up";
    return gpuError(GpuErrc::NotAvailable, why);
  }
  return w;
}

void WorkerProcess::kill() {
  if (pid_ > 0) ::kill(pid_, SIGKILL);
  dead_.store(true);
}

WorkerProcess::~WorkerProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (ch_) munmap(ch_, sizeof(Channel));
  if (fd_ >= 0) close(fd_);
}

bool WorkerProcess::alive() {
  if (dead_.load()) return false;
  siginfo_t info{};
  if (waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
      info.si_pid == pid_) {
    dead_.store(true);
  }
  return !dead_.load();
}

bool WorkerProcess::waitDone(uint32_t target, Clock::time_point deadline) {
  auto done = [&] { return static_cast<int32_t>(ch_->done.load() - target) >= 0; };
  if (done()) return true;
  Clock::time_point start = Clock::now();
  for (int i = 0; !done(); ++i) {
    cpuRelax();
    if ((i & 255) == 255 && Clock::now() - start > std::chrono::microseconds(200)) break;
  }
  while (!done()) {
    uint32_t seen = ch_->done.load();
    ch_->parentAsleep.store(1);  // seq_cst: pairs with the worker's done store
    if (!done()) futexWait(ch_->done, seen, 20);
    ch_->parentAsleep.store(0);
    if (!done() && (!alive() || Clock::now() > deadline)) return false;
  }
  return true;
}

CUresult WorkerProcess::post(const Request& rq) {
  if (dead_.load()) return kWorkerLost;
  // The worker's counter is read only when the ring may be full: its line stays put.
  if (posted_ - doneSeen_ >= kRingSlots) {
    if (!waitDone(posted_ - kRingSlots + 1)) return kWorkerLost;
    doneSeen_ = ch_->done.load(std::memory_order_acquire);
  }
  Request& slot = ch_->ring[posted_ % kRingSlots];
  size_t used = offsetof(Request, params) + (rq.op == Op::Launch ? rq.count * 8ull : 0);
  std::memcpy(static_cast<void*>(&slot), &rq, used);
  ch_->posted.store(++posted_);  // seq_cst: pairs with the worker's workerAsleep store
  if (ch_->workerAsleep.load()) futexWake(ch_->posted);
  return CUDA_SUCCESS;
}

CUresult WorkerProcess::call(const Request& rq, Reply& rp) {
  if (CUresult r = post(rq); r != CUDA_SUCCESS) return r;
  if (!waitDone(posted_)) return kWorkerLost;
  doneSeen_ = posted_;
  rp = ch_->reply;
  return rp.result;
}

// One isolated driver: a worker per device, restarted by a device reset. Starting a worker
// takes the driver's initialization time (hundreds of milliseconds), so it happens under the
// device's own start mutex, never under the lookup mutex.
struct Isolated {
  struct Slot {
    std::mutex startMu;
    std::shared_ptr<WorkerProcess> worker;  // under Isolated::mu
  };
  IsolationOptions options;
  std::mutex mu;
  std::map<CUdevice, std::shared_ptr<Slot>> slots;
  std::map<std::pair<int, CUresult>, std::string> texts;  // error names/strings, kept forever
  int index = 0;  // which table instantiation serves it

  std::shared_ptr<Slot> slot(CUdevice dev) {
    std::lock_guard<std::mutex> l(mu);
    std::shared_ptr<Slot>& s = slots[dev];
    if (!s) s = std::make_shared<Slot>();
    return s;
  }
  std::shared_ptr<WorkerProcess> running(Slot& s) {
    std::lock_guard<std::mutex> l(mu);
    return s.worker;
  }
  // The device's worker, started on first use; null if it cannot start.
  std::shared_ptr<WorkerProcess> worker(CUdevice dev) {
    std::shared_ptr<Slot> s;
    {
      std::lock_guard<std::mutex> l(mu);
      std::shared_ptr<Slot>& found = slots[dev];
      if (found && found->worker) return found->worker;  // the common case: one lock
      if (!found) found = std::make_shared<Slot>();
      s = found;
    }
    std::lock_guard<std::mutex> start(s->startMu);
    if (auto w = running(*s)) return w;
    auto w = WorkerProcess::start(options, dev);
    if (!w.ok()) return nullptr;
    std::lock_guard<std::mutex> l(mu);
    return s->worker = std::move(w).value();
  }
  // Enumeration goes to the first device's worker.
  std::shared_ptr<WorkerProcess> lobby() { return worker(0); }
  std::vector<std::shared_ptr<WorkerProcess>> all() {
    std::lock_guard<std::mutex> l(mu);
    std::vector<std::shared_ptr<WorkerProcess>> out;
    for (auto& [dev, s] : slots) {
      if (s->worker) out.push_back(s->worker);
    }
    return out;
  }
};

// DriverApi entries are plain function pointers, so each live isolated driver is served by
// its own instantiation of the table, bound to one of these slots.
constexpr int kMaxIsolated = 8;
std::mutex gSlotsMu;
std::shared_ptr<Isolated> gSlots[kMaxIsolated];
// The device of this thread's current context, per isolated driver.
thread_local CUdevice tDevice[kMaxIsolated] = {-1, -1, -1, -1, -1, -1, -1, -1};

CUcontext contextToken(CUdevice dev) {
  return reinterpret_cast<CUcontext>(static_cast<uintptr_t>(dev + 1) << 4);
}

CUdevice& currentDevice(Isolated& iso) { return tDevice[iso.index]; }

std::shared_ptr<WorkerProcess> currentWorker(Isolated& iso) {
  CUdevice dev = currentDevice(iso);
  return dev < 0 ? nullptr : iso.worker(dev);
}

CUresult noWorker(Isolated& iso) {
  return currentDevice(iso) < 0 ? CUDA_ERROR_INVALID_CONTEXT : kWorkerLost;
}

Request request(Op op, std::initializer_list<uint64_t> a) {
  Request rq;
  rq.op = op;
  size_t i = 0;
  for (uint64_t v : a) rq.a[i++] = v;
  return rq;
}

// One synchronous request to `w`, with optional payload in and reply bytes out.
CUresult callOn(const std::shared_ptr<WorkerProcess>& w, Request& rq, Reply& rp,
                const void* in = nullptr, size_t inLen = 0, std::string* out = nullptr) {
  if (!w) return kWorkerLost;
  auto l = w->lock();
  rq.count = static_cast<uint32_t>(inLen);
  if (inLen) std::memcpy(w->data(), in, inLen);
  CUresult r = w->call(rq, rp);
  if (out) {
    out->assign(reinterpret_cast<const char*>(w->data()), std::min<uint64_t>(rp.dataLen, kDataBytes));
  }
  return r;
}

CUresult ctxCall(Isolated& iso, Op op, std::initializer_list<uint64_t> a, Reply& rp,
                 const void* in = nullptr, size_t inLen = 0, std::string* out = nullptr) {
  auto w = currentWorker(iso);
  if (!w) return noWorker(iso);
  Request rq = request(op, a);
  return callOn(w, rq, rp, in, inLen, out);
}

CUresult ctxPost(Isolated& iso, const Request& rq) {
  auto w = currentWorker(iso);
  if (!w) return noWorker(iso);
  auto l = w->lock();
  return w->post(rq);
}

CUresult lobbyCall(Isolated& iso, Op op, std::initializer_list<uint64_t> a, Reply& rp,
                   std::string* out = nullptr) {
  Request rq = request(op, a);
  return callOn(iso.lobby(), rq, rp, nullptr, 0, out);
}

template <typename T>
uint64_t bits(T h) {
  return reinterpret_cast<uint64_t>(h);
}

template <typename Out>
CUresult out1(CUresult r, const Reply& rp, Out* out) {
  if (r == CUDA_SUCCESS) *out = static_cast<Out>(rp.out[0]);
  return r;
}

CUresult describe(Isolated& iso, Op op, CUresult r, const char** text) {
  auto key = std::make_pair(static_cast<int>(op), r);
  {
    std::lock_guard<std::mutex> l(iso.mu);
    if (auto it = iso.texts.find(key); it != iso.texts.end()) {
      *text = it->second.c_str();
      return CUDA_SUCCESS;
    }
  }
  Reply rp;
  std::string s;
  CUresult res = lobbyCall(iso, op, {static_cast<uint32_t>(r)}, rp, &s);
  if (res != CUDA_SUCCESS) return res;
  std::lock_guard<std::mutex> l(iso.mu);
  *text = iso.texts.emplace(key, s).first->second.c_str();
  return CUDA_SUCCESS;
}

// Bytes of a module image: PTX up to and including its NUL; an ELF cubin from its headers.
size_t imageSize(const void* image) {
  const auto* p = static_cast<const uint8_t*>(image);
  if (std::memcmp(p, "\x7f" "ELF", 4) != 0 || p[4] != 2) {
    return std::strlen(static_cast<const char*>(image)) + 1;
  }
  uint64_t shoff, phoff;
  uint16_t phentsize, phnum, shentsize, shnum;
  std::memcpy(&phoff, p + 0x20, 8);
  std::memcpy(&shoff, p + 0x28, 8);
  std::memcpy(&phentsize, p + 0x36, 2);
  std::memcpy(&phnum, p + 0x38, 2);
  std::memcpy(&shentsize, p + 0x3A, 2);
  std::memcpy(&shnum, p + 0x3C, 2);
  return std::max<uint64_t>(shoff + uint64_t(shnum) * shentsize,
                            phoff + uint64_t(phnum) * phentsize);
}

CUresult moduleLoad(Isolated& iso, CUmodule* module, const void* image, unsigned n,
                    int* options, void** values) {
  size_t len = imageSize(image);
  if (len > kDataBytes) return CUDA_ERROR_INVALID_VALUE;
  Reply rp;
  std::string log;
  CUresult r = ctxCall(iso, Op::ModuleLoad, {}, rp, image, len, &log);
  *module = reinterpret_cast<CUmodule>(rp.out[0]);
  if (r == CUDA_SUCCESS || log.empty()) return r;
  // Hand the JIT log to the caller's buffer, as the driver would.
  char* buf = nullptr;
  size_t size = 0;
  for (unsigned i = 0; i < n; ++i) {
    if (options[i] == CU_JIT_ERROR_LOG_BUFFER) buf = static_cast<char*>(values[i]);
    if (options[i] == CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES) size = reinterpret_cast<uintptr_t>(values[i]);
  }
  if (buf && size) {
    size_t k = std::min(size - 1, log.size());
    std::memcpy(buf, log.data(), k);
    buf[k] = 0;
  }
  return r;
}

CUresult launchKernel(Isolated& iso, CUfunction f, const unsigned dims[6], unsigned shared,
                      CUstream stream, void** params, void** extra) {
  if (extra) return CUDA_ERROR_NOT_SUPPORTED;
  Request rq = request(Op::Launch, {bits(f), dims[0], dims[1], dims[2], dims[3], dims[4],
                                    dims[5], bits(stream), shared});
  uint32_t n = 0;
  for (; params && params[n]; ++n) {
    if (n == kMaxParams) return CUDA_ERROR_INVALID_VALUE;
    std::memcpy(&rq.params[n], params[n], 8);
  }
  rq.count = n;
  return ctxPost(iso, rq);
}

CUresult copyHtoD(Isolated& iso, CUdeviceptr dst, const void* src, size_t bytes, CUstream s) {
  const auto* from = static_cast<const uint8_t*>(src);
  for (size_t done = 0; done < bytes;) {
    size_t n = std::min(bytes - done, kDataBytes);
    Reply rp;
    CUresult r = ctxCall(iso, Op::MemcpyHtoD, {dst + done, n, bits(s)}, rp, from + done, n);
    if (r != CUDA_SUCCESS) return r;
    done += n;
  }
  return CUDA_SUCCESS;
}

CUresult copyDtoH(Isolated& iso, void* dst, CUdeviceptr src, size_t bytes, CUstream s) {
  auto* to = static_cast<uint8_t*>(dst);
  for (size_t done = 0; done < bytes;) {
    size_t n = std::min(bytes - done, kDataBytes);
    auto w = currentWorker(iso);
    if (!w) return noWorker(iso);
    Request rq = request(Op::MemcpyDtoH, {src + done, n, bits(s)});
    Reply rp;
    auto l = w->lock();
    if (CUresult r = w->call(rq, rp); r != CUDA_SUCCESS) return r;
    std::memcpy(to + done, w->data(), n);
    done += n;
  }
  return CUDA_SUCCESS;
}

// Kills the device's worker and starts a fresh one (whose context is retained afresh).
CUresult restartDevice(Isolated& iso, CUdevice dev) {
  std::shared_ptr<Isolated::Slot> s = iso.slot(dev);
  {
    std::lock_guard<std::mutex> start(s->startMu);
    std::shared_ptr<WorkerProcess> old;
    {
      std::lock_guard<std::mutex> l(iso.mu);
      old = std::move(s->worker);
    }
    if (old) old->kill();  // now, even if a waiting caller still holds it
  }
  return iso.worker(dev) ? CUDA_SUCCESS : CUDA_ERROR_NOT_INITIALIZED;
}

int workerPid(Isolated& iso, CUdevice dev) {
  std::lock_guard<std::mutex> l(iso.mu);
  auto it = iso.slots.find(dev);
  return it != iso.slots.end() && it->second->worker ? it->second->worker->pid() : 0;
}

CUresult retain(Isolated& iso, CUcontext* ctx, CUdevice d) {
  Request rq = request(Op::CtxRetain, {static_cast<uint64_t>(d)});
  Reply rp;
  CUresult r = callOn(iso.worker(d), rq, rp);
  if (r == CUDA_SUCCESS) *ctx = contextToken(d);
  return r;
}

CUresult deviceName(Isolated& iso, char* name, int len, CUdevice d) {
  Reply rp;
  std::string s;
  CUresult r = lobbyCall(iso, Op::DeviceName, {static_cast<uint64_t>(d)}, rp, &s);
  if (len > 0) {
    size_t k = std::min<size_t>(static_cast<size_t>(len) - 1, s.size());
    std::memcpy(name, s.data(), k);
    name[k] = 0;
  }
  return r;
}

template <typename H>
CUresult create(Isolated& iso, Op op, H* out, unsigned flags) {
  Reply rp;
  CUresult r = ctxCall(iso, op, {flags}, rp);
  *out = reinterpret_cast<H>(rp.out[0]);
  return r;
}

CUresult sync(Isolated& iso, Op op, uint64_t a0) {
  Reply rp;
  return ctxCall(iso, op, {a0}, rp);
}

template <int I>
Isolated& slotDriver() {
  return *gSlots[I];  // set before the table exists, cleared after it is gone
}

template <int I>
void fillTable(DriverApi& t) {
  t.cuInit = [](unsigned) -> CUresult { return CUDA_SUCCESS; };  // the worker did it
  t.workerPid = [](CUdevice d) { return workerPid(slotDriver<I>(), d); };
  t.cuDriverGetVersion = [](int* v) {
    Reply rp;
    return out1(lobbyCall(slotDriver<I>(), Op::DriverVersion, {}, rp), rp, v);
  };
  t.cuGetErrorName = [](CUresult r, const char** s) { return describe(slotDriver<I>(), Op::ErrorName, r, s); };
  t.cuGetErrorString = [](CUresult r, const char** s) { return describe(slotDriver<I>(), Op::ErrorString, r, s); };
  t.cuDeviceGetCount = [](int* n) {
    Reply rp;
    return out1(lobbyCall(slotDriver<I>(), Op::DeviceCount, {}, rp), rp, n);
  };
  t.cuDeviceGet = [](CUdevice* d, int i) {
    Reply rp;
    return out1(lobbyCall(slotDriver<I>(), Op::DeviceGet, {static_cast<uint64_t>(i)}, rp), rp, d);
  };
  t.cuDeviceGetName = [](char* name, int len, CUdevice d) { return deviceName(slotDriver<I>(), name, len, d); };
  t.cuDeviceGetAttribute = [](int* v, int attr, CUdevice d) {
    Reply rp;
    return out1(lobbyCall(slotDriver<I>(), Op::DeviceAttribute,
                          {static_cast<uint64_t>(attr), static_cast<uint64_t>(d)}, rp), rp, v);
  };
  t.cuDeviceTotalMem = [](size_t* n, CUdevice d) {
    Reply rp;
    return out1(lobbyCall(slotDriver<I>(), Op::DeviceTotalMem, {static_cast<uint64_t>(d)}, rp), rp, n);
  };
  t.cuDevicePrimaryCtxRetain = [](CUcontext* ctx, CUdevice d) { return retain(slotDriver<I>(), ctx, d); };
  t.cuDevicePrimaryCtxRelease = [](CUdevice d) {
    Request rq = request(Op::CtxRelease, {});
    Reply rp;
    return callOn(slotDriver<I>().worker(d), rq, rp);
  };
  t.cuDevicePrimaryCtxReset = [](CUdevice d) { return restartDevice(slotDriver<I>(), d); };
  t.cuCtxSetCurrent = [](CUcontext ctx) -> CUresult {
    uintptr_t token = reinterpret_cast<uintptr_t>(ctx);
    currentDevice(slotDriver<I>()) = ctx ? static_cast<CUdevice>((token >> 4) - 1) : -1;
    return CUDA_SUCCESS;
  };
  t.cuMemGetInfo = [](size_t* freeB, size_t* totalB) {
    Reply rp;
    CUresult r = ctxCall(slotDriver<I>(), Op::MemGetInfo, {}, rp);
    *freeB = rp.out[0];
    *totalB = rp.out[1];
    return r;
  };
  t.cuStreamCreate = [](CUstream* s, unsigned flags) { return create(slotDriver<I>(), Op::StreamCreate, s, flags); };
  t.cuStreamDestroy = [](CUstream s) { return sync(slotDriver<I>(), Op::StreamDestroy, bits(s)); };
  t.cuStreamSynchronize = [](CUstream s) { return sync(slotDriver<I>(), Op::StreamSynchronize, bits(s)); };
  t.cuEventCreate = [](CUevent* e, unsigned flags) { return create(slotDriver<I>(), Op::EventCreate, e, flags); };
  t.cuEventRecord = [](CUevent e, CUstream s) {
    return ctxPost(slotDriver<I>(), request(Op::EventRecord, {bits(e), bits(s)}));
  };
  t.cuEventQuery = [](CUevent e) { return sync(slotDriver<I>(), Op::EventQuery, bits(e)); };
  t.cuEventDestroy = [](CUevent e) { return sync(slotDriver<I>(), Op::EventDestroy, bits(e)); };
  t.cuModuleLoadDataEx = [](CUmodule* m, const void* image, unsigned n, int* o, void** v) {
    return moduleLoad(slotDriver<I>(), m, image, n, o, v);
  };
  t.cuModuleUnload = [](CUmodule m) { return sync(slotDriver<I>(), Op::ModuleUnload, bits(m)); };
  t.cuModuleGetFunction = [](CUfunction* f, CUmodule m, const char* name) {
    Reply rp;
    CUresult r = ctxCall(slotDriver<I>(), Op::ModuleGetFunction, {bits(m)}, rp, name, std::strlen(name));
    *f = reinterpret_cast<CUfunction>(rp.out[0]);
    return r;
  };
  t.cuFuncGetParamInfo = [](CUfunction f, size_t index, size_t* offset, size_t* size) {
    Reply rp;
    CUresult r = ctxCall(slotDriver<I>(), Op::FuncParamInfo, {bits(f), index}, rp);
    *offset = rp.out[0];
    *size = rp.out[1];
    return r;
  };
  t.cuLaunchKernel = [](CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx,
                        unsigned by, unsigned bz, unsigned shared, CUstream s, void** p,
                        void** extra) {
    const unsigned dims[6] = {gx, gy, gz, bx, by, bz};
    return launchKernel(slotDriver<I>(), f, dims, shared, s, p, extra);
  };
  t.cuMemAlloc = [](CUdeviceptr* p, size_t n) {
    Reply rp;
    return out1(ctxCall(slotDriver<I>(), Op::MemAlloc, {n}, rp), rp, p);
  };
  t.cuMemAllocManaged = [](CUdeviceptr* p, size_t n, unsigned flags) {
    Reply rp;
    return out1(ctxCall(slotDriver<I>(), Op::MemAllocManaged, {n, flags}, rp), rp, p);
  };
  t.cuMemFree = [](CUdeviceptr p) { return sync(slotDriver<I>(), Op::MemFree, p); };
  t.cuMemcpyHtoDAsync = [](CUdeviceptr d, const void* s, size_t n, CUstream st) {
    return copyHtoD(slotDriver<I>(), d, s, n, st);
  };
  t.cuMemcpyDtoHAsync = [](void* d, CUdeviceptr s, size_t n, CUstream st) {
    return copyDtoH(slotDriver<I>(), d, s, n, st);
  };
  t.cuMemPoolCreate = [](CUmemoryPool* pool, const CUmemPoolPropsTw* props) {
    Reply rp;
    CUresult r = ctxCall(slotDriver<I>(), Op::PoolCreate, {}, rp, props, sizeof *props);
    *pool = reinterpret_cast<CUmemoryPool>(rp.out[0]);
    return r;
  };
  t.cuMemPoolDestroy = [](CUmemoryPool pool) { return sync(slotDriver<I>(), Op::PoolDestroy, bits(pool)); };
  t.cuMemPoolSetAttribute = [](CUmemoryPool pool, int attr, void* value) {
    uint64_t v = 0;
    std::memcpy(&v, value, 8);
    Reply rp;
    return ctxCall(slotDriver<I>(), Op::PoolSetAttribute, {bits(pool), static_cast<uint64_t>(attr), v}, rp);
  };
  t.cuMemAllocFromPoolAsync = [](CUdeviceptr* p, size_t n, CUmemoryPool pool, CUstream s) {
    Reply rp;
    return out1(ctxCall(slotDriver<I>(), Op::AllocFromPool, {n, bits(pool), bits(s)}, rp), rp, p);
  };
  t.cuMemFreeAsync = [](CUdeviceptr p, CUstream s) {
    return ctxPost(slotDriver<I>(), request(Op::FreeAsync, {p, bits(s)}));
  };
}

template <int... I>
void fillTableFor(int index, DriverApi& t, std::integer_sequence<int, I...>) {
  ((index == I ? fillTable<I>(t) : void()), ...);
}

std::vector<std::shared_ptr<Isolated>> liveDrivers() {
  std::lock_guard<std::mutex> l(gSlotsMu);
  std::vector<std::shared_ptr<Isolated>> out;
  for (auto& s : gSlots) {
    if (s) out.push_back(s);
  }
  return out;
}

}  // namespace

Result<std::shared_ptr<const DriverApi>> loadIsolatedDriver(IsolationOptions options) {
  if (std::getenv(kWorkerEnv)) {
    // A worker whose program never called runGpuWorkerIfRequested would start workers itself.
    return gpuError(GpuErrc::NotAvailable, "this process was started as a GPU worker but its program does not serve "
                 "as one (runGpuWorkerIfRequested is not called first in main)");
  }
  auto iso = std::make_shared<Isolated>();
  iso->options = std::move(options);
  // The first device's worker loads the driver; its failure is the reason there is no GPU.
  TW_ASSIGN(std::unique_ptr<WorkerProcess> first, WorkerProcess::start(iso->options, 0));
  iso->slot(0)->worker = std::move(first);
  {
    std::lock_guard<std::mutex> l(gSlotsMu);
    iso->index = -1;
    for (int i = 0; i < kMaxIsolated && iso->index < 0; ++i) {
      if (!gSlots[i]) iso->index = i;
    }
    if (iso->index < 0) {
      return gpuError(GpuErrc::NotAvailable, "too many isolated GPU drivers in one process (at most " +
                   std::to_string(kMaxIsolated) + ")");
    }
    gSlots[iso->index] = iso;
  }
  int index = iso->index;
  auto* api = new DriverApi();
  fillTableFor(index, *api, std::make_integer_sequence<int, kMaxIsolated>());
  // The table's last owner gives its slot back; the workers stop with the Isolated.
  return std::shared_ptr<const DriverApi>(api, [index](const DriverApi* t) {
    std::shared_ptr<Isolated> gone;
    {
      std::lock_guard<std::mutex> l(gSlotsMu);
      gone = std::move(gSlots[index]);
    }
    delete t;
  });
}

void flushGpuWorkers() {
  for (auto& iso : liveDrivers()) {
    for (auto& w : iso->all()) {
      Request rq = request(Op::Barrier, {});
      Reply rp;
      callOn(w, rq, rp);
    }
  }
}

}  // namespace tw::gpu
