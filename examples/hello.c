/* hello: a WASI command exercising stdout, args, environment and preopened files.
 *
 *   hello [ARGS...]          where ARGS may include  --read IN_FILE  and  --write OUT_FILE
 *
 * Prints "hello from wasm", argc, every argument as "argv[i]=...", and "GREETING=<value>" from
 * the environment (or "GREETING=(unset)"). With --read IN_FILE (a path under a preopened
 * directory) it prints "read N bytes from IN_FILE:" and the contents. With --write OUT_FILE as
 * well it writes an upper-cased copy of IN_FILE there followed by a line "bytes=N" (without
 * --read it writes just "bytes=0"), and prints "wrote OUT_FILE".
 * Exit code: the number of arguments after argv[0], options and their values included (so
 * `hello a b c` exits with 3). File errors exit with 101 (open IN), 102 (read IN),
 * 103 (create OUT) or 104 (write OUT) instead, with a message on stderr. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char buf[1 << 16];

int main(int argc, char **argv) {
  printf("hello from wasm\n");
  printf("argc=%d\n", argc);
  for (int i = 0; i < argc; i++) printf("argv[%d]=%s\n", i, argv[i]);
  const char *greeting = getenv("GREETING");
  printf("GREETING=%s\n", greeting ? greeting : "(unset)");

  const char *in_path = NULL, *out_path = NULL;
  for (int i = 1; i + 1 < argc; i++) {
    if (strcmp(argv[i], "--read") == 0) in_path = argv[++i];
    else if (strcmp(argv[i], "--write") == 0) out_path = argv[++i];
  }

  size_t n = 0;
  if (in_path) {
    FILE *in = fopen(in_path, "rb");
    if (!in) {
      fprintf(stderr, "hello: cannot open %s: %s\n", in_path, strerror(errno));
      return 101;
    }
    n = fread(buf, 1, sizeof buf, in);
    if (ferror(in)) {
      fprintf(stderr, "hello: cannot read %s\n", in_path);
      return 102;
    }
    fclose(in);
    printf("read %zu bytes from %s:\n", n, in_path);
    fwrite(buf, 1, n, stdout);
    if (n == 0 || buf[n - 1] != '\n') putchar('\n');
  }
  if (out_path) {
    FILE *out = fopen(out_path, "wb");
    if (!out) {
      fprintf(stderr, "hello: cannot create %s: %s\n", out_path, strerror(errno));
      return 103;
    }
    for (size_t i = 0; i < n; i++) buf[i] = (char)toupper((unsigned char)buf[i]);
    if (fwrite(buf, 1, n, out) != n || fprintf(out, "bytes=%zu\n", n) < 0 || fclose(out) != 0) {
      fprintf(stderr, "hello: cannot write %s\n", out_path);
      return 104;
    }
    printf("wrote %s\n", out_path);
  }
  fflush(stdout);
  return argc - 1;
}
