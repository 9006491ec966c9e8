// Executor internals. One timer thread sleeps until the earliest deadline and raises that
// run's interrupt flag; runs that finish first simply leave an expired weak pointer behind.
// Why an interrupt ended a run (deadline or cancellation) is recorded before the flag is
// raised, so the trap the engine reports can be turned into the right error.
#include "tensorwasm/service/executor.h"

#include <atomic>

#include "tensorwasm/runtime/trap.h"
#include "tensorwasm/service/errors.h"
#include "tensorwasm/support/uuid.h"

namespace tw::service {

using nlohmann::json;

enum class Stop : int { None, Deadline, Cancel };

struct Executor::Run {
  std::atomic<bool> interrupt{false};
  std::atomic<Stop> reason{Stop::None};
  std::chrono::milliseconds deadline{0};
  Clock::time_point deadlineAt;
  std::optional<std::multimap<Clock::time_point, std::weak_ptr<Run>>::iterator> slot;  // in deadlines_
  Lease lease;  // the tenant's concurrency, held until the run is dropped

  void stop(Stop why) {
    Stop none = Stop::None;
    reason.compare_exchange_strong(none, why);
    interrupt.store(true);
  }
};

struct Executor::Job {
  JobView view;
  std::shared_ptr<Run> run;
  Clock::time_point finishedAt;
};

namespace {

int64_t unixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

const char* jobStatusName(JobStatus status) {
  switch (status) {
    case JobStatus::Pending: return "pending";
    case JobStatus::Running: return "running";
    case JobStatus::Completed: return "completed";
    case JobStatus::Failed: return "failed";
    case JobStatus::Cancelled: return "cancelled";
  }
  return "unknown";
}

Executor::Executor(ExecutorConfig config, std::shared_ptr<TenantQuotas> quotas)
    : config_(config), quotas_(std::move(quotas)) {
  unsigned n = config_.threads ? config_.threads : std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < n; ++i) workers_.emplace_back([this] { workLoop(); });
  timer_ = std::thread([this] { timerLoop(); });
}

Executor::~Executor() {  // callers waiting in invoke() still get their answer
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;  // queued work still runs, but finds its interrupt raised
    for (auto& [at, weak] : deadlines_) {
      if (auto run = weak.lock()) run->stop(Stop::Cancel);
    }
  }
  workCv_.notify_all();
  timerCv_.notify_all();
  for (std::thread& t : workers_) t.join();
  timer_.join();
}

std::shared_ptr<Executor::Run> Executor::start(TenantId tenant, std::chrono::milliseconds deadline,
                                               Lease lease) {
  if (auto cap = quotas_->limits(tenant).maxDeadlineMs) {
    deadline = std::min(deadline, std::chrono::milliseconds(*cap));
  }
  auto run = std::make_shared<Run>();
  run->deadline = deadline;
  run->deadlineAt = Clock::now() + deadline;
  run->lease = std::move(lease);
  bool earliest;
  {
    std::lock_guard<std::mutex> lock(mu_);
    run->slot = deadlines_.emplace(run->deadlineAt, run);
    earliest = *run->slot == deadlines_.begin();
  }
  if (earliest) timerCv_.notify_all();  // the timer sleeps until the earliest deadline
  return run;
}

// A run that ended leaves the timer's schedule, so finished runs do not pile up there.
void Executor::unschedule(Run& run) {
  std::lock_guard<std::mutex> lock(mu_);
  if (run.slot) deadlines_.erase(*run.slot);
  run.slot.reset();
}

Result<void> Executor::enqueue(std::function<void()> work) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return serviceError(ServiceErrc::CapacityExhausted, "the executor is stopping");
    if (queue_.size() >= config_.maxQueued) {
      return serviceError(ServiceErrc::CapacityExhausted,
                          std::to_string(queue_.size()) + " invocations are already waiting");
    }
    queue_.push_back(std::move(work));
  }
  workCv_.notify_one();
  return {};
}

void Executor::workLoop() {
  for (;;) {
    std::function<void()> work;
    {
      std::unique_lock<std::mutex> lock(mu_);
      workCv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left to answer
      work = std::move(queue_.front());
      queue_.pop_front();
    }
    work();
  }
}

void Executor::timerLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    Clock::time_point now = Clock::now();
    while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
      if (auto run = deadlines_.begin()->second.lock()) {
        run->stop(Stop::Deadline);
        run->slot.reset();
      }
      deadlines_.erase(deadlines_.begin());
    }
    if (deadlines_.empty()) {
      timerCv_.wait(lock);
    } else {
      timerCv_.wait_until(lock, deadlines_.begin()->first);
    }
  }
}

Result<json> Executor::execute(Run& run, const Task& task) {
  Result<json> out = run.interrupt.load() ? Result<json>(makeTrap(TrapKind::Interrupted))
                                          : task(RunContext{&run.interrupt, run.deadlineAt});
  if (out.ok() || !isTrap(out.error(), TrapKind::Interrupted)) return out;
  switch (run.reason.load()) {
    case Stop::Deadline:
      return serviceError(ServiceErrc::DeadlineElapsed,
                          "the invocation's deadline of " + std::to_string(run.deadline.count()) +
                              " ms elapsed");
    case Stop::Cancel:
      return serviceError(ServiceErrc::Cancelled, "the invocation was cancelled");
    case Stop::None:
      return out;
  }
  return out;
}

Result<Executor::Canceller> Executor::invokeAsync(TenantId tenant, std::chrono::milliseconds deadline,
                                                  Task task, Done done) {
  TW_ASSIGN(Lease lease, quotas_->acquire(tenant, Resource::Concurrent));
  std::shared_ptr<Run> run = start(tenant, deadline, std::move(lease));
  TW_TRY(enqueue([this, run, task = std::move(task), done = std::move(done)] {
    Result<json> out = execute(*run, task);
    run->lease.release();
    unschedule(*run);
    done(std::move(out));
  }));
  return Canceller([weak = std::weak_ptr<Run>(run)] {
    if (auto r = weak.lock()) r->stop(Stop::Cancel);
  });
}

Result<json> Executor::invoke(TenantId tenant, std::chrono::milliseconds deadline, Task task) {
  struct Waiter {
    std::mutex mu;
    std::condition_variable cv;
    std::optional<Result<json>> out;
  };
  auto waiter = std::make_shared<Waiter>();
  TW_TRY(invokeAsync(tenant, deadline, std::move(task), [waiter](Result<json> out) {
    std::lock_guard<std::mutex> lock(waiter->mu);
    waiter->out.emplace(std::move(out));
    waiter->cv.notify_all();
  }));
  std::unique_lock<std::mutex> lock(waiter->mu);
  waiter->cv.wait(lock, [&] { return waiter->out.has_value(); });
  return std::move(*waiter->out);
}

void Executor::finish(Job& job, Result<json> outcome) {
  std::lock_guard<std::mutex> lock(mu_);
  job.view.finishedUnixMs = unixMs();
  job.finishedAt = Clock::now();
  if (outcome.ok()) {
    job.view.status = JobStatus::Completed;
    job.view.result = std::move(outcome).value();
  } else {
    bool cancelled = isServiceError(outcome.error(), ServiceErrc::Cancelled);
    job.view.status = cancelled ? JobStatus::Cancelled : JobStatus::Failed;
    job.view.error = outcome.error();
  }
  job.run->lease.release();
  if (job.run->slot) deadlines_.erase(*job.run->slot);
  job.run->slot.reset();
}

Result<std::string> Executor::submit(TenantId tenant, std::string functionId,
                                     std::chrono::milliseconds deadline, Task task) {
  expireJobs();
  TW_ASSIGN(Lease lease, quotas_->acquire(tenant, Resource::Concurrent));
  auto job = std::make_shared<Job>();
  job->view.id = randomUuid();
  job->view.functionId = std::move(functionId);
  job->view.tenant = tenant;
  job->view.createdUnixMs = unixMs();
  job->run = start(tenant, deadline, std::move(lease));
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs_[job->view.id] = job;
  }
  Result<void> queued = enqueue([this, job, task = std::move(task)] {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (job->view.status != JobStatus::Pending) return;  // cancelled while it waited
      job->view.status = JobStatus::Running;
    }
    finish(*job, execute(*job->run, task));
  });
  if (!queued.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    jobs_.erase(job->view.id);
    return queued.takeError();
  }
  return job->view.id;
}

Result<JobView> Executor::job(const std::string& id) {
  expireJobs();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return serviceError(ServiceErrc::JobNotFound, "no job " + id);
  return it->second->view;
}

Result<void> Executor::cancel(const std::string& id) {
  expireJobs();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return serviceError(ServiceErrc::JobNotFound, "no job " + id);
  Job& job = *it->second;
  switch (job.view.status) {
    case JobStatus::Pending:
      job.view.status = JobStatus::Cancelled;
      job.view.error = serviceError(ServiceErrc::Cancelled, "the job was cancelled before it started");
      job.view.finishedUnixMs = unixMs();
      job.finishedAt = Clock::now();
      job.run->stop(Stop::Cancel);
      job.run->lease.release();
      return {};
    case JobStatus::Running:
      job.run->stop(Stop::Cancel);
      return {};
    default:
      return serviceError(ServiceErrc::JobFinished,
                          "job " + id + " already ended (" + jobStatusName(job.view.status) + ")");
  }
}

void Executor::expireJobs() {
  std::lock_guard<std::mutex> lock(mu_);
  Clock::time_point now = Clock::now();
  for (auto it = jobs_.begin(); it != jobs_.end();) {
    const JobView& v = it->second->view;
    bool ended = v.finishedUnixMs.has_value();
    if (ended && now - it->second->finishedAt >= config_.jobTtl) {
      it = jobs_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace tw::service
