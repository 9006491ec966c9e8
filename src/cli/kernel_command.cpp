// `tensorwasm kernel verify NAME@VERSION --manifest-file F --key-file K`: checks a kernel
// manifest's signature locally, without a server (formats.md, "Kernel manifests"). Exit 0 when
// it verifies and names NAME@VERSION; 2 for an unreadable or malformed key file, manifest or
// argument; 1 with "error: ..." when the manifest is for another kernel or its signature does
// not verify under the key. The key file holds 64 hex characters or exactly 32 raw bytes.
#include <CLI/CLI.hpp>
#include <iostream>
#include <string>

#include "common.h"
#include "tensorwasm/cli/app.h"
#include "tensorwasm/snapshot/files.h"
#include "tensorwasm/storage/kernel_manifest.h"

namespace tw::cli {
namespace {

struct VerifyArgs {
  std::string kernel;  // NAME@VERSION
  std::string manifestFile;
  std::string keyFile;
};

Result<storage::KernelManifest> readManifest(const std::string& path) {
  TW_ASSIGN(std::vector<uint8_t> bytes, readFileBytes(path));
  return storage::parseKernelManifest(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

int runVerify(const VerifyArgs& a) {
  size_t at = a.kernel.find('@');
  std::string name = a.kernel.substr(0, at);
  std::string version = at == std::string::npos ? "" : a.kernel.substr(at + 1);
  if (!storage::isKernelName(name) || !storage::isSemver(version)) {
    return reportError("expected NAME@VERSION (a registry name and a semantic version), got '" + a.kernel + "'", kExitUsage);
  }
  Result<storage::Key> key = snapshot::readKeyFile(a.keyFile);
  if (!key.ok()) return reportError(key.error().message, kExitUsage);
  Result<storage::KernelManifest> manifest = readManifest(a.manifestFile);
  if (!manifest.ok()) return reportError(a.manifestFile + ": " + manifest.error().message, kExitUsage);
  const storage::KernelManifest& m = manifest.value();
  if (m.name != name || m.version != version) {
    return reportError(a.manifestFile + " is the manifest of " + m.name + "@" + m.version + ", not " + a.kernel,
                       kExitGeneric);
  }
  if (Result<void> ok = storage::verifyKernelSignature(m, key.value()); !ok.ok()) {
    return reportError(ok.error().message, kExitGeneric);
  }
  std::cout << "ok: " << m.name << "@" << m.version << " sm_" << m.smVersion << " " << m.digest.str()
            << " published by '" << m.publisher << "' at " << m.publishedUnixMs << " ms: signature verified\n";
  return kExitOk;
}

}  // namespace

void addKernelCommand(CLI::App& app, CommandAction& action) {
  CLI::App* kernel = app.add_subcommand("kernel", "Signed kernel registry");
  kernel->require_subcommand(1);
  auto a = std::make_shared<VerifyArgs>();
  CLI::App* verify = kernel->add_subcommand("verify", "Check a kernel manifest's signature locally");
  verify->add_option("kernel", a->kernel, "NAME@VERSION the manifest must describe")->required();
  verify->add_option("--manifest-file", a->manifestFile, "The manifest (JSON)")->required();
  verify->add_option("--key-file", a->keyFile, "The registry key (64 hex characters or 32 raw bytes)")->required();
  verify->callback([a, &action] { action = [a] { return runVerify(*a); }; });
}

}  // namespace tw::cli
