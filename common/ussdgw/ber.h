// BER (ITU-T X.690) reader and canonical writer.
//
// The reader accepts definite and indefinite lengths (X.690 §8.1.3), long-form
// tags (§8.1.2.4) and long-form lengths, and checks every bound: a TLV never
// reaches past its parent, and nesting deeper than kMaxDepth is refused so a
// hostile message cannot exhaust the stack. The writer emits the DER subset
// TCAP and MAP peers expect: definite, minimal lengths (X.690 §10.1).
//
// Values are views into the caller's buffer: decoding allocates nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "ussdgw/fixed_string.h"
#include "ussdgw/result.h"

namespace ussdgw::ber {

inline constexpr int kMaxDepth = 24;

enum class Class : std::uint8_t { Universal = 0, Application = 1, Context = 2, Private = 3 };

struct Tag {
  Class cls = Class::Universal;
  bool constructed = false;
  std::uint32_t number = 0;

  friend constexpr bool operator==(const Tag&, const Tag&) = default;
};

constexpr Tag universal(std::uint32_t n, bool constructed = false) { return {Class::Universal, constructed, n}; }
constexpr Tag context(std::uint32_t n, bool constructed = false) { return {Class::Context, constructed, n}; }
constexpr Tag application(std::uint32_t n, bool constructed = false) { return {Class::Application, constructed, n}; }

// Universal tags used by TCAP/MAP (X.680 §8.4).
inline constexpr Tag kBoolean = universal(1);
inline constexpr Tag kInteger = universal(2);
inline constexpr Tag kOctetString = universal(4);
inline constexpr Tag kNull = universal(5);
inline constexpr Tag kOid = universal(6);
inline constexpr Tag kExternal = universal(8, true);
inline constexpr Tag kEnumerated = universal(10);
inline constexpr Tag kSequence = universal(16, true);
inline constexpr Tag kSet = universal(17, true);

struct Tlv {
  Tag tag;
  Bytes value;        // contents octets (without the end-of-contents for indefinite form)
  Bytes whole;        // identifier + length + contents (+ end-of-contents)
  bool indefinite = false;
};

// Reads consecutive TLVs from a span.
class Reader {
 public:
  explicit Reader(Bytes data, int depth = 0) : data_(data), depth_(depth) {}
  // A reader over the contents of a constructed TLV, one nesting level deeper.
  [[nodiscard]] Result<Reader> enter(const Tlv& t) const;

  [[nodiscard]] bool at_end() const { return pos_ >= data_.size(); }
  [[nodiscard]] const std::uint8_t* here() const { return data_.data() + pos_; }
  [[nodiscard]] int depth() const { return depth_; }

  Result<Tlv> next();
  // Looks at the next TLV without consuming it.
  Result<Tlv> peek() const;
  // The next TLV must carry `tag`; `what` names the element in the error.
  Result<Tlv> expect(Tag tag, const char* what);
  // Consumes the next TLV only if it carries `tag`.
  Result<std::optional<Tlv>> optional(Tag tag);
  // Skips everything that is left (unknown extension elements, X.680 §52).
  Status skip_rest();

 private:
  Bytes data_;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

// Parses one TLV at the start of `data` (which may hold more after it).
Result<Tlv> parse_tlv(Bytes data, int depth = 0);
// Parses exactly one TLV covering all of `data`.
Result<Tlv> parse_single(Bytes data, int depth = 0);

// Primitive value decoders (X.690 §8.2 - §8.8, §8.19).
Result<std::int64_t> to_integer(const Tlv& t);
Result<bool> to_boolean(const Tlv& t);
Status to_null(const Tlv& t);

using OidString = FixedString<96>;
// Dotted form of an OBJECT IDENTIFIER value (e.g. "0.4.0.0.1.0.19.2").
Result<OidString> oid_to_string(Bytes value);
// BER contents of a dotted OID; false when the text is not an OID.
bool oid_from_string(std::string_view dotted, FixedVector<std::uint8_t, 32>& out);

// Canonical (DER-length) writer into a caller-provided buffer. Constructed
// elements are opened and closed; close() writes the minimal length and
// shifts the contents when the length needs more than one octet.
class Writer {
 public:
  explicit Writer(std::span<std::uint8_t> buf) : buf_(buf) {}

  struct Mark {
    std::size_t length_at;
  };
  Mark open(Tag tag);
  void close(Mark m);

  void put(Tag tag, Bytes content);
  void put_integer(Tag tag, std::int64_t v);
  void put_boolean(Tag tag, bool v);
  void put_null(Tag tag);
  void put_raw(Bytes bytes);  // already-encoded TLVs

  [[nodiscard]] bool ok() const { return !overflow_; }
  [[nodiscard]] std::size_t size() const { return len_; }
  [[nodiscard]] Bytes bytes() const { return {buf_.data(), len_}; }

 private:
  void put_tag(Tag tag);
  void put_length(std::size_t n);
  bool room(std::size_t n);

  std::span<std::uint8_t> buf_;
  std::size_t len_ = 0;
  bool overflow_ = false;
};

// Minimal two's-complement contents for an INTEGER; returns the octet count.
std::size_t integer_contents(std::int64_t v, std::uint8_t out[8]);

}  // namespace ussdgw::ber
