// Result<T>: a value or a typed Error, the one error model used across every layer.
// No exceptions cross a layer boundary; callers must look at the result ([[nodiscard]]).
// Thread-safety: plain value types.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace tw {

// What stage refused the input. Names match the spec test suite's assertion kinds.
enum class ErrorKind : uint8_t {
  Malformed,      // bytes are not a well-formed binary module
  Invalid,        // well-formed but fails validation
  Unsupported,    // uses a proposal this engine refuses (message names the feature)
  Link,           // an import could not be resolved or has the wrong type
  Instantiate,    // failed during instantiation (segment out of bounds, start trapped)
  Trap,           // a guest trapped during a call
  Exit,           // a WASI guest called proc_exit (code in `code`)
  Limit,          // a configured resource limit was hit
  Io,             // host I/O failed
  Usage,          // bad arguments from a user
  Gpu,            // the GPU layer refused or failed (GpuErrc in `code`)
  Storage,        // the artifact store refused or failed (StorageErrc in `code`)
};

const char* errorKindName(ErrorKind kind);

struct Error {
  ErrorKind kind = ErrorKind::Invalid;
  std::string message;
  std::optional<size_t> offset;  // byte offset in the module, when known
  int32_t code = 0;              // trap kind or exit code, depending on `kind`
  std::vector<std::string> backtrace;  // for traps: innermost function first

  // "message" or "message (at byte 0x1f)".
  std::string describe() const;
};

inline Error makeError(ErrorKind kind, std::string message,
                       std::optional<size_t> offset = std::nullopt) {
  return Error{kind, std::move(message), offset, 0, {}};
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const T& value() const& { return std::get<0>(v_); }
  T* operator->() { return &value(); }
  T& operator*() { return value(); }
  const Error& error() const { return std::get<1>(v_); }
  Error takeError() { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : e_(std::move(error)) {}
  bool ok() const { return !e_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *e_; }
  Error takeError() { return std::move(*e_); }

 private:
  std::optional<Error> e_;
};

}  // namespace tw

// Propagates an error from an expression returning Result<...>.
#define TW_TRY(expr)                                    \
  do {                                                  \
    auto tw_try_result_ = (expr);                       \
    if (!tw_try_result_.ok()) return tw_try_result_.takeError(); \
  } while (0)

#define TW_CONCAT_INNER(a, b) a##b
#define TW_CONCAT(a, b) TW_CONCAT_INNER(a, b)
// Declares `decl` from the value of a Result, or returns its error.
#define TW_ASSIGN(decl, expr) TW_ASSIGN_IMPL(TW_CONCAT(tw_assign_, __LINE__), decl, expr)
#define TW_ASSIGN_IMPL(tmp, decl, expr)        \
  auto tmp = (expr);                           \
  if (!tmp.ok()) return tmp.takeError();       \
  decl = std::move(tmp).value()
