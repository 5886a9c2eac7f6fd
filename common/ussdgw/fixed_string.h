// Fixed-capacity strings and vectors: decoded values live on the stack so a
// decode needs no heap allocation (docs/performance.md).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ussdgw {

template <std::size_t N>
class FixedString {
 public:
  FixedString() = default;
  explicit FixedString(std::string_view s) { assign(s); }
  // Copies only the used part: these strings are large and mostly short.
  FixedString(const FixedString& o) : len_(o.len_) { copy_from(o); }
  FixedString& operator=(const FixedString& o) {
    if (this != &o) {
      len_ = o.len_;
      copy_from(o);
    }
    return *this;
  }
  // Returns false (and truncates) when s does not fit.
  bool assign(std::string_view s) {
    len_ = 0;
    return append(s);
  }
  bool append(std::string_view s) {
    bool fits = s.size() <= N - len_;
    std::size_t n = fits ? s.size() : N - len_;
    for (std::size_t i = 0; i < n; ++i) buf_[len_ + i] = s[i];
    len_ += n;
    return fits;
  }
  bool push_back(char c) {
    if (len_ >= N) return false;
    buf_[len_++] = c;
    return true;
  }
  void pop_back() { if (len_) --len_; }
  void clear() { len_ = 0; }
  [[nodiscard]] std::size_t size() const { return len_; }
  [[nodiscard]] bool empty() const { return len_ == 0; }
  static constexpr std::size_t capacity() { return N; }
  [[nodiscard]] std::string_view view() const { return {buf_.data(), len_}; }
  [[nodiscard]] std::string str() const { return std::string(view()); }
  char operator[](std::size_t i) const { return buf_[i]; }
  char& back() { return buf_[len_ - 1]; }
  friend bool operator==(const FixedString& a, const FixedString& b) { return a.view() == b.view(); }
  friend bool operator==(const FixedString& a, std::string_view b) { return a.view() == b; }

 private:
  void copy_from(const FixedString& o) {
    for (std::size_t i = 0; i < len_; ++i) buf_[i] = o.buf_[i];
  }
  // Deliberately not zero-filled: only [0, len_) is ever read, and filling
  // N octets on every construction was most of the cost of a decode.
  std::array<char, N> buf_;
  std::size_t len_ = 0;
};

template <class T, std::size_t N>
class FixedVector {
 public:
  bool push_back(const T& v) {
    if (len_ >= N) return false;
    items_[len_++] = v;
    return true;
  }
  [[nodiscard]] std::size_t size() const { return len_; }
  [[nodiscard]] bool empty() const { return len_ == 0; }
  static constexpr std::size_t capacity() { return N; }
  void clear() { len_ = 0; }
  T& operator[](std::size_t i) { return items_[i]; }
  const T& operator[](std::size_t i) const { return items_[i]; }
  T* begin() { return items_.data(); }
  T* end() { return items_.data() + len_; }
  const T* begin() const { return items_.data(); }
  const T* end() const { return items_.data() + len_; }
  T& back() { return items_[len_ - 1]; }

 private:
  std::array<T, N> items_;  // only [0, len_) is ever read
  std::size_t len_ = 0;
};

}  // namespace ussdgw
