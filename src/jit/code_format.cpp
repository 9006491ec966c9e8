// Layout: magic "tw-jit-objects02", u32 count, then per object u64 length and its bytes;
// little-endian, nothing after the last object.
#include "code_format.h"

#include <cpuid.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstring>

#include "build_id.h"

namespace tw::jit {
namespace {

constexpr char kMagic[] = "tw-jit-objects02";
constexpr size_t kMagicSize = sizeof kMagic - 1;

// The CPU as cpuid identifies it: vendor, family/model/stepping, feature flags and the
// register state the OS enables (XCR0). The per-core APIC id (leaf 1 EBX) is left out.
std::string hostCpuFingerprint() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  std::string out;
  auto put = [&](std::initializer_list<unsigned> words) {
    char buf[16];
    for (unsigned w : words) {
      std::snprintf(buf, sizeof buf, "%08x.", w);
      out += buf;
    }
  };
  unsigned maxLeaf = __get_cpuid_max(0, nullptr);
  __cpuid(0, a, b, c, d);
  out.append(reinterpret_cast<const char*>(&b), 4).append(reinterpret_cast<const char*>(&d), 4).append(reinterpret_cast<const char*>(&c), 4);
  out += ' ';
  __cpuid(1, a, b, c, d);
  put({a, c, d});
  bool osxsave = c & (1u << 27);
  if (maxLeaf >= 7) {
    __cpuid_count(7, 0, a, b, c, d);
    put({b, c, d});
    __cpuid_count(7, 1, a, b, c, d);
    put({a, d});
  }
  if (__get_cpuid_max(0x80000000, nullptr) >= 0x80000001) {
    __cpuid(0x80000001, a, b, c, d);
    put({c, d});
  }
  if (osxsave) {
    uint32_t lo, hi;
    asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    put({lo, hi});
  }
  return out;
}

// Without a build id, the executable's size and modification time stand in for it.
std::string engineBuild() {
  std::string id = executableBuildId();
  if (!id.empty()) return "build " + id;
  struct stat st{};
  if (stat("/proc/self/exe", &st) != 0) return "build unknown";
  return "exe " + std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) + "." +
         std::to_string(st.st_mtim.tv_nsec);
}

void putU64(std::vector<uint8_t>& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

uint64_t getLE(const uint8_t* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

Error malformed(const char* what) {
  return makeError(ErrorKind::Malformed, std::string("cached code: ") + what);
}

}  // namespace

Result<std::string> compilerIdentity() {
  static const Result<std::string> identity = []() -> Result<std::string> {
    TW_ASSIGN(std::string codegen, codegenLibraryBuildId());
    return std::string(kMagic) + "; tensorwasm " TW_VERSION " " + engineBuild() + "; codegen " + codegen +
           "; llvm " TW_LLVM_VERSION "; cpu " + hostCpuFingerprint();
  }();
  return identity;
}

std::vector<uint8_t> encodeObjects(const ObjectFiles& objects) {
  std::vector<uint8_t> out(kMagic, kMagic + kMagicSize);
  uint32_t count = static_cast<uint32_t>(objects.size());
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(count >> (8 * i)));
  for (const std::string& o : objects) {
    putU64(out, o.size());
    out.insert(out.end(), o.begin(), o.end());
  }
  return out;
}

Result<std::vector<ObjectView>> decodeObjects(std::span<const uint8_t> bytes) {
  if (bytes.size() < kMagicSize + 4 || std::memcmp(bytes.data(), kMagic, kMagicSize) != 0) {
    return malformed("bad magic");
  }
  uint64_t count = getLE(bytes.data() + kMagicSize, 4);
  size_t pos = kMagicSize + 4;
  std::vector<ObjectView> objects;
  for (uint64_t i = 0; i < count; ++i) {
    if (bytes.size() - pos < 8) return malformed("truncated object length");
    uint64_t length = getLE(bytes.data() + pos, 8);
    pos += 8;
    if (length == 0 || length > bytes.size() - pos) return malformed("object length out of range");
    objects.push_back(bytes.subspan(pos, length));
    pos += length;
  }
  if (pos != bytes.size()) return malformed("trailing bytes");
  if (objects.empty()) return malformed("no objects");
  return objects;
}

}  // namespace tw::jit
