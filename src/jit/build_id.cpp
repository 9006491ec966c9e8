#include "build_id.h"

#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <unistd.h>

#include <cstring>
#include <vector>

namespace tw::jit {
namespace {

std::string hex(const uint8_t* bytes, size_t n) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 15];
  }
  return out;
}

// The build id among the notes in [p, end), or "".
std::string buildIdInNotes(const uint8_t* p, const uint8_t* end) {
  while (end - p >= static_cast<ptrdiff_t>(sizeof(ElfW(Nhdr)))) {
    ElfW(Nhdr) note;
    std::memcpy(&note, p, sizeof note);
    const uint8_t* name = p + sizeof note;
    uint64_t nameBytes = (uint64_t{note.n_namesz} + 3) & ~uint64_t{3};
    uint64_t descBytes = (uint64_t{note.n_descsz} + 3) & ~uint64_t{3};
    if (nameBytes + descBytes > static_cast<uint64_t>(end - name)) return "";
    const uint8_t* desc = name + nameBytes;
    if (note.n_type == NT_GNU_BUILD_ID && note.n_namesz == 4 && std::memcmp(name, "GNU", 4) == 0) {
      return hex(desc, note.n_descsz);
    }
    p = desc + descBytes;
  }
  return "";
}

Error unreadable(const std::string& path, const char* what) {
  return makeError(ErrorKind::Unsupported, "cannot read the build id of " + path + ": " + what);
}

bool readExactly(int fd, void* out, size_t size, uint64_t offset) {
  return pread(fd, out, size, static_cast<off_t>(offset)) == static_cast<ssize_t>(size);
}

}  // namespace

std::string executableBuildId() {
  std::string id;
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* out) {
        for (int i = 0; i < info->dlpi_phnum; ++i) {
          const ElfW(Phdr)& ph = info->dlpi_phdr[i];
          if (ph.p_type != PT_NOTE) continue;
          auto* p = reinterpret_cast<const uint8_t*>(info->dlpi_addr + ph.p_vaddr);
          std::string found = buildIdInNotes(p, p + ph.p_memsz);
          if (!found.empty()) {
            *static_cast<std::string*>(out) = found;
            break;
          }
        }
        return 1;  // the first object is the executable: stop either way
      },
      &id);
  return id;
}

Result<std::string> fileBuildId(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return unreadable(path, "cannot open it");
  struct Closer {
    int fd;
    ~Closer() { close(fd); }
  } closer{fd};
  Elf64_Ehdr eh;
  if (!readExactly(fd, &eh, sizeof eh, 0) || std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
      eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum > 256) {
    return unreadable(path, "not a 64-bit ELF file");
  }
  std::vector<Elf64_Phdr> phdrs(eh.e_phnum);
  if (!readExactly(fd, phdrs.data(), phdrs.size() * sizeof(Elf64_Phdr), eh.e_phoff)) {
    return unreadable(path, "truncated program headers");
  }
  for (const Elf64_Phdr& ph : phdrs) {
    if (ph.p_type != PT_NOTE || ph.p_filesz > 65536) continue;
    std::vector<uint8_t> notes(ph.p_filesz);
    if (!readExactly(fd, notes.data(), notes.size(), ph.p_offset)) return unreadable(path, "truncated notes");
    std::string id = buildIdInNotes(notes.data(), notes.data() + notes.size());
    if (!id.empty()) return id;
  }
  return unreadable(path, "it has no build id");
}

}  // namespace tw::jit
