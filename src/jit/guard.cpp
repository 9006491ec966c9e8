// The fault handler. It runs on whichever thread faulted, on that thread's alternate stack,
// and touches only async-signal-safe state: two RangeRegistry lookups, a TLS pointer and
// plain fields of the thread's JitThread. A trap leaves through the innermost entry's
// sigjmp_buf; the Error is built there, after the jump (runtime.cpp).
#include "guard.h"

#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <vector>
#include <mutex>
#include <thread>

#include "tensorwasm/runtime/range_registry.h"

namespace tw::jit {
namespace {

constinit RangeRegistry codeRanges;
constexpr int kSignals[] = {SIGSEGV, SIGBUS};
struct sigaction previous[2];  // the actions replaced, by kSignals index
constexpr size_t kAltStackBytes = 256 * 1024;  // room for a chained handler too
constexpr int kInterruptSignal = SIGURG;        // ignored by default, so a stray one is harmless

// The thread's JitThread, once it has entered generated code (TLS the handler can read
// without running an initializer).
thread_local constinit JitThread* faultThread __attribute__((tls_model("initial-exec"))) = nullptr;

uintptr_t faultingPc(const void* context) {
  const auto* uc = static_cast<const ucontext_t*>(context);
#if defined(__x86_64__)
  return static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RIP]);
#elif defined(__aarch64__)
  return static_cast<uintptr_t>(uc->uc_mcontext.pc);
#else
#error "the optimizing tier's fault handler needs the program counter of this architecture"
#endif
}

bool isGuestOutOfBounds(const siginfo_t* info, const void* context) {
  JitThread* th = faultThread;
  if (!th || th->nesting == 0 || !th->escape) return false;
  RangeRegistry::Range code;
  if (!codeRanges.find(faultingPc(context), &code)) return false;
  return Memory::isGuardFault(reinterpret_cast<uintptr_t>(info->si_addr));
}

// Not our fault: hand it to whoever handled it before, or let the default action run by
// returning into the faulting instruction with the default disposition restored.
void forward(int sig, siginfo_t* info, void* context) {
  const struct sigaction& prev = previous[sig == SIGSEGV ? 0 : 1];
  if (prev.sa_flags & SA_SIGINFO) return prev.sa_sigaction(sig, info, context);
  if (prev.sa_handler != SIG_DFL && prev.sa_handler != SIG_IGN) return prev.sa_handler(sig);
  struct sigaction dfl{};
  dfl.sa_handler = SIG_DFL;
  sigaction(sig, &dfl, nullptr);
  raise(sig);  // pending until the handler returns; a fault also recurs on its own
}

// Leaves a signal handler for the innermost entry, which raises `kind` (runtime.cpp).
[[noreturn]] void trapFromHandler(JitThread* th, TrapKind kind, int sig) {
  th->pendingTrap = static_cast<int32_t>(kind);
  // The kernel blocked `sig` for the handler; the jump skips the return that unblocks it.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
  siglongjmp(*th->escape, 1);
}

void onFault(int sig, siginfo_t* info, void* context) {
  if (!isGuestOutOfBounds(info, context)) return forward(sig, info, context);
  trapFromHandler(faultThread, TrapKind::OutOfBoundsMemory, sig);
}

// Interrupts generated code wherever it runs: only when the thread is inside generated code,
// its current call's interrupt flag is set, and the signal landed on an instruction of
// generated code (not in a helper or host function, which the polls cover).
void onInterruptSignal(int sig, siginfo_t*, void* context) {
  int savedErrno = errno;
  JitThread* th = faultThread;
  RangeRegistry::Range code;
  if (th && th->nesting > 0 && th->escape && th->interrupt && th->interrupt->load(std::memory_order_relaxed) &&
      codeRanges.find(faultingPc(context), &code)) {
    trapFromHandler(th, TrapKind::Interrupted, sig);
  }
  errno = savedErrno;
}

// Signals the threads of watched calls whose interrupt flag is set, every millisecond until
// the calls end. Lives for the process (never destroyed: its thread never ends).
class Watchdog {
 public:
  static Watchdog& get() {
    static Watchdog* dog = new Watchdog;
    return *dog;
  }
  uint64_t add(const std::atomic<bool>* flag) {
    std::lock_guard lock(mutex_);
    if (!started_) {
      std::thread([this] { run(); }).detach();
      started_ = true;
    }
    // The watchdog only sleeps on the condition while there is no call to watch.
    if (calls_.empty()) wake_.notify_one();
    calls_.push_back({++lastId_, pthread_self(), flag});
    return lastId_;
  }
  // Under the lock, so a thread is never signalled after its call ended.
  void remove(uint64_t id) {
    std::lock_guard lock(mutex_);
    std::erase_if(calls_, [id](const Call& c) { return c.id == id; });
  }

 private:
  struct Call {
    uint64_t id;
    pthread_t thread;
    const std::atomic<bool>* flag;
  };
  void run() {
    std::unique_lock lock(mutex_);
    for (;;) {
      wake_.wait(lock, [this] { return !calls_.empty(); });
      for (const Call& c : calls_) {
        if (c.flag->load(std::memory_order_relaxed)) pthread_kill(c.thread, kInterruptSignal);
      }
      wake_.wait_for(lock, std::chrono::milliseconds(1));
    }
  }
  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Call> calls_;  // one per thread running a watched call: a handful
  uint64_t lastId_ = 0;
  bool started_ = false;
};

// Frees the alternate stack this code gave the thread when the thread ends.
struct AltStack {
  void* base = nullptr;
  ~AltStack() {
    if (!base) return;
    stack_t off{};
    off.ss_flags = SS_DISABLE;
    sigaltstack(&off, nullptr);
    munmap(base, kAltStackBytes);
  }
};

void ensureAltStack() {
  thread_local AltStack alt;
  stack_t current{};
  if (sigaltstack(nullptr, &current) == 0 && !(current.ss_flags & SS_DISABLE)) return;  // keep it
  void* p = mmap(nullptr, kAltStackBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                 -1, 0);
  if (p == MAP_FAILED) return;  // the handler then runs on the thread's own stack
  stack_t ss{};
  ss.ss_sp = p;
  ss.ss_size = kAltStackBytes;
  if (sigaltstack(&ss, nullptr) != 0) {
    munmap(p, kAltStackBytes);
    return;
  }
  alt.base = p;
}

}  // namespace

void addCodeRange(uintptr_t begin, uintptr_t end) { codeRanges.add(begin, end, nullptr); }
void removeCodeRange(uintptr_t begin) { codeRanges.remove(begin); }

void installFaultHandler() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction action{};
    action.sa_sigaction = onFault;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    // Read first, install second: a fault meanwhile never sees a half-written `previous`.
    for (size_t i = 0; i < 2; ++i) sigaction(kSignals[i], nullptr, &previous[i]);
    for (int sig : kSignals) sigaction(sig, &action, nullptr);
    struct sigaction interrupt{};
    interrupt.sa_sigaction = onInterruptSignal;
    interrupt.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
    sigemptyset(&interrupt.sa_mask);
    sigaction(kInterruptSignal, &interrupt, nullptr);
  });
}

InterruptWatch::InterruptWatch(const std::atomic<bool>* flag) : id_(Watchdog::get().add(flag)) {}

InterruptWatch::~InterruptWatch() { Watchdog::get().remove(id_); }

void prepareThreadForFaults(JitThread& thread) {
  if (faultThread == &thread) return;
  ensureAltStack();
  faultThread = &thread;
}

}  // namespace tw::jit
