// libFuzzer target: the artifact envelope reader. The first input byte picks a mode:
//   even: the rest is an envelope as found on disk (checks before and at the MAC);
//   odd:  the rest is a header digest (32 bytes) and a zstd frame, sealed here with a valid
//         MAC, so the fuzzer also reaches what only runs after the MAC: capped
//         decompression and the digest checks.
// Any crash, sanitizer report, leak, or payload past the cap is a finding.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "tensorwasm/storage/envelope.h"

namespace {

using tw::storage::Key;

constexpr uint64_t kCap = 1 << 20;

const Key& fuzzKey() {
  static const Key key = Key::fromBytes(std::array<uint8_t, 32>{1, 2, 3, 4, 5, 6, 7, 8});
  return key;
}

std::vector<uint8_t> sealedFromParts(const uint8_t* data, size_t size) {
  std::vector<uint8_t> env(tw::storage::kEnvelopeMagic.begin(), tw::storage::kEnvelopeMagic.end());
  env.insert(env.end(), {2, 0, 0, 0});
  std::array<uint8_t, 32> digest{};
  std::memcpy(digest.data(), data, std::min<size_t>(size, 32));
  env.insert(env.end(), digest.begin(), digest.end());
  if (size > 32) env.insert(env.end(), data + 32, data + size);
  tw::storage::Mac mac = tw::storage::hmacSha256(fuzzKey(), env);
  env.insert(env.end(), mac.begin(), mac.end());
  return env;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::vector<uint8_t> envelope = (data[0] & 1) ? sealedFromParts(data + 1, size - 1)
                                                : std::vector<uint8_t>(data + 1, data + size);
  uint64_t delivered = 0;
  tw::storage::OpenOptions options{kCap, std::nullopt};
  auto result = tw::storage::openEnvelope(envelope, fuzzKey(), options,
                                          [&](std::span<const uint8_t> chunk) -> tw::Result<void> {
                                            delivered += chunk.size();
                                            return {};
                                          });
  if (delivered > kCap) std::abort();
  if (!(data[0] & 1) && delivered > 0) std::abort();  // no valid MAC can be guessed
  return 0;
}
