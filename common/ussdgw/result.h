// Result type for codecs: a value or an error naming what was wrong and where.
// C++20 has no std::expected; this is the small subset the codecs need.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <variant>

namespace ussdgw {

using Bytes = std::span<const std::uint8_t>;

// A decoding error. `what` is a static string (no allocation on the error
// path); `at` points at the offending octet inside the buffer being decoded,
// so the outermost caller can turn it into a byte offset with offset_in().
struct Error {
  const char* what = "";
  const std::uint8_t* at = nullptr;

  // Byte offset of the error inside `whole`, or whole.size() when the error
  // points elsewhere (e.g. into a reassembly buffer).
  [[nodiscard]] std::size_t offset_in(Bytes whole) const {
    if (at >= whole.data() && at <= whole.data() + whole.size())
      return static_cast<std::size_t>(at - whole.data());
    return whole.size();
  }
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T v) : v_(std::in_place_index<0>, std::move(v)) {}  // NOLINT: implicit by design
  Result(Error e) : v_(std::in_place_index<1>, e) {}         // NOLINT
  [[nodiscard]] bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() & { return std::get<0>(v_); }
  const T& operator*() const& { return std::get<0>(v_); }
  [[nodiscard]] const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

struct Ok {};
using Status = Result<Ok>;

// Propagate an error from a Result-returning expression.
#define USSDGW_TRY(var, expr)              \
  auto var##_r_ = (expr);                  \
  if (!var##_r_.ok()) return var##_r_.error(); \
  auto& var = var##_r_.value()

#define USSDGW_CHECK(expr)                 \
  do {                                     \
    auto r_ = (expr);                      \
    if (!r_.ok()) return r_.error();       \
  } while (0)

std::string to_hex(Bytes b);
// Parses hex text, ignoring spaces and colons. Returns false on bad input.
bool from_hex(std::string_view text, std::basic_string<std::uint8_t>& out);

}  // namespace ussdgw
