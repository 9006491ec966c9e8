/* coremark_like: a mixed integer workload in the spirit of CoreMark (written from scratch, not
 * derived from it). Each iteration runs, on data perturbed by the iteration number:
 *   - linked list: find, reverse, and merge-sort (by value, then by index) a 256-node list;
 *   - matrix: 32x32 int16 matrix add-constant, matrix-vector and matrix-matrix products with
 *     bit-field extraction of the results;
 *   - state machine: classifies a 1 KiB text of tokens (integers, decimals, exponent numbers,
 *     junk) with a character-driven state machine, counting transitions;
 *   - CRC-16 (CCITT, bitwise) over every partial result.
 * SIZE = iterations. */
#define BENCH_NAME "coremark_like"
#define BENCH_DEFAULT_SIZE 2000
#include "bench.h"

/* ---------- CRC-16/CCITT, bitwise ---------- */
static uint16_t crc16_u8(uint8_t v, uint16_t crc) {
  crc ^= (uint16_t)v << 8;
  for (int i = 0; i < 8; i++) crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
  return crc;
}
static uint16_t crc16_u16(uint16_t v, uint16_t crc) { return crc16_u8((uint8_t)(v >> 8), crc16_u8((uint8_t)v, crc)); }
static uint16_t crc16_u32(uint32_t v, uint16_t crc) { return crc16_u16((uint16_t)(v >> 16), crc16_u16((uint16_t)v, crc)); }

/* ---------- linked list ---------- */
#define LIST_N 256
typedef struct node { struct node *next; int16_t value; int16_t index; } node;

static node *list_build(node *pool, uint32_t seed) {
  uint32_t s = seed | 1u;
  for (int i = 0; i < LIST_N; i++) {
    pool[i].next = i + 1 < LIST_N ? &pool[i + 1] : 0;
    pool[i].value = (int16_t)(bench_rand(&s) & 0x3fff);
    pool[i].index = (int16_t)i;
  }
  return pool;
}

static node *list_reverse(node *l) {
  node *prev = 0;
  while (l) {
    node *next = l->next;
    l->next = prev;
    prev = l;
    l = next;
  }
  return prev;
}

static const node *list_find(const node *l, int16_t value) {
  while (l && l->value != value) l = l->next;
  return l;
}

static int cmp_value(const node *a, const node *b) { return a->value - b->value; }
static int cmp_index(const node *a, const node *b) { return a->index - b->index; }

/* Bottom-up merge sort of a singly linked list (stable). */
static node *list_sort(node *list, int (*cmp)(const node *, const node *)) {
  for (int width = 1;; width *= 2) {
    node *p = list, *head = 0, *tail = 0;
    int merges = 0;
    while (p) {
      merges++;
      node *q = p;
      int psize = 0;
      for (int i = 0; i < width && q; i++) {
        psize++;
        q = q->next;
      }
      int qsize = width;
      while (psize > 0 || (qsize > 0 && q)) {
        node *e;
        if (psize == 0) { e = q; q = q->next; qsize--; }
        else if (qsize == 0 || !q) { e = p; p = p->next; psize--; }
        else if (cmp(p, q) <= 0) { e = p; p = p->next; psize--; }
        else { e = q; q = q->next; qsize--; }
        if (tail) tail->next = e; else head = e;
        tail = e;
      }
      p = q;
    }
    tail->next = 0;
    list = head;
    if (merges <= 1) return list;
  }
}

static uint16_t bench_list(node *pool, uint32_t iter, uint16_t crc) {
  node *l = list_build(pool, iter * 2654435761u);
  for (int k = 0; k < 16; k++) {
    const node *f = list_find(l, (int16_t)((iter * 37 + (uint32_t)k * 1021) & 0x3fff));
    crc = crc16_u16(f ? (uint16_t)f->index : 0xffff, crc);
    l = list_reverse(l);
  }
  l = list_sort(l, cmp_value);
  int32_t acc = 0;
  for (const node *p = l; p; p = p->next) acc = acc * 3 + p->value;
  crc = crc16_u32((uint32_t)acc, crc);
  l = list_sort(l, cmp_index);
  crc = crc16_u16((uint16_t)l->value, crc);
  return crc;
}

/* ---------- matrix ---------- */
#define MAT_N 32
static uint16_t bench_matrix(int16_t *a, int16_t *b, int32_t *c, uint32_t iter, uint16_t crc) {
  uint32_t s = iter * 747796405u + 1u;
  for (int i = 0; i < MAT_N * MAT_N; i++) {
    a[i] = (int16_t)(bench_rand(&s) & 0xff) - 128;
    b[i] = (int16_t)(bench_rand(&s) & 0xff) - 128;
  }
  int16_t k = (int16_t)(iter & 0x7f);
  for (int i = 0; i < MAT_N * MAT_N; i++) a[i] = (int16_t)(a[i] + k);
  /* matrix-vector: c[i] = sum_j a[i][j] * b[0][j] */
  int32_t sum = 0;
  for (int i = 0; i < MAT_N; i++) {
    int32_t t = 0;
    for (int j = 0; j < MAT_N; j++) t += a[i * MAT_N + j] * b[j];
    c[i] = t;
    sum += t;
  }
  crc = crc16_u32((uint32_t)sum, crc);
  /* matrix-matrix */
  for (int i = 0; i < MAT_N; i++)
    for (int j = 0; j < MAT_N; j++) {
      int32_t t = 0;
      for (int l = 0; l < MAT_N; l++) t += a[i * MAT_N + l] * b[l * MAT_N + j];
      c[i * MAT_N + j] = t;
    }
  /* bit-field extraction and a running max */
  int32_t bits = 0, max = -2147483647;
  for (int i = 0; i < MAT_N * MAT_N; i++) {
    bits += (c[i] >> 2) & 0x0f;
    bits ^= (c[i] >> 5) & 0x7f;
    if (c[i] > max) max = c[i];
  }
  crc = crc16_u32((uint32_t)bits, crc);
  return crc16_u32((uint32_t)max, crc);
}

/* ---------- state machine ---------- */
enum { S_START, S_INT, S_SIGN, S_DOT, S_FRAC, S_EXP, S_EXPSIGN, S_EXPINT, S_JUNK, S_COUNT };

static int next_state(int st, char ch) {
  int digit = ch >= '0' && ch <= '9';
  switch (st) {
  case S_START: return digit ? S_INT : (ch == '+' || ch == '-') ? S_SIGN : ch == '.' ? S_DOT : S_JUNK;
  case S_SIGN: return digit ? S_INT : ch == '.' ? S_DOT : S_JUNK;
  case S_INT: return digit ? S_INT : ch == '.' ? S_DOT : (ch == 'e' || ch == 'E') ? S_EXP : S_JUNK;
  case S_DOT: return digit ? S_FRAC : S_JUNK;
  case S_FRAC: return digit ? S_FRAC : (ch == 'e' || ch == 'E') ? S_EXP : S_JUNK;
  case S_EXP: return digit ? S_EXPINT : (ch == '+' || ch == '-') ? S_EXPSIGN : S_JUNK;
  case S_EXPSIGN: return digit ? S_EXPINT : S_JUNK;
  case S_EXPINT: return digit ? S_EXPINT : S_JUNK;
  default: return S_JUNK;
  }
}

#define TEXT_N 1024
static void text_build(char *t, uint32_t seed) {
  static const char *const tokens[] = {"5012", "1.25", "-190", "+3.5e7", "7E-2", "0.", "--1",
                                       "12x4", ".5", "6e+", "abc", "-.25e1", "99999", "3.14159"};
  uint32_t s = seed | 1u;
  int pos = 0;
  while (pos < TEXT_N - 1) {
    const char *tok = tokens[bench_rand(&s) % (sizeof tokens / sizeof tokens[0])];
    while (*tok && pos < TEXT_N - 1) t[pos++] = *tok++;
    if (pos < TEXT_N - 1) t[pos++] = ',';
  }
  t[pos] = 0;
}

static uint16_t bench_state(char *text, uint32_t iter, uint16_t crc) {
  text_build(text, iter * 2246822519u + 7u);
  uint32_t final_count[S_COUNT] = {0}, transitions = 0;
  int st = S_START;
  for (int i = 0; text[i]; i++) {
    char ch = text[i];
    if (ch == ',') {
      final_count[st]++;
      st = S_START;
      continue;
    }
    int ns = next_state(st, ch);
    transitions += ns != st;
    st = ns;
  }
  final_count[st]++;
  for (int i = 0; i < S_COUNT; i++) crc = crc16_u32(final_count[i], crc);
  /* corrupt every 7th character and scan again */
  for (int i = 0; text[i]; i += 7) text[i] ^= 1;
  st = S_START;
  for (int i = 0; text[i]; i++) {
    if (text[i] == ',') { st = S_START; continue; }
    int ns = next_state(st, text[i]);
    transitions += ns != st;
    st = ns;
  }
  return crc16_u32(transitions, crc);
}

static uint32_t kernel_run(int32_t iterations) {
  node *pool = bench_alloc(sizeof(node) * LIST_N);
  int16_t *a = bench_alloc(2 * MAT_N * MAT_N), *b = bench_alloc(2 * MAT_N * MAT_N);
  int32_t *c = bench_alloc(4 * MAT_N * MAT_N);
  char *text = bench_alloc(TEXT_N);
  uint16_t crc = 0;
  uint32_t h = BENCH_HASH_INIT;
  for (int32_t it = 0; it < iterations; it++) {
    crc = bench_list(pool, (uint32_t)it, crc);
    crc = bench_matrix(a, b, c, (uint32_t)it, crc);
    crc = bench_state(text, (uint32_t)it, crc);
    if ((it & 63) == 63) h = bench_mix(h, crc);
  }
  return bench_mix(h, crc);
}
