// Result type for codecs: a value or an error naming what was wrong and where
// (the codec's instance of the one Expected, ussdgw/expected.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <variant>

#include "ussdgw/expected.h"

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

// A codec result: the value, or an Error naming the octet.
template <class T>
using Result = Expected<T, Error>;

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
