// GNU build ids (the NT_GNU_BUILD_ID note linkers write), which name one build of a binary:
// the compiler identity of cached code includes the engine's and the code generator's.
#pragma once

#include <string>

#include "tensorwasm/support/result.h"

namespace tw::jit {

// The running executable's build id in hex, or "" when it has none.
std::string executableBuildId();

// The build id of the ELF file at `path`, read from its note segments without loading it.
Result<std::string> fileBuildId(const std::string& path);

}  // namespace tw::jit
