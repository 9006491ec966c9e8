// Host functions with C++ signatures. `defineTypedFunction(linker, "env", "add", f)` with
//   f: R(HostCall&, Args...) or Result<R>(HostCall&, Args...)   (R void or one value)
// where each type is int32_t/uint32_t (i32), int64_t/uint64_t (i64), float (f32) or double
// (f64), derives the Wasm type from the signature and gives the function both entries: the
// boxed HostFunction every caller understands, and a DirectHost that reads the arguments
// straight from the caller's slots, so generated code calls it without building Values.
#pragma once

#include <memory>
#include <tuple>
#include <type_traits>
#include <utility>

#include "tensorwasm/runtime/instance.h"

namespace tw {
namespace typed_host {

template <typename T>
constexpr ValType valType() {
  if constexpr (std::is_same_v<T, int32_t> || std::is_same_v<T, uint32_t>) return ValType::I32;
  else if constexpr (std::is_same_v<T, int64_t> || std::is_same_v<T, uint64_t>) return ValType::I64;
  else if constexpr (std::is_same_v<T, float>) return ValType::F32;
  else {
    static_assert(std::is_same_v<T, double>, "host function types: int32_t, uint32_t, int64_t, uint64_t, float, double");
    return ValType::F64;
  }
}

template <typename T>
T read(const UntypedValue& v) {
  if constexpr (valType<T>() == ValType::I32) return static_cast<T>(v.i32);
  else if constexpr (valType<T>() == ValType::I64) return static_cast<T>(v.i64);
  else if constexpr (valType<T>() == ValType::F32) return v.f32;
  else return v.f64;
}

template <typename T>
void write(UntypedValue& v, T x) {
  if constexpr (valType<T>() == ValType::I32) v.i32 = static_cast<uint32_t>(x);
  else if constexpr (valType<T>() == ValType::I64) v.i64 = static_cast<uint64_t>(x);
  else if constexpr (valType<T>() == ValType::F32) v.f32 = x;
  else v.f64 = x;
}

template <typename T>
struct Unwrapped {
  using type = T;
};
template <typename T>
struct Unwrapped<Result<T>> {
  using type = T;
};

template <typename F, typename... Args>
struct Adapter {
  using Returned = std::invoke_result_t<const F&, HostCall&, Args...>;
  using R = typename Unwrapped<Returned>::type;
  static constexpr bool kFallible = !std::is_same_v<Returned, R>;

  // Calls f with the arguments in slots[0..] and stores its result in slots[0].
  template <size_t... I>
  static bool call(const F& f, HostCall& hc, UntypedValue* slots, Error* error, std::index_sequence<I...>) {
    if constexpr (kFallible) {
      Returned r = f(hc, read<Args>(slots[I])...);
      if (!r.ok()) {
        *error = r.takeError();
        return false;
      }
      if constexpr (!std::is_void_v<R>) write<R>(slots[0], std::move(r).value());
    } else if constexpr (std::is_void_v<R>) {
      f(hc, read<Args>(slots[I])...);
    } else {
      write<R>(slots[0], f(hc, read<Args>(slots[I])...));
    }
    return true;
  }

  static bool direct(const void* target, HostCall& hc, UntypedValue* slots, Error* error) {
    return call(*static_cast<const F*>(target), hc, slots, error, std::index_sequence_for<Args...>{});
  }

  static FuncType type() {
    FuncType t;
    t.params = {valType<Args>()...};
    if constexpr (!std::is_void_v<R>) t.results = {valType<R>()};
    return t;
  }
};

template <typename F, typename... Args>
void define(Linker& linker, std::string module, std::string name, F f, void (*)(HostCall&, Args...)) {
  using A = Adapter<F, Args...>;
  auto target = std::make_shared<const F>(std::move(f));
  HostFunction boxed = [target](HostCall& hc, std::span<const Value> args, std::span<Value> results) -> Result<void> {
    UntypedValue slots[std::max<size_t>(sizeof...(Args), 1)];
    for (size_t i = 0; i < args.size(); ++i) slots[i] = args[i].v;
    Error error;
    if (!A::direct(target.get(), hc, slots, &error)) return error;
    if (!results.empty()) results[0].v = slots[0];
    return {};
  };
  linker.defineFunction(std::move(module), std::move(name), A::type(), std::move(boxed),
                        DirectHost{&A::direct, target});
}

// The argument types of F's call operator, as a function pointer type to deduce from.
template <typename M>
struct Signature;
template <typename C, typename R, typename... Args>
struct Signature<R (C::*)(HostCall&, Args...) const> {
  using type = void (*)(HostCall&, Args...);
};
template <typename R, typename... Args>
struct Signature<R (*)(HostCall&, Args...)> {
  using type = void (*)(HostCall&, Args...);
};

}  // namespace typed_host

// F: a lambda, function object (one non-template call operator) or function pointer.
template <typename F>
void defineTypedFunction(Linker& linker, std::string module, std::string name, F f) {
  using Sig = typename typed_host::Signature<std::conditional_t<std::is_pointer_v<F>, F, decltype(&F::operator())>>::type;
  typed_host::define(linker, std::move(module), std::move(name), std::move(f), Sig{});
}

}  // namespace tw
