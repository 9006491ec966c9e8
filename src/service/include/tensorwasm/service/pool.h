// A pool of warm instances of one module (for one tenant): instances are made ahead by the
// caller's factory (from the pool's image once it has one, so without running the module's
// initializers again), handed out whole, and on release reset to the state right after
// instantiation: memory through its copy-on-write image (pages the invocation wrote are
// copied back from it and kept, or dropped past Config::keepResidentBytes; growth is
// undone), the instance's own globals, tables and segment flags, and host
// state through its InstanceHost (WASI files and environment, GPU buffers). The image
// is captured once, from the first instance, before it ever ran.
// Resets run where the instance is given back, or (Config::resetInBackground) on a thread of
// the pool's own, so giving back costs the caller only a hand-over; an instance is handed out
// again only once reset either way.
// Thread-safety: acquire/release from any thread; a PooledInstance is used by one at a time.
// InstanceHost::reset may run on the pool's thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
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
  // Makes an instance with its own host state. `image` is null for the pool's first
  // instance, which the pool captures its image from before it ever runs (so the factory
  // instantiates fully: Linker::instantiate); for every later one it is that image, and the
  // factory should make the instance with Linker::instantiateFromImage (copy-on-write memory,
  // no initializers run), with host functions from a linker of its own.
  using Factory = std::function<Result<FreshInstance>(const InstanceImage* image)>;
  struct Config {
    size_t warm = 2;   // instances made ahead
    size_t keep = 64;  // most instances kept for reuse
    // Written pages up to this much are copied back from the image on reset and stay
    // resident (ResetOptions): each idle instance may hold this much of its own memory.
    uint64_t keepResidentBytes = 2ull << 20;
    // Resets happen on the pool's thread instead of in the caller's release.
    bool resetInBackground = false;
  };
  struct Stats {
    uint64_t hits = 0, misses = 0, resets = 0, resetFailures = 0;
    uint64_t backgroundResetCpuNs = 0;  // CPU time the pool's thread spent resetting
  };
  static Result<std::shared_ptr<InstancePool>> create(Factory factory, Config config);
  // A warm instance, or a new one (from the image) when none is idle.
  Result<PooledInstance> acquire();
  size_t idle() const;
  Stats stats() const;
  // Returns once every instance given back so far is reset (or dropped).
  void flushResets();
  ~InstancePool();

 private:
  friend class PooledInstance;
  InstancePool(Factory factory, Config config) : factory_(std::move(factory)), config_(config) {}
  void release(FreshInstance fresh);
  void resetAndKeep(FreshInstance fresh);
  void resetLoop();

  Factory factory_;
  Config config_;
  std::shared_ptr<const InstanceImage> image_;
  mutable std::mutex mu_;
  std::vector<FreshInstance> idle_;
  Stats stats_;
  // Background resets: instances given back and not yet reset, and whether one is being.
  std::deque<FreshInstance> dirty_;
  bool resetting_ = false, stopping_ = false;
  std::condition_variable dirtyReady_, allReset_;
  std::thread resetter_;
};

}  // namespace tw::service
