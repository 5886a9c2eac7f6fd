// The one fallible return of the project: a value or an error.
//
// Error policy (docs/architecture.md, "Errors"):
//  * Everything a peer, a customer, an operator's file or a user can cause is
//    returned as an Expected<T, E> (codecs: Result<T> = Expected<T, Error>,
//    with the offending octet; configuration: the key and line; network and
//    relay: a failure kind and a reason). Such errors never throw.
//  * Exceptions only at start-up (a resource that cannot be had: a database
//    file that cannot be opened, a thread that cannot be started) and from
//    third-party libraries at their boundary, where they are caught and
//    turned into an Expected.
//  * Programming errors (a broken invariant) assert or abort.
// C++20 has no std::expected; this is the subset the project uses, with
// implicit construction from either side so `return value;` and
// `return error;` both read naturally.
#pragma once

#include <type_traits>
#include <utility>
#include <variant>

namespace ussdgw {

template <class T, class E>
class [[nodiscard]] Expected {
  static_assert(!std::is_same_v<std::remove_cv_t<T>, std::remove_cv_t<E>>,
                "Expected<T, E> needs distinct value and error types");

 public:
  using value_type = T;
  using error_type = E;

  Expected(T v) : v_(std::in_place_index<0>, std::move(v)) {}  // NOLINT: implicit by design
  Expected(E e) : v_(std::in_place_index<1>, std::move(e)) {}  // NOLINT: implicit by design

  [[nodiscard]] bool ok() const { return v_.index() == 0; }
  [[nodiscard]] bool has_value() const { return ok(); }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() & { return std::get<0>(v_); }
  const T& operator*() const& { return std::get<0>(v_); }
  T&& operator*() && { return std::get<0>(std::move(v_)); }
  template <class U>
  T value_or(U&& fallback) const& {
    return ok() ? std::get<0>(v_) : static_cast<T>(std::forward<U>(fallback));
  }

  E& error() & { return std::get<1>(v_); }
  [[nodiscard]] const E& error() const& { return std::get<1>(v_); }
  E&& error() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, E> v_;
};

// The value of an Expected that has nothing to return but success.
struct Ok {
  friend bool operator==(Ok, Ok) = default;
};

}  // namespace ussdgw
