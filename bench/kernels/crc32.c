/* crc32: table-driven CRC-32 (reflected polynomial 0xEDB88320) over a pseudo-random buffer of
 * N bytes, 20 passes, each pass chaining the previous CRC into the data. SIZE = N. */
#define BENCH_NAME "crc32"
#define BENCH_DEFAULT_SIZE 4000000
#include "bench.h"

static uint32_t kernel_run(int32_t n) {
  uint32_t *table = bench_alloc(256 * 4);
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  uint8_t *data = bench_alloc((uint32_t)n);
  uint32_t s = 2463534242u;
  for (int32_t i = 0; i < n; i++) data[i] = (uint8_t)bench_rand(&s);
  uint32_t h = BENCH_HASH_INIT;
  for (int pass = 0; pass < 20; pass++) {
    uint32_t crc = 0xFFFFFFFFu;
    for (int32_t i = 0; i < n; i++) crc = table[(crc ^ data[i]) & 0xffu] ^ (crc >> 8);
    crc ^= 0xFFFFFFFFu;
    data[(uint32_t)pass * 7919u % (uint32_t)n] ^= (uint8_t)crc;
    h = bench_mix(h, crc);
  }
  return h;
}
