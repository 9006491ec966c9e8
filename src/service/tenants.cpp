// The tenants file and the per-tenant counters. Every check and every grant happens under
// one mutex, so a refusal can never leave a partial grant behind.
#include "tensorwasm/service/tenants.h"

#include <charconv>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tensorwasm/service/errors.h"

namespace tw::service {
namespace {

using nlohmann::json;

Error bad(const std::string& where, const std::string& why) {
  return serviceError(ServiceErrc::InvalidTenantsFile, "tenants file: " + where + ": " + why);
}

Result<uint64_t> count(const json& v, const std::string& where) {
  if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0)) {
    return bad(where, "expected a non-negative integer, got " + v.dump());
  }
  return v.get<uint64_t>();
}

Result<double> rate(const json& v, const std::string& where) {
  if (!v.is_number() || v.get<double>() <= 0) return bad(where, "expected a positive number, got " + v.dump());
  return v.get<double>();
}

// Applies the keys of `j` over `limits` (which holds what they inherit).
Result<void> applyLimits(const json& j, TenantLimits& limits, const std::string& where) {
  if (!j.is_object()) return bad(where, "expected an object of limits");
  for (const auto& [key, v] : j.items()) {
    std::string at = where + "." + key;
    if (key == "cpu_memory_bytes") {
      TW_ASSIGN(limits.cpuMemoryBytes, count(v, at));
    } else if (key == "gpu_memory_bytes") {
      TW_ASSIGN(limits.gpuMemoryBytes, count(v, at));
    } else if (key == "gpu") {
      if (!v.is_boolean()) return bad(at, "expected true or false");
      limits.gpu = v.get<bool>();
    } else if (key == "max_instances") {
      TW_ASSIGN(limits.maxInstances, count(v, at));
    } else if (key == "max_concurrent") {
      TW_ASSIGN(limits.maxConcurrent, count(v, at));
    } else if (key == "rate_qps") {
      TW_ASSIGN(double q, rate(v, at));
      limits.rateQps = q;
    } else if (key == "rate_burst") {
      TW_ASSIGN(double b, rate(v, at));
      limits.rateBurst = b;
    } else if (key == "max_deadline_ms") {
      TW_ASSIGN(uint64_t ms, count(v, at));
      limits.maxDeadlineMs = ms;
    } else {
      return bad(at, "unknown limit");
    }
  }
  return {};
}

Result<TenantId> tenantId(const std::string& key) {
  TenantId id = 0;
  auto [ptr, ec] = std::from_chars(key.data(), key.data() + key.size(), id, 10);
  if (key.empty() || ec != std::errc() || ptr != key.data() + key.size()) {
    return bad("tenants." + key, "a tenant id is a decimal integer");
  }
  return id;
}

}  // namespace

Result<TenantTable> TenantTable::parse(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return bad("(document)", "not valid JSON");
  if (!j.is_object()) return bad("(document)", "expected an object");
  TenantTable t;
  for (const auto& [key, v] : j.items()) {
    if (key != "default" && key != "tenants") return bad(key, "unknown key");
  }
  if (j.contains("default")) TW_TRY(applyLimits(j["default"], t.defaults_, "default"));
  if (j.contains("tenants")) {
    const json& all = j["tenants"];
    if (!all.is_object()) return bad("tenants", "expected an object keyed by tenant id");
    for (const auto& [key, v] : all.items()) {
      TW_ASSIGN(TenantId id, tenantId(key));
      TenantLimits limits = t.defaults_;
      TW_TRY(applyLimits(v, limits, "tenants." + key));
      t.tenants_[id] = limits;
    }
  }
  return t;
}

Result<TenantTable> TenantTable::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return makeError(ErrorKind::Io, "cannot read the tenants file " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str());
}

const TenantLimits& TenantTable::limits(TenantId tenant) const {
  auto it = tenants_.find(tenant);
  return it == tenants_.end() ? defaults_ : it->second;
}

Lease& Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = std::move(other.owner_);
    tenant_ = other.tenant_;
    resource_ = other.resource_;
    amount_ = other.amount_;
    other.amount_ = 0;
  }
  return *this;
}

void Lease::release() {
  if (owner_) owner_->give(tenant_, resource_, amount_);
  owner_.reset();
  amount_ = 0;
}

std::shared_ptr<TenantQuotas> TenantQuotas::create(TenantTable table, uint64_t processConcurrent) {
  return std::shared_ptr<TenantQuotas>(new TenantQuotas(std::move(table), processConcurrent));
}

Result<Lease> TenantQuotas::acquire(TenantId tenant, Resource resource, uint64_t amount) {
  std::lock_guard<std::mutex> lock(mu_);
  const TenantLimits& limits = table_.limits(tenant);
  Usage& u = usage_[tenant];
  std::string who = "tenant " + std::to_string(tenant);
  switch (resource) {
    case Resource::CpuMemory:
      if (amount > limits.cpuMemoryBytes) {
        return serviceError(ServiceErrc::ModuleMemoryTooLarge,
                            who + " asked for " + std::to_string(amount) +
                                " bytes of memory; its cap is " + std::to_string(limits.cpuMemoryBytes));
      }
      if (u.cpuMemoryBytes > limits.cpuMemoryBytes - amount) {
        return serviceError(ServiceErrc::TenantMemoryExhausted,
                            who + " holds " + std::to_string(u.cpuMemoryBytes) + " of " +
                                std::to_string(limits.cpuMemoryBytes) + " bytes of memory; asked for " +
                                std::to_string(amount));
      }
      u.cpuMemoryBytes += amount;
      break;
    case Resource::Instances:
      if (u.instances + amount > limits.maxInstances) {
        return serviceError(ServiceErrc::TenantCapacityExhausted,
                            who + " has " + std::to_string(u.instances) + " of " +
                                std::to_string(limits.maxInstances) + " instances");
      }
      u.instances += amount;
      break;
    case Resource::Concurrent:
      if (u.concurrent + amount > limits.maxConcurrent) {
        return serviceError(ServiceErrc::TenantCapacityExhausted,
                            who + " runs " + std::to_string(u.concurrent) + " of " +
                                std::to_string(limits.maxConcurrent) + " concurrent invocations");
      }
      if (runningTotal_ + amount > processConcurrent_) {
        return serviceError(ServiceErrc::CapacityExhausted,
                            "the server runs " + std::to_string(runningTotal_) + " of " +
                                std::to_string(processConcurrent_) + " concurrent invocations");
      }
      u.concurrent += amount;
      runningTotal_ += amount;
      break;
  }
  Lease lease;
  lease.owner_ = shared_from_this();
  lease.tenant_ = tenant;
  lease.resource_ = resource;
  lease.amount_ = amount;
  return lease;
}

void TenantQuotas::give(TenantId tenant, Resource resource, uint64_t amount) {
  std::lock_guard<std::mutex> lock(mu_);
  Usage& u = usage_[tenant];
  switch (resource) {
    case Resource::CpuMemory: u.cpuMemoryBytes -= amount; break;
    case Resource::Instances: u.instances -= amount; break;
    case Resource::Concurrent:
      u.concurrent -= amount;
      runningTotal_ -= amount;
      break;
  }
}

Result<uint64_t> TenantQuotas::gpuCap(TenantId tenant) const {
  std::lock_guard<std::mutex> lock(mu_);
  const TenantLimits& limits = table_.limits(tenant);
  if (!limits.gpu) {
    return serviceError(ServiceErrc::GpuNotAllowed,
                        "tenant " + std::to_string(tenant) + " may not use the GPU");
  }
  return limits.gpuMemoryBytes;
}

TenantQuotas::Usage TenantQuotas::usage(TenantId tenant) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = usage_.find(tenant);
  return it == usage_.end() ? Usage{} : it->second;
}

TenantLimits TenantQuotas::limits(TenantId tenant) const {
  std::lock_guard<std::mutex> lock(mu_);
  return table_.limits(tenant);
}

void TenantQuotas::setTable(TenantTable table) {
  std::lock_guard<std::mutex> lock(mu_);
  table_ = std::move(table);
}

}  // namespace tw::service
