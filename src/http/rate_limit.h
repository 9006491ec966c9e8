// Token buckets for the API's rate limits (http-api.md): one bucket per key, refilled at `qps`
// up to `burst`. Internal to the http layer. Thread-safety: take() from any thread.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

namespace tw::http {

class RateLimiter {
 public:
  // Takes one token from `key`'s bucket. False when it is empty; `retryAfterSeconds` then says
  // when the next token arrives (whole seconds, at least 1).
  bool take(const std::string& key, double qps, double burst, int& retryAfterSeconds);

 private:
  struct Bucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point last;
  };
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace tw::http
