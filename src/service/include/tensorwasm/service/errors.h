// Typed refusals of the service layer. Each is a tw::Error whose `code` holds a ServiceErrc;
// the kind says the broad class (Limit for quotas and capacity, Usage for bad requests, Trap
// with TrapKind::Interrupted for deadlines and cancellations). `name()` is the snake_case
// identifier the HTTP API reports (http-api.md).
#pragma once

#include <cstdint>
#include <string>

#include "tensorwasm/support/result.h"

namespace tw::service {

#define TW_SERVICE_ERRORS(X)                                          \
  X(TenantCapacityExhausted, Limit, "tenant_capacity_exhausted")      \
  X(CapacityExhausted, Limit, "capacity_exhausted")                   \
  X(TenantMemoryExhausted, Limit, "tenant_memory_exhausted")          \
  X(ModuleMemoryTooLarge, Limit, "module_memory_too_large")           \
  X(GpuNotAllowed, Limit, "gpu_not_allowed")                          \
  X(DeadlineElapsed, Trap, "invoke_timeout")                          \
  X(Cancelled, Trap, "cancelled")                                     \
  X(JobNotFound, Usage, "not_found")                                  \
  X(JobFinished, Usage, "job_finished")                               \
  X(MissingExport, Usage, "missing_export")                           \
  X(InvalidArgs, Usage, "invalid_args")                               \
  X(TooManyArgs, Usage, "too_many_args")                              \
  X(UnsupportedResultType, Usage, "unsupported_result_type")          \
  X(InvalidTenantsFile, Usage, "invalid_tenants_file")              \
  X(SnapshotSigningNotConfigured, Unsupported, "snapshot_signing_not_configured")

enum class ServiceErrc : int32_t {
#define TW_SERVICE_ENUM(name, kind, text) name,
  TW_SERVICE_ERRORS(TW_SERVICE_ENUM)
#undef TW_SERVICE_ENUM
};

Error serviceError(ServiceErrc code, std::string message);
// The ServiceErrc of an error made by serviceError, if it is one.
bool isServiceError(const Error& error, ServiceErrc code);
const char* name(ServiceErrc code);

}  // namespace tw::service
