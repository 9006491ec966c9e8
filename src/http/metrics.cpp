#include "metrics.h"

#include <set>
#include <sstream>

#include "tensorwasm/support/uuid.h"

namespace tw::http {

std::string Metrics::routeLabel(const std::string& path) {
  static const std::set<std::string> kTop = {"healthz", "metrics", "functions", "jobs", "instances",
                                             "snapshot", "kernels", "v1"};
  std::vector<std::string> parts;
  for (size_t start = 1; start <= path.size();) {
    size_t end = std::min(path.find('/', start), path.size());
    parts.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  if (parts.empty() || !kTop.count(parts[0]) || parts.size() > 4) return "unmatched";
  std::string label;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[0] == "kernels" && i == 1) label += "/{name}";
    else if (parts[0] == "kernels" && i == 2) label += "/{version}";
    else if (isUuid(parts[i])) label += "/{id}";
    else if (i > 0 && parts[0] != "v1" && parts[0] != "snapshot" && parts[i] != "invoke" &&
             parts[i] != "invoke-async" && parts[i] != "invoke-stream") return "unmatched";
    else label += "/" + parts[i];
  }
  return label;
}

void Metrics::started(const std::string& route, const std::string& method) {
  std::lock_guard<std::mutex> lock(mu_);
  ++inFlight_[{route, method}];
}

void Metrics::finished(const std::string& route, const std::string& method, unsigned status, double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  --inFlight_[{route, method}];
  ++requests_[{route, method, status}];
  Histogram& h = durations_[{route, method}];
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++h.counts[i];
  }
  ++h.count;
  h.sum += seconds;
}

void Metrics::addGauge(std::string name, std::function<double()> sample) {
  std::lock_guard<std::mutex> lock(mu_);
  gauges_.emplace_back(std::move(name), std::move(sample));
}

std::string Metrics::render(const std::string& version, const std::string& gitSha) const {
  std::ostringstream out;
  std::lock_guard<std::mutex> lock(mu_);
  out << "# TYPE tensor_wasm_build_info gauge\n"
      << "tensor_wasm_build_info{version=\"" << version << "\",git_sha=\"" << gitSha << "\",compiler=\"clang " << __clang_major__
      << "\"} 1\n";
  out << "# TYPE tensor_wasm_http_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    auto& [route, method, status] = key;
    out << "tensor_wasm_http_requests_total{route=\"" << route << "\",method=\"" << method << "\",status=\"" << status
        << "\"} " << n << "\n";
  }
  out << "# TYPE tensor_wasm_http_request_duration_seconds histogram\n";
  for (const auto& [key, h] : durations_) {
    std::string labels = "route=\"" + key.first + "\",method=\"" + key.second + "\"";
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      out << "tensor_wasm_http_request_duration_seconds_bucket{" << labels << ",le=\"" << kBuckets[i] << "\"} "
          << h.counts[i] << "\n";
    }
    out << "tensor_wasm_http_request_duration_seconds_bucket{" << labels << ",le=\"+Inf\"} " << h.count << "\n"
        << "tensor_wasm_http_request_duration_seconds_sum{" << labels << "} " << h.sum << "\n"
        << "tensor_wasm_http_request_duration_seconds_count{" << labels << "} " << h.count << "\n";
  }
  out << "# TYPE tensor_wasm_http_requests_in_flight gauge\n";
  for (const auto& [key, n] : inFlight_) {
    out << "tensor_wasm_http_requests_in_flight{route=\"" << key.first << "\",method=\"" << key.second << "\"} " << n << "\n";
  }
  out << "# TYPE tensor_wasm_streaming_chunks_emitted_total counter\n"
      << "tensor_wasm_streaming_chunks_emitted_total " << chunks_.load() << "\n";
  for (const auto& [name, sample] : gauges_) {
    out << "# TYPE tensor_wasm_" << name << " gauge\ntensor_wasm_" << name << " " << sample() << "\n";
  }
  return out.str();
}

}  // namespace tw::http
