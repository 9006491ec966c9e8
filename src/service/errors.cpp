// Service error construction: one table (errors.h) gives each code its kind and API name.
#include "tensorwasm/service/errors.h"

#include "tensorwasm/support/error_table.h"

#include "tensorwasm/runtime/trap.h"

namespace tw::service {
namespace {

constexpr ErrorTableEntry kEntries[] = {
#define TW_SERVICE_ENTRY(name, kind, text) {ErrorKind::kind, text},
    TW_SERVICE_ERRORS(TW_SERVICE_ENTRY)
#undef TW_SERVICE_ENTRY
};
// Marks service errors apart from trap codes, which share Error::code under kind Trap.
constexpr ErrorTable<ServiceErrc> kTable{0x5e000, kEntries};

}  // namespace

const char* name(ServiceErrc code) { return kTable.name(code); }

Error serviceError(ServiceErrc code, std::string message) { return kTable.make(code, std::move(message)); }

bool isServiceError(const Error& error, ServiceErrc code) { return kTable.codeOf(error) == code; }

}  // namespace tw::service
