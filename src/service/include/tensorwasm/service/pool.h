// A pool of warm instances of one module (for one tenant): instances are made ahead by the
// caller's factory, handed out whole, and on release reset to the state right after
// instantiation: memory through its copy-on-write image (pages the invocation dirtied are
// dropped, growth is undone), the instance's own globals, tables and segment flags, and host
// state through the factory's reset hook (WASI files and environment, GPU buffers). The image
// is captured once, from the first instance, before it ever ran.
// Thread-safety: acquire/release from any thread; a PooledInstance is used by one at a time.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "tensorwasm/runtime/image.h"
#include "tensorwasm/runtime/instance.h"

namespace tw::service {

// The host state linked to one instance (WASI descriptors, GPU buffers, ...).
class InstanceHost {
 public:
  virtual ~InstanceHost() = default;
  // Back to the state right after instantiation; an error drops the instance from the pool.
  virtual Result<void> reset() = 0;
};

struct FreshInstance {
  std::shared_ptr<Instance> instance;
  std::shared_ptr<InstanceHost> host;  // may be null: no host state to reset
};

class InstancePool;

// An instance out of the pool; goes back (reset) when destroyed.
class PooledInstance {
 public:
  PooledInstance() = default;
  PooledInstance(PooledInstance&&) noexcept = default;
  PooledInstance& operator=(PooledInstance&& other) noexcept;
  ~PooledInstance();
  Instance& operator*() const { return *fresh_.instance; }
  Instance* operator->() const { return fresh_.instance.get(); }
  InstanceHost* host() const { return fresh_.host.get(); }

 private:
  friend class InstancePool;
  std::shared_ptr<InstancePool> pool_;
  FreshInstance fresh_;
};

class InstancePool : public std::enable_shared_from_this<InstancePool> {
 public:
  using Factory = std::function<Result<FreshInstance>()>;
  struct Config {
    size_t warm = 2;   // instances made ahead
    size_t keep = 64;  // most instances kept for reuse
  };
  struct Stats {
    uint64_t hits = 0, misses = 0, resets = 0, resetFailures = 0;
  };
  static Result<std::shared_ptr<InstancePool>> create(Factory factory, Config config);
  // A warm instance, or a new one when none is idle.
  Result<PooledInstance> acquire();
  size_t idle() const;
  Stats stats() const;

 private:
  friend class PooledInstance;
  InstancePool(Factory factory, Config config) : factory_(std::move(factory)), config_(config) {}
  void release(FreshInstance fresh);

  Factory factory_;
  Config config_;
  std::shared_ptr<const InstanceImage> image_;
  mutable std::mutex mu_;
  std::vector<FreshInstance> idle_;
  Stats stats_;
};

}  // namespace tw::service
