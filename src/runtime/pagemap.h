// /proc/self/pagemap for the runtime's images: which 4 KiB pages of a range the process has
// touched and which of those hold a page of its own (written, where a private mapping of a
// file would otherwise show the file's page). One descriptor serves the process; a child
// made by fork() opens its own, since the inherited one would read the parent's pages.
// Thread-safety: both functions may run on any threads at once.
#pragma once

#include <cstdint>

namespace tw::pagemap {

inline constexpr uint64_t kPage = 4096;
inline constexpr uint64_t kPresent = 1ull << 63;
inline constexpr uint64_t kSwapped = 1ull << 62;
inline constexpr uint64_t kFileOrShared = 1ull << 61;

// Whether an entry shows a page the process wrote: present or swapped and not the file's
// (a private copy). The zero page counts too, which only costs a needless copy.
inline bool written(uint64_t entry) {
  return (entry & (kPresent | kSwapped)) != 0 && (entry & kFileOrShared) == 0;
}

// Reads the entries of the `pages` pages from `addr` (page-aligned) into `out`; false when
// the pagemap cannot be read.
bool read(const void* addr, uint64_t pages, uint64_t* out);

// Whether the pagemap tells written pages apart, checked once on a probe page: a sandbox may
// give a pagemap of zeros, under which every written page would look untouched.
bool showsWrites();

}  // namespace tw::pagemap
