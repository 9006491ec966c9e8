// UUIDv4 ids (functions, jobs, instances, requests) and their syntax check.
// Thread-safety: both functions may be called from any thread.
#pragma once

#include <string>
#include <string_view>

namespace tw {

// A random (version 4, RFC 4122 variant) UUID in lowercase 8-4-4-4-12 form.
std::string randomUuid();

// True for the 8-4-4-4-12 hex form (either case), any version.
bool isUuid(std::string_view text);

}  // namespace tw
