#include "rate_limit.h"

#include <algorithm>
#include <cmath>

namespace tw::http {

bool RateLimiter::take(const std::string& key, double qps, double burst, int& retryAfterSeconds) {
  auto now = std::chrono::steady_clock::now();
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, fresh] = buckets_.try_emplace(key, Bucket{burst, now});
  Bucket& b = it->second;
  if (!fresh) {
    double elapsed = std::chrono::duration<double>(now - b.last).count();
    b.tokens = std::min(burst, b.tokens + elapsed * qps);
    b.last = now;
  }
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return true;
  }
  retryAfterSeconds = std::max(1, static_cast<int>(std::ceil((1 - b.tokens) / qps)));
  return false;
}

}  // namespace tw::http
