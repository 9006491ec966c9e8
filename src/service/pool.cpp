// The instance pool. Resetting happens on release, outside the lock, so acquire is a pop.
// An instance whose reset fails is dropped, never handed out again.
#include "tensorwasm/service/pool.h"

namespace tw::service {

PooledInstance& PooledInstance::operator=(PooledInstance&& other) noexcept {
  if (this != &other) {
    if (pool_) pool_->release(std::move(fresh_));
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
  return pool;
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
  bool ok = image_->restore(*fresh.instance).ok();
  if (ok && fresh.resetHost) fresh.resetHost();
  std::lock_guard<std::mutex> lock(mu_);
  stats_.resets++;
  if (!ok) {
    stats_.resetFailures++;
    return;
  }
  if (idle_.size() < config_.keep) idle_.push_back(std::move(fresh));
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
