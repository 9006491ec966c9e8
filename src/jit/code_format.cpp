// Layout: magic "tw-jit-objects01", u32 count, then per object u64 length and its bytes;
// little-endian, nothing after the last object.
#include "code_format.h"

#include <link.h>
#include <llvm/Config/llvm-config.h>
#include <sys/stat.h>

#include <cstring>

namespace tw::jit {
namespace {

constexpr char kMagic[] = "tw-jit-objects01";
constexpr size_t kMagicSize = sizeof kMagic - 1;

std::string hex(const uint8_t* bytes, size_t n) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 15];
  }
  return out;
}

// The main executable's NT_GNU_BUILD_ID note, or "" when it has none.
std::string executableBuildId() {
  std::string id;
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* out) {
        for (int i = 0; i < info->dlpi_phnum; ++i) {
          const ElfW(Phdr)& ph = info->dlpi_phdr[i];
          if (ph.p_type != PT_NOTE) continue;
          auto* p = reinterpret_cast<const uint8_t*>(info->dlpi_addr + ph.p_vaddr);
          const uint8_t* end = p + ph.p_memsz;
          while (p + sizeof(ElfW(Nhdr)) <= end) {
            auto* note = reinterpret_cast<const ElfW(Nhdr)*>(p);
            const uint8_t* name = p + sizeof(ElfW(Nhdr));
            const uint8_t* desc = name + ((note->n_namesz + 3) & ~3u);
            if (note->n_type == NT_GNU_BUILD_ID && note->n_namesz == 4 && std::memcmp(name, "GNU", 4) == 0) {
              *static_cast<std::string*>(out) = hex(desc, note->n_descsz);
              return 1;
            }
            p = desc + ((note->n_descsz + 3) & ~3u);
          }
        }
        return 1;  // the first object is the executable: stop either way
      },
      &id);
  return id;
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

const std::string& compilerIdentity() {
  static const std::string identity = std::string(kMagic) + "; tensorwasm " TW_VERSION " " + engineBuild() +
                                      "; llvm " LLVM_VERSION_STRING "; cpu " + hostCpuDescription();
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

Result<ObjectFiles> decodeObjects(std::span<const uint8_t> bytes) {
  if (bytes.size() < kMagicSize + 4 || std::memcmp(bytes.data(), kMagic, kMagicSize) != 0) {
    return malformed("bad magic");
  }
  uint64_t count = getLE(bytes.data() + kMagicSize, 4);
  size_t pos = kMagicSize + 4;
  ObjectFiles objects;
  for (uint64_t i = 0; i < count; ++i) {
    if (bytes.size() - pos < 8) return malformed("truncated object length");
    uint64_t length = getLE(bytes.data() + pos, 8);
    pos += 8;
    if (length == 0 || length > bytes.size() - pos) return malformed("object length out of range");
    objects.emplace_back(reinterpret_cast<const char*>(bytes.data() + pos), length);
    pos += length;
  }
  if (pos != bytes.size()) return malformed("trailing bytes");
  if (objects.empty()) return malformed("no objects");
  return objects;
}

}  // namespace tw::jit
