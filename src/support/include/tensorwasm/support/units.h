// Parsing of the units used in flags (shared/spec/README.md): sizes `4096`, `64KiB`, `256MiB`,
// `1GiB` (a bare number is bytes) and durations `250ms`, `2s`, `1m` (a bare number is
// milliseconds). Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include "tensorwasm/support/result.h"

namespace tw {

// Bytes. Suffixes (case-insensitive): B, KiB, MiB, GiB, TiB (powers of 1024) and KB, MB, GB, TB
// (powers of 1000). Usage error on anything else or on overflow.
Result<uint64_t> parseSize(std::string_view text);

// A non-negative duration. Suffixes: ns, us, ms, s, m, h; a fraction is allowed ("1.5s").
Result<std::chrono::nanoseconds> parseDuration(std::string_view text);

}  // namespace tw
