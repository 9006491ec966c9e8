/* quicksort: sorts N pseudo-random 32-bit integers with a hand-written quicksort (median of
 * three, insertion sort below 16 elements, recursion on the smaller side), 3 rounds on
 * fresh data, verifying order. SIZE = N. */
#define BENCH_NAME "quicksort"
#define BENCH_DEFAULT_SIZE 2000000
#include "bench.h"

static void insertion(int32_t *a, int32_t lo, int32_t hi) {
  for (int32_t i = lo + 1; i <= hi; i++) {
    int32_t v = a[i], j = i - 1;
    while (j >= lo && a[j] > v) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = v;
  }
}

static void swap(int32_t *a, int32_t i, int32_t j) {
  int32_t t = a[i];
  a[i] = a[j];
  a[j] = t;
}

static void quicksort(int32_t *a, int32_t lo, int32_t hi) {
  while (hi - lo >= 16) {
    int32_t mid = lo + (hi - lo) / 2;
    if (a[mid] < a[lo]) swap(a, mid, lo);
    if (a[hi] < a[lo]) swap(a, hi, lo);
    if (a[hi] < a[mid]) swap(a, hi, mid);
    int32_t pivot = a[mid], i = lo, j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) swap(a, i++, j--);
    }
    if (j - lo < hi - i) {
      quicksort(a, lo, j);
      lo = i;
    } else {
      quicksort(a, i, hi);
      hi = j;
    }
  }
  insertion(a, lo, hi);
}

static uint32_t kernel_run(int32_t n) {
  int32_t *a = bench_alloc(4u * (uint32_t)n);
  uint32_t s = 88172645u, h = BENCH_HASH_INIT;
  for (int round = 0; round < 3; round++) {
    for (int32_t i = 0; i < n; i++) a[i] = (int32_t)bench_rand(&s);
    quicksort(a, 0, n - 1);
    uint32_t bad = 0;
    for (int32_t i = 1; i < n; i++) bad += a[i - 1] > a[i];
    h = bench_mix(h, bad);
    for (int32_t i = 0; i < n; i += 97) h = bench_mix(h, (uint32_t)a[i]);
  }
  return h;
}
