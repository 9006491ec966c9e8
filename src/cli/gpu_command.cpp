// `tensorwasm gpu info [--output text|json]`: what the GPU layer sees: the driver version,
// each device (name, compute capability, SMs, total/free memory, memory pools) and the MPS
// mode; without a GPU it says plainly why (no driver, the toolkit's stub library, zero
// devices) and still exits 0, since "no GPU" is an answer, not a failure.
#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "common.h"
#include "tensorwasm/cli/app.h"
#include "tensorwasm/gpu/gpu.h"

namespace tw::cli {
namespace {

std::string mib(uint64_t bytes) { return std::to_string(bytes >> 20) + " MiB"; }

std::string driverText(int v) {
  return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10);
}

int runGpuInfo(const std::string& output) {
  gpu::GpuInfo info = gpu::GpuRuntime::process()->info();
  if (output == "json") {
    nlohmann::json j;
    j["available"] = info.available;
    if (!info.available) j["reason"] = info.reason;
    if (info.driverVersion) {
      j["driver_version"] = info.driverVersion;
      j["cuda_version"] = driverText(info.driverVersion);
    }
    j["mps"] = info.mpsActive;
    j["mps_control"] = info.mpsControl;
    j["devices"] = nlohmann::json::array();
    for (const gpu::DeviceInfo& d : info.devices) {
      j["devices"].push_back({{"ordinal", d.ordinal},
                              {"name", d.name},
                              {"compute_capability", std::to_string(d.ccMajor) + "." + std::to_string(d.ccMinor)},
                              {"sm_count", d.smCount},
                              {"memory_total_bytes", d.totalBytes},
                              {"memory_free_bytes", d.freeBytes},
                              {"memory_used_bytes", d.totalBytes - std::min(d.freeBytes, d.totalBytes)},
                              {"memory_pools", d.memoryPools},
                              {"worker_pid", d.workerPid}});
    }
    std::cout << j.dump(2) << "\n";
    return kExitOk;
  }
  if (!info.available) {
    std::cout << "no GPU: " << info.reason << "\n";
  } else {
    std::cout << "driver: CUDA " << driverText(info.driverVersion) << " (" << info.driverVersion
              << ")\n";
    for (const gpu::DeviceInfo& d : info.devices) {
      std::cout << "device " << d.ordinal << ": " << d.name << ", compute capability "
                << d.ccMajor << "." << d.ccMinor << ", " << d.smCount << " SMs, "
                << mib(d.totalBytes) << " total, " << mib(d.freeBytes) << " free, memory pools "
                << (d.memoryPools ? "yes" : "no (caps enforced by the in-process counter only)")
                << ", context in worker process " << d.workerPid << "\n";
    }
  }
  std::cout << "MPS: " << (info.mpsActive ? "control daemon running" : "not running") << " ("
            << info.mpsControl << ")\n";
  return kExitOk;
}

}  // namespace

void addGpuCommand(CLI::App& app, CommandAction& action) {
  CLI::App* gpu = app.add_subcommand("gpu", "GPU information");
  gpu->require_subcommand(1);
  auto output = std::make_shared<std::string>("text");
  CLI::App* info = gpu->add_subcommand("info", "Devices, compute capability, memory, driver version, MPS mode");
  info->add_option("--output", *output, "text or json")->check(CLI::IsMember({"text", "json"}));
  info->callback([output, &action] { action = [output] { return runGpuInfo(*output); }; });
}

}  // namespace tw::cli
