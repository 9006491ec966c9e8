/* openai_echo: an "echo model" for the OpenAI-compatible gateway (http-api.md).
 *
 *   tensorwasm run openai_echo.wasm --input PROMPT
 *
 * The gateway calls _start with the prompt as the wasi:tensor input and the request body JSON as
 * the request document. The answer is the prompt's words (split at whitespace) joined by single
 * spaces. For a chat transcript (an input whose last line is "assistant:") it is the words of the
 * last message not from the assistant: a message starts at a line beginning "ROLE:", ROLE one of
 * system, developer, user, assistant, tool, function, and runs to the next such line.
 *
 * From the request document it honours two fields of the top-level object:
 *   max_tokens  a non-negative integer: at most that many words (a word is a token);
 *   stop        a string or an array of strings: the answer ends just before the first
 *               occurrence of any of them in the text that max_tokens left.
 * A field of another type is ignored; a malformed document, or none (`tensorwasm run`), means
 * no limits.
 *
 * Each word is emitted with emit-chunk as its own chunk, led by the space that separates it from
 * the previous one ("hello", " world"), so a stream arrives word by word; a stop string may end
 * the last chunk mid-word, and a word over the 64 KiB chunk cap goes in several chunks. Without
 * streaming (emit-chunk -1) the answer is written to stdout. set-usage reports prompt_tokens =
 * the words of the whole input and completion_tokens = the words of the answer sent.
 * Exit code: 0, or 1 when an import reports an error or memory runs out. */
#define _GNU_SOURCE /* memmem */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TENSOR(name) __attribute__((import_module("wasi:tensor/host"), import_name(name)))

TENSOR("emit-chunk") int32_t tensor_emit_chunk(const void *ptr, int32_t len);
TENSOR("flush") int32_t tensor_flush(void);
TENSOR("input-len") int32_t tensor_input_len(void);
TENSOR("read-input") int32_t tensor_read_input(void *ptr, int32_t len);
TENSOR("request-len") int32_t tensor_request_len(void);
TENSOR("read-request") int32_t tensor_read_request(void *ptr, int32_t len);
TENSOR("set-usage") int32_t tensor_set_usage(int32_t prompt_tokens, int32_t completion_tokens);

#define MAX_CHUNK (64 * 1024)
/* Deep enough for any real request; bounds the recursion on hostile nesting. */
#define MAX_JSON_DEPTH 64

/* ---- the request document ---------------------------------------------------------------- */

typedef struct {
  const char *text;
  size_t len;
} Span;

typedef struct {
  int32_t max_tokens; /* -1: no limit */
  Span *stops;
  size_t stop_count;
} Limits;

typedef struct {
  const char *p, *end;
} Json;

static void json_ws(Json *j) {
  while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')) j->p++;
}

static bool json_peek(Json *j, char c) { return j->p < j->end && *j->p == c; }

static bool json_take(Json *j, const char *lit) {
  size_t n = strlen(lit);
  if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n) != 0) return false;
  j->p += n;
  return true;
}

static bool json_hex4(Json *j, uint32_t *cp) {
  if (j->end - j->p < 4) return false;
  *cp = 0;
  for (int i = 0; i < 4; i++) {
    char c = *j->p++;
    int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    if (v < 0) return false;
    *cp = *cp << 4 | (uint32_t)v;
  }
  return true;
}

static size_t put_utf8(char *out, uint32_t cp) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xC0 | cp >> 6);
    out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xE0 | cp >> 12);
    out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | cp >> 18);
  out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
  out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
  out[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* Reads the string at j->p, decoding it into `out`. No escape decodes to more bytes than it is
 * written with, so `out` needs no more room than the rest of the document. */
static bool json_string(Json *j, char *out, size_t *out_len) {
  if (!json_take(j, "\"")) return false;
  size_t n = 0;
  while (j->p < j->end) {
    unsigned char c = (unsigned char)*j->p++;
    if (c == '"') {
      *out_len = n;
      return true;
    }
    if (c < 0x20) return false;
    if (c != '\\') {
      out[n++] = (char)c;
      continue;
    }
    if (j->p == j->end) return false;
    uint32_t cp;
    switch (*j->p++) {
      case '"': cp = '"'; break;
      case '\\': cp = '\\'; break;
      case '/': cp = '/'; break;
      case 'b': cp = '\b'; break;
      case 'f': cp = '\f'; break;
      case 'n': cp = '\n'; break;
      case 'r': cp = '\r'; break;
      case 't': cp = '\t'; break;
      case 'u': {
        if (!json_hex4(j, &cp)) return false;
        if (cp >= 0xDC00 && cp <= 0xDFFF) return false;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          uint32_t low;
          if (!json_take(j, "\\u") || !json_hex4(j, &low) || low < 0xDC00 || low > 0xDFFF) return false;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        }
        break;
      }
      default: return false;
    }
    n += put_utf8(out + n, cp);
  }
  return false;
}

/* Reads a number; `*count` becomes its value (saturated at INT32_MAX) when it is a plain
 * non-negative integer, else -1. */
static bool json_number(Json *j, int32_t *count) {
  bool plain = !json_take(j, "-");
  const char *digits = j->p;
  int64_t value = 0;
  while (j->p < j->end && isdigit((unsigned char)*j->p)) {
    value = value * 10 + (*j->p++ - '0');
    if (value > INT32_MAX) value = INT32_MAX;
  }
  if (j->p == digits || (*digits == '0' && j->p - digits > 1)) return false;
  if (json_take(j, ".")) {
    plain = false;
    const char *frac = j->p;
    while (j->p < j->end && isdigit((unsigned char)*j->p)) j->p++;
    if (j->p == frac) return false;
  }
  if (json_peek(j, 'e') || json_peek(j, 'E')) {
    plain = false;
    j->p++;
    if (json_peek(j, '+') || json_peek(j, '-')) j->p++;
    const char *exp = j->p;
    while (j->p < j->end && isdigit((unsigned char)*j->p)) j->p++;
    if (j->p == exp) return false;
  }
  *count = plain ? (int32_t)value : -1;
  return true;
}

/* Skips one value; `scratch` is room for decoding the strings in it. */
static bool json_skip(Json *j, char *scratch, int depth) {
  json_ws(j);
  if (j->p == j->end) return false;
  size_t len;
  int32_t count;
  switch (*j->p) {
    case '"': return json_string(j, scratch, &len);
    case 't': return json_take(j, "true");
    case 'f': return json_take(j, "false");
    case 'n': return json_take(j, "null");
    case '{':
    case '[': {
      if (depth == MAX_JSON_DEPTH) return false;
      bool object = *j->p++ == '{';
      const char *close = object ? "}" : "]";
      json_ws(j);
      if (json_take(j, close)) return true;
      for (;;) {
        if (object) {
          json_ws(j);
          if (!json_string(j, scratch, &len)) return false;
          json_ws(j);
          if (!json_take(j, ":")) return false;
        }
        if (!json_skip(j, scratch, depth + 1)) return false;
        json_ws(j);
        if (json_take(j, ",")) continue;
        return json_take(j, close);
      }
    }
    default: return json_number(j, &count);
  }
}

static bool add_stop(Limits *lim, const char *text, size_t len) {
  if (len == 0) return true;
  Span *grown = realloc(lim->stops, (lim->stop_count + 1) * sizeof *grown);
  if (!grown) return false;
  lim->stops = grown;
  lim->stops[lim->stop_count++] = (Span){text, len};
  return true;
}

/* The value of "stop": a string, or an array whose strings count (other elements are skipped).
 * The stop strings are decoded into `arena` at `*used`. */
static bool read_stop(Json *j, Limits *lim, char *arena, size_t *used) {
  lim->stop_count = 0;
  size_t len;
  json_ws(j);
  if (json_peek(j, '"')) {
    if (!json_string(j, arena + *used, &len) || !add_stop(lim, arena + *used, len)) return false;
    *used += len;
    return true;
  }
  if (!json_take(j, "[")) return json_skip(j, arena + *used, 1);
  json_ws(j);
  if (json_take(j, "]")) return true;
  for (;;) {
    json_ws(j);
    if (json_peek(j, '"')) {
      if (!json_string(j, arena + *used, &len) || !add_stop(lim, arena + *used, len)) return false;
      *used += len;
    } else if (!json_skip(j, arena + *used, 2)) {
      return false;
    }
    json_ws(j);
    if (json_take(j, ",")) continue;
    return json_take(j, "]");
  }
}

static bool read_fields(Json *j, Limits *lim, char *arena) {
  size_t used = 0; /* arena bytes holding stop strings; the rest is scratch */
  json_ws(j);
  if (!json_take(j, "{")) return false;
  json_ws(j);
  if (!json_take(j, "}")) {
    for (;;) {
      size_t key_len;
      json_ws(j);
      if (!json_string(j, arena + used, &key_len)) return false;
      const char *key = arena + used;
      json_ws(j);
      if (!json_take(j, ":")) return false;
      json_ws(j);
      if (key_len == 10 && memcmp(key, "max_tokens", 10) == 0) {
        lim->max_tokens = -1;
        bool number = json_peek(j, '-') || (j->p < j->end && isdigit((unsigned char)*j->p));
        if (!(number ? json_number(j, &lim->max_tokens) : json_skip(j, arena + used, 1))) return false;
      } else if (key_len == 4 && memcmp(key, "stop", 4) == 0) {
        if (!read_stop(j, lim, arena, &used)) return false;
      } else if (!json_skip(j, arena + used, 1)) {
        return false;
      }
      json_ws(j);
      if (json_take(j, ",")) continue;
      if (json_take(j, "}")) break;
      return false;
    }
  }
  json_ws(j);
  return j->p == j->end;
}

/* The limits the request document asks for; none when it is empty or malformed. The stop
 * strings point into a buffer allocated here. */
static Limits read_limits(const char *doc, size_t len) {
  Limits lim = {-1, NULL, 0};
  char *arena = malloc(len + 1);
  Json j = {doc, doc + len};
  if (!arena || !read_fields(&j, &lim, arena)) {
    free(lim.stops);
    free(arena);
    return (Limits){-1, NULL, 0};
  }
  return lim;
}

/* ---- the prompt ---------------------------------------------------------------------------- */

static const char *const kRoles[] = {"system", "developer", "user", "assistant", "tool", "function"};

/* The role whose message starts at `line` ("ROLE:"), or NULL. */
static const char *role_at(const char *line, const char *end) {
  for (size_t i = 0; i < sizeof kRoles / sizeof kRoles[0]; i++) {
    size_t n = strlen(kRoles[i]);
    if ((size_t)(end - line) > n && memcmp(line, kRoles[i], n) == 0 && line[n] == ':') return kRoles[i];
  }
  return NULL;
}

/* The part of the input to echo: all of it, or for a chat transcript the content of the last
 * message not from the assistant (empty when there is none). */
static Span echo_span(const char *in, size_t len) {
  size_t end = len;
  while (end > 0 && isspace((unsigned char)in[end - 1])) end--;
  size_t last = end; /* start of the last line */
  while (last > 0 && in[last - 1] != '\n') last--;
  static const char kPrompt[] = "assistant:";
  if (end - last != sizeof kPrompt - 1 || memcmp(in + last, kPrompt, end - last) != 0) return (Span){in, len};

  const char *content_end = in + last;
  const char *line = in + last;
  while (line > in) {
    line--; /* onto the newline ending the line before */
    while (line > in && line[-1] != '\n') line--;
    const char *role = role_at(line, content_end);
    if (!role) continue;
    if (strcmp(role, "assistant") != 0) {
      const char *content = line + strlen(role) + 1;
      return (Span){content, (size_t)(content_end - content)};
    }
    content_end = line;
  }
  return (Span){in, 0};
}

static size_t count_words(const char *p, size_t len) {
  size_t words = 0;
  for (size_t i = 0; i < len; i++)
    if (!isspace((unsigned char)p[i]) && (i == 0 || isspace((unsigned char)p[i - 1]))) words++;
  return words;
}

/* ---- output ---------------------------------------------------------------------------------- */

static char *read_all(int32_t (*size_fn)(void), int32_t (*read_fn)(void *, int32_t), size_t *len) {
  int32_t total = size_fn();
  if (total < 0) return NULL;
  char *buf = malloc((size_t)total + 1);
  if (!buf) return NULL;
  int32_t got = 0;
  while (got < total) {
    int32_t n = read_fn(buf + got, total - got);
    if (n <= 0) break;
    got += n;
  }
  if (got != total) {
    free(buf);
    return NULL;
  }
  *len = (size_t)total;
  return buf;
}

/* Sends `n` bytes as one chunk (several when over the cap), or writes them to stdout when the
 * invocation does not stream. Returns 0, or emit-chunk's error code. */
static int32_t emit_text(const char *p, size_t n) {
  while (n > 0) {
    size_t piece = n < MAX_CHUNK ? n : MAX_CHUNK;
    int32_t rc = tensor_emit_chunk(p, (int32_t)piece);
    if (rc == -1) {
      fwrite(p, 1, n, stdout);
      return 0;
    }
    if (rc != 0) return rc;
    p += piece;
    n -= piece;
  }
  return 0;
}

int main(void) {
  size_t input_len, request_len;
  char *input = read_all(tensor_input_len, tensor_read_input, &input_len);
  char *request = read_all(tensor_request_len, tensor_read_request, &request_len);
  if (!input || !request) {
    fprintf(stderr, "openai_echo: cannot read the input or the request\n");
    return 1;
  }
  Limits lim = read_limits(request, request_len);
  Span prompt = echo_span(input, input_len);

  /* The answer, and where each word of it ends. */
  size_t words = count_words(prompt.text, prompt.len);
  if (lim.max_tokens >= 0 && words > (size_t)lim.max_tokens) words = (size_t)lim.max_tokens;
  char *answer = malloc(prompt.len + 1);
  size_t *word_end = malloc((words + 1) * sizeof *word_end);
  if (!answer || !word_end) return 1;
  size_t len = 0, w = 0;
  for (size_t i = 0; i < prompt.len && w < words; i++) {
    if (isspace((unsigned char)prompt.text[i])) continue;
    if (w > 0) answer[len++] = ' ';
    while (i < prompt.len && !isspace((unsigned char)prompt.text[i])) answer[len++] = prompt.text[i++];
    word_end[w++] = len;
  }

  size_t cut = len;
  for (size_t s = 0; s < lim.stop_count; s++) {
    const char *at = memmem(answer, len, lim.stops[s].text, lim.stops[s].len);
    if (at && (size_t)(at - answer) < cut) cut = (size_t)(at - answer);
  }

  size_t sent = 0;
  for (size_t i = 0; i < words && sent < cut; i++) {
    size_t to = word_end[i] < cut ? word_end[i] : cut;
    int32_t rc = emit_text(answer + sent, to - sent);
    if (rc == -3) break; /* the client left: the answer ends with what it got */
    if (rc != 0) {
      fprintf(stderr, "openai_echo: emit-chunk returned %d\n", rc);
      return 1;
    }
    sent = to;
  }
  fflush(stdout);
  tensor_flush();
  tensor_set_usage((int32_t)count_words(input, input_len), (int32_t)count_words(answer, sent));
  return 0;
}
