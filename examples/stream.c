/* stream: a wasi:tensor streaming guest.
 *
 *   tensorwasm run stream.wasm --input TEXT|@FILE [--deadline D]
 *
 * Reads its whole input with wasi:tensor read-input (in small reads, so the read position has
 * to advance), upper-cases it and emits it back with emit-chunk in chunks of at most
 * CHUNK bytes (so a 20-byte input arrives as 3 chunks), then flushes. Between chunks it asks
 * wasi:scheduler whether to go on: on a non-zero verdict it stops emitting, prints
 * "stream: stopped by deadline" on stderr and exits 3. Without streaming (emit-chunk -1) it
 * falls back to printing through stdout. Output on stderr at the end: "stream: N bytes in K
 * chunks, remaining-ms=R" where R is deadline-remaining-ms read as an unsigned number
 * (4294967295 when there is no deadline).
 * Exit code: 0, 1 if an import reports an error, 3 when the deadline cut it short. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define TENSOR(name) __attribute__((import_module("wasi:tensor/host"), import_name(name)))
#define SCHED(name) __attribute__((import_module("wasi:scheduler/host@0.1.0"), import_name(name)))

TENSOR("emit-chunk") int32_t tensor_emit_chunk(const void *ptr, int32_t len);
TENSOR("flush") int32_t tensor_flush(void);
TENSOR("input-len") int32_t tensor_input_len(void);
TENSOR("read-input") int32_t tensor_read_input(void *ptr, int32_t len);
TENSOR("set-usage") int32_t tensor_set_usage(int32_t prompt_tokens, int32_t completion_tokens);
SCHED("yield") int32_t sched_yield_verdict(void);
SCHED("deadline-remaining-ms") int32_t sched_deadline_remaining_ms(void);

#define CHUNK 8
#define READ_STEP 5

int main(void) {
  int32_t total = tensor_input_len();
  if (total < 0) return 1;
  char *text = malloc((size_t)total + 1);
  if (!text) return 1;
  int32_t got = 0;
  for (;;) {
    int32_t want = total - got < READ_STEP ? total - got : READ_STEP;
    int32_t n = tensor_read_input(text + got, want);
    if (n < 0) return 1;
    if (n == 0) break;
    got += n;
  }
  if (got != total) {
    fprintf(stderr, "stream: read %d of %d bytes\n", got, total);
    return 1;
  }
  for (int32_t i = 0; i < total; i++) text[i] = (char)toupper((unsigned char)text[i]);

  int chunks = 0;
  for (int32_t off = 0; off < total; off += CHUNK) {
    if (sched_yield_verdict() != 0) {
      fprintf(stderr, "stream: stopped by deadline\n");
      return 3;
    }
    int32_t len = total - off < CHUNK ? total - off : CHUNK;
    int32_t rc = tensor_emit_chunk(text + off, len);
    if (rc == -1) {
      fwrite(text + off, 1, (size_t)len, stdout);
    } else if (rc != 0) {
      fprintf(stderr, "stream: emit-chunk returned %d\n", rc);
      return 1;
    }
    chunks++;
  }
  fflush(stdout);
  tensor_flush();
  tensor_set_usage(total, chunks);
  fprintf(stderr, "stream: %d bytes in %d chunks, remaining-ms=%u\n", total, chunks,
          (uint32_t)sched_deadline_remaining_ms());
  free(text);
  return 0;
}
