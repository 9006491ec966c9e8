// The instance pool. Resetting happens on release or on the pool's thread, outside the lock,
// so acquire is a pop. An instance whose reset fails is dropped, never handed out again.
#include "tensorwasm/service/pool.h"

#include <time.h>

namespace tw::service {

PooledInstance& PooledInstance::operator=(PooledInstance&& other) noexcept {
  if (this != &other) {
    if (pool_ && fresh_.instance) pool_->release(std::move(fresh_));
    pool_ = std::move(other.pool_);
    fresh_ = std::move(other.fresh_);
  }
  return *this;
}

PooledInstance::~PooledInstance() {
  if (pool_ && fresh_.instance) pool_->release(std::move(fresh_));
}

Result<std::shared_ptr<InstancePool>> InstancePool::create(Factory factory, Config config) {
  std::shared_ptr<InstancePool> pool(new InstancePool(std::move(factory), config));
  TW_ASSIGN(FreshInstance first, pool->factory_(nullptr));
  TW_ASSIGN(pool->image_, InstanceImage::capture(*first.instance));
  pool->idle_.push_back(std::move(first));
  while (pool->idle_.size() < config.warm) {
    TW_ASSIGN(FreshInstance more, pool->factory_(pool->image_.get()));
    pool->idle_.push_back(std::move(more));
  }
  if (config.resetInBackground) pool->resetter_ = std::thread([raw = pool.get()] { raw->resetLoop(); });
  return pool;
}

InstancePool::~InstancePool() {
  if (!resetter_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  dirtyReady_.notify_one();
  resetter_.join();
}

Result<PooledInstance> InstancePool::acquire() {
  PooledInstance out;
  out.pool_ = shared_from_this();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      out.fresh_ = std::move(idle_.back());
      idle_.pop_back();
      stats_.hits++;
      return out;
    }
    stats_.misses++;
  }
  TW_ASSIGN(out.fresh_, factory_(image_.get()));
  return out;
}

void InstancePool::release(FreshInstance fresh) {
  if (resetter_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      dirty_.push_back(std::move(fresh));
    }
    dirtyReady_.notify_one();
    return;
  }
  resetAndKeep(std::move(fresh));
}

void InstancePool::resetAndKeep(FreshInstance fresh) {
  bool ok = image_->restore(*fresh.instance, {config_.keepResidentBytes}).ok() &&
            (!fresh.host || fresh.host->reset().ok());
  std::lock_guard<std::mutex> lock(mu_);
  stats_.resets++;
  if (!ok) {
    stats_.resetFailures++;
    return;
  }
  if (idle_.size() < config_.keep) idle_.push_back(std::move(fresh));
}

namespace {
uint64_t threadCpuNs() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<uint64_t>(t.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(t.tv_nsec);
}
}  // namespace

void InstancePool::resetLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    dirtyReady_.wait(lock, [&] { return stopping_ || !dirty_.empty(); });
    if (stopping_) return;
    FreshInstance fresh = std::move(dirty_.front());
    dirty_.pop_front();
    resetting_ = true;
    lock.unlock();
    uint64_t cpu0 = threadCpuNs();
    resetAndKeep(std::move(fresh));
    uint64_t cpu = threadCpuNs() - cpu0;
    lock.lock();
    resetting_ = false;
    stats_.backgroundResetCpuNs += cpu;
    if (dirty_.empty()) allReset_.notify_all();
  }
}

void InstancePool::flushResets() {
  std::unique_lock<std::mutex> lock(mu_);
  allReset_.wait(lock, [&] { return stopping_ || (dirty_.empty() && !resetting_); });
}

size_t InstancePool::idle() const {
  std::lock_guard<std::mutex> lock(mu_);
  return idle_.size();
}

InstancePool::Stats InstancePool::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

}  // namespace tw::service
