// Tenants and their quotas. A TenantTable holds the limits of the tenants file
// (http-api.md): `{"default": {LIMITS}, "tenants": {"7": {LIMITS}}}`, missing keys inheriting
// from `default`, then from the built-in defaults. TenantQuotas counts what each tenant holds
// (CPU memory, instances, concurrent invocations) and refuses a request *before* anything is
// taken; what it grants comes back as a Lease that returns it when destroyed.
// Thread-safety: TenantTable is immutable; TenantQuotas is thread-safe (swap the table at
// run time with setTable, e.g. on SIGHUP).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "tensorwasm/support/result.h"

namespace tw::service {

using TenantId = uint64_t;

struct TenantLimits {
  uint64_t cpuMemoryBytes = 4ull << 30;
  uint64_t gpuMemoryBytes = 8ull << 30;  // per device
  bool gpu = true;
  uint64_t maxInstances = 1000;
  uint64_t maxConcurrent = 64;
  std::optional<double> rateQps, rateBurst;
  std::optional<uint64_t> maxDeadlineMs;
};

class TenantTable {
 public:
  TenantTable() = default;  // built-in defaults for everyone
  // InvalidTenantsFile naming the offending key (and tenant) on any mistake.
  static Result<TenantTable> parse(std::string_view jsonText);
  static Result<TenantTable> load(const std::string& path);
  const TenantLimits& limits(TenantId tenant) const;

 private:
  TenantLimits defaults_;
  std::map<TenantId, TenantLimits> tenants_;
};

enum class Resource : uint8_t { CpuMemory, Instances, Concurrent };

class TenantQuotas;

// What one grant holds; gives it back on destruction (movable, not copyable).
class Lease {
 public:
  Lease() = default;
  Lease(Lease&& other) noexcept { *this = std::move(other); }
  Lease& operator=(Lease&& other) noexcept;
  ~Lease() { release(); }
  void release();
  uint64_t amount() const { return amount_; }

 private:
  friend class TenantQuotas;
  std::shared_ptr<TenantQuotas> owner_;
  TenantId tenant_ = 0;
  Resource resource_ = Resource::Instances;
  uint64_t amount_ = 0;
};

class TenantQuotas : public std::enable_shared_from_this<TenantQuotas> {
 public:
  struct Usage {
    uint64_t cpuMemoryBytes = 0, instances = 0, concurrent = 0;
  };
  // `processConcurrent`: the process-wide cap on running invocations (CapacityExhausted).
  static std::shared_ptr<TenantQuotas> create(TenantTable table, uint64_t processConcurrent = 1024);

  // Grants `amount` of `resource` to `tenant` or refuses with TenantCapacityExhausted,
  // TenantMemoryExhausted, ModuleMemoryTooLarge (one request above the whole cap) or
  // CapacityExhausted, leaving every counter untouched.
  Result<Lease> acquire(TenantId tenant, Resource resource, uint64_t amount = 1);
  // NotAllowed (GpuNotAllowed) when the tenant may not use the GPU; else its per-device cap.
  Result<uint64_t> gpuCap(TenantId tenant) const;
  Usage usage(TenantId tenant) const;
  TenantLimits limits(TenantId tenant) const;
  void setTable(TenantTable table);

 private:
  friend class Lease;
  TenantQuotas(TenantTable table, uint64_t processConcurrent)
      : table_(std::move(table)), processConcurrent_(processConcurrent) {}
  void give(TenantId tenant, Resource resource, uint64_t amount);

  mutable std::mutex mu_;
  TenantTable table_;
  std::map<TenantId, Usage> usage_;
  uint64_t processConcurrent_;
  uint64_t runningTotal_ = 0;
};

}  // namespace tw::service
