// The executor: invocations on a fixed pool of worker threads, each bounded by a deadline that
// the engine enforces through CallOptions::interrupt (polled at function entries and loop
// back-edges on every tier), and asynchronous jobs with status, cancellation and expiry.
// A task is any callable that runs guest code under the given RunContext (the interrupt flag
// the engine polls and the deadline, which wasi:scheduler verdicts and GPU launch admission
// read) and returns the API's JSON result; the executor knows nothing of modules or HTTP. Concurrency is a tenant
// quota, taken when the work is accepted (queued or running) and returned when it ends.
// Thread-safety: every method may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "tensorwasm/runtime/instance.h"
#include "tensorwasm/service/tenants.h"

namespace tw::service {

// What one run of a task is bounded by.
struct RunContext {
  const std::atomic<bool>* interrupt = nullptr;  // raised at the deadline or on cancellation
  std::chrono::steady_clock::time_point deadline;
  CallOptions callOptions() const { return CallOptions{interrupt}; }
};

using Task = std::function<Result<nlohmann::json>(const RunContext&)>;

enum class JobStatus : uint8_t { Pending, Running, Completed, Failed, Cancelled };
const char* jobStatusName(JobStatus status);  // "pending", "running", ...

struct JobView {
  std::string id, functionId;
  TenantId tenant = 0;
  JobStatus status = JobStatus::Pending;
  int64_t createdUnixMs = 0;
  std::optional<int64_t> finishedUnixMs;
  std::optional<nlohmann::json> result;
  std::optional<Error> error;
};

struct ExecutorConfig {
  unsigned threads = 0;  // 0: one per hardware thread
  size_t maxQueued = 4096;
  std::chrono::milliseconds jobTtl{std::chrono::hours(1)};
};

class Executor {
 public:
  Executor(ExecutorConfig config, std::shared_ptr<TenantQuotas> quotas);
  ~Executor();  // interrupts what runs, drops what waits, joins the threads
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Runs `task` within `deadline` (clamped to the tenant's max_deadline_ms; it counts from
  // now, queueing included) and waits for it. DeadlineElapsed when the deadline stopped it;
  // quota refusals before anything runs.
  Result<nlohmann::json> invoke(TenantId tenant, std::chrono::milliseconds deadline, Task task);
  // As invoke, without waiting: `done` gets the outcome on a worker thread. A refusal (quota,
  // full queue) is returned at once and `done` is never called. The returned function stops
  // the run (Cancelled), e.g. when the client that asked for it went away.
  using Done = std::function<void(Result<nlohmann::json>)>;
  using Canceller = std::function<void()>;
  Result<Canceller> invokeAsync(TenantId tenant, std::chrono::milliseconds deadline, Task task, Done done);
  // Queues `task` as a job and returns its id at once.
  Result<std::string> submit(TenantId tenant, std::string functionId,
                             std::chrono::milliseconds deadline, Task task);
  // JobNotFound for unknown or expired ids. The caller checks the tenant.
  Result<JobView> job(const std::string& id);
  // A pending job is cancelled at once, a running one at its next interrupt check.
  // JobNotFound, or JobFinished when it already ended.
  Result<void> cancel(const std::string& id);

 private:
  struct Run;
  struct Job;
  using Clock = std::chrono::steady_clock;

  std::shared_ptr<Run> start(TenantId tenant, std::chrono::milliseconds deadline, Lease lease);
  Result<void> enqueue(std::function<void()> work);
  void workLoop();
  void timerLoop();
  static Result<nlohmann::json> execute(Run& run, const Task& task);
  void finish(Job& job, Result<nlohmann::json> outcome);
  void unschedule(Run& run);
  void expireJobs();

  ExecutorConfig config_;
  std::shared_ptr<TenantQuotas> quotas_;
  std::mutex mu_;
  std::condition_variable workCv_, timerCv_;
  std::deque<std::function<void()>> queue_;
  std::multimap<Clock::time_point, std::weak_ptr<Run>> deadlines_;
  std::map<std::string, std::shared_ptr<Job>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
  std::thread timer_;
};

}  // namespace tw::service
