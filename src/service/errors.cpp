// Service error construction: one table (errors.h) gives each code its kind and API name.
#include "tensorwasm/service/errors.h"

#include "tensorwasm/runtime/trap.h"

namespace tw::service {
namespace {

// Marks service errors apart from trap codes, which share Error::code under kind Trap.
constexpr int32_t kServiceBase = 0x5e000;

struct Entry {
  ErrorKind kind;
  const char* name;
};

constexpr Entry kEntries[] = {
#define TW_SERVICE_ENTRY(name, kind, text) {ErrorKind::kind, text},
    TW_SERVICE_ERRORS(TW_SERVICE_ENTRY)
#undef TW_SERVICE_ENTRY
};

}  // namespace

const char* name(ServiceErrc code) { return kEntries[static_cast<int32_t>(code)].name; }

Error serviceError(ServiceErrc code, std::string message) {
  Error e = makeError(kEntries[static_cast<int32_t>(code)].kind, std::move(message));
  e.code = kServiceBase + static_cast<int32_t>(code);
  return e;
}

bool isServiceError(const Error& error, ServiceErrc code) {
  return error.code == kServiceBase + static_cast<int32_t>(code) &&
         error.kind == kEntries[static_cast<int32_t>(code)].kind;
}

}  // namespace tw::service
