// Writing Wasm binaries byte by byte, so benchmarks need no tools or files at run time:
// LEB128 integers, sections and names.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

namespace tw::bench {

inline void leb(std::vector<uint8_t>& out, uint64_t v) {
  do {
    uint8_t b = v & 0x7F;
    v >>= 7;
    out.push_back(b | (v ? 0x80 : 0));
  } while (v);
}

inline void sleb(std::vector<uint8_t>& out, int64_t v) {
  bool more = true;
  while (more) {
    uint8_t b = v & 0x7F;
    v >>= 7;
    more = !((v == 0 && !(b & 0x40)) || (v == -1 && (b & 0x40)));
    out.push_back(b | (more ? 0x80 : 0));
  }
}

inline void section(std::vector<uint8_t>& out, uint8_t id, const std::vector<uint8_t>& body) {
  out.push_back(id);
  leb(out, body.size());
  out.insert(out.end(), body.begin(), body.end());
}

inline void name(std::vector<uint8_t>& out, const char* s) {
  leb(out, std::strlen(s));
  out.insert(out.end(), s, s + std::strlen(s));
}

}  // namespace tw::bench
