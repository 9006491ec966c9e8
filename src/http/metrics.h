// Prometheus metrics of the HTTP API (http-api.md, all prefixed tensor_wasm_): requests by
// route template, method and status; request duration histograms; requests in flight;
// streamed chunks; build info; and gauges the caller samples at scrape time (kept instances,
// warm pool instances). Route labels are templates ("/functions/{id}/invoke"), never raw paths,
// and unknown paths share one label, so a client cannot grow the label set.
// Thread-safety: every method may be called from any thread.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

namespace tw::http {

class Metrics {
 public:
  // The label a path is counted under.
  static std::string routeLabel(const std::string& path);

  void started(const std::string& route, const std::string& method);
  void finished(const std::string& route, const std::string& method, unsigned status, double seconds);
  void chunkEmitted() { chunks_.fetch_add(1, std::memory_order_relaxed); }
  // Gauges computed at scrape time: name (without prefix) -> value.
  void addGauge(std::string name, std::function<double()> sample);
  std::string render(const std::string& version, const std::string& gitSha) const;

 private:
  static constexpr std::array<double, 12> kBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                      0.01, 0.025, 0.1, 0.5, 2.5, 10};
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> counts{};
    uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, unsigned>, uint64_t> requests_;
  std::map<std::pair<std::string, std::string>, Histogram> durations_;
  std::map<std::pair<std::string, std::string>, int64_t> inFlight_;
  std::vector<std::pair<std::string, std::function<double()>>> gauges_;
  std::atomic<uint64_t> chunks_{0};
};

}  // namespace tw::http
