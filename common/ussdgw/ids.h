// The identifiers of the project, one type each (STYLE.md §4): a session id
// is never mistaken for a customer id, a point code never for an SSN.
//
// One dialogue has exactly two identities on the SS7 side and one above it:
//  * LocalTid: the TCAP transaction id this gateway allocates (the otid it
//    sends, the dtid the peer sends back; Q.774 §3.2.1.1);
//  * the peer's TransactionId (its otid, as received on the wire);
//  * SessionId: the number of the session record (USSD session, SMS), which
//    the store allocates and which goes into idempotency keys and logs.
#pragma once

#include <algorithm>
#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "ussdgw/tbcd.h"

namespace ussdgw {

// config customers[].id: short printable ASCII, unique per gateway.
struct CustomerId {
  std::string value;
  friend auto operator<=>(const CustomerId&, const CustomerId&) = default;
};

// Number of a stored session, allocated by the store, increasing, never
// reused. Printed with the configured prefix (e.g. "gw1-42").
struct SessionId {
  std::int64_t value = 0;
  friend auto operator<=>(const SessionId&, const SessionId&) = default;
};

// A signalling point code: 14 bits ITU (Q.704 §2.2.2), 24 bits ANSI; M3UA
// carries either in 32 bits (RFC 4666 §3.3.1).
struct PointCode {
  std::uint32_t value = 0;
  static constexpr std::uint32_t kItuMax = 0x3FFF;
  friend constexpr auto operator<=>(PointCode, PointCode) = default;
};

// Subsystem number (Q.713 §3.4.2.2; 6 HLR, 7 VLR, 8 MSC, 147 gsmSCF per
// TS 23.003 §8.1).
struct Ssn {
  std::uint8_t value = 0;
  friend constexpr auto operator<=>(Ssn, Ssn) = default;
};

// OrigTransactionID / DestTransactionID: OCTET STRING SIZE (1..4)
// (Q.773 §4.2.1). Real traffic uses 4 octets; 3-octet ids exist (XUDT from
// an operator, vector S13 #2), so the octet count is kept and re-encoded as
// received.
class TransactionId {
 public:
  constexpr TransactionId() = default;
  // nullopt when the size is not 1..4 octets.
  static std::optional<TransactionId> from_bytes(std::span<const std::uint8_t> b) {
    if (b.empty() || b.size() > 4) return std::nullopt;
    TransactionId t;
    std::copy(b.begin(), b.end(), t.octets_.begin());
    t.size_ = b.size();
    return t;
  }
  // Big-endian value in `size` octets (1..4; other sizes are clamped to 4).
  static TransactionId from_u32(std::uint32_t v, std::size_t size = 4) {
    if (size < 1 || size > 4) size = 4;
    TransactionId t;
    for (std::size_t i = 0; i < size; ++i) t.octets_[i] = static_cast<std::uint8_t>(v >> (8 * (size - 1 - i)));
    t.size_ = size;
    return t;
  }

  [[nodiscard]] std::span<const std::uint8_t> bytes() const { return {octets_.data(), size_}; }
  [[nodiscard]] std::size_t size() const { return size_; }
  // Big-endian value of the octets (a 3-octet id 03b5d7 gives 0x03b5d7).
  [[nodiscard]] std::uint32_t value() const {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < size_; ++i) v = (v << 8) | octets_[i];
    return v;
  }

  friend bool operator==(const TransactionId& a, const TransactionId& b) {
    return a.size_ == b.size_ && std::equal(a.octets_.begin(), a.octets_.begin() + static_cast<std::ptrdiff_t>(a.size_),
                                            b.octets_.begin());
  }

 private:
  std::array<std::uint8_t, 4> octets_{};
  std::size_t size_ = 0;
};

// Our own TCAP transaction id, always sent as 4 octets. Its layout leaves
// room for several gateway instances behind one service address (a message
// for an unknown dialogue can then be forwarded to the instance that owns
// it): bits 31..28 instance number, the rest is the dialogue layer's slot and
// generation (gateway/tcap/transaction_table.h).
struct LocalTid {
  std::uint32_t value = 0;
  static constexpr unsigned kInstanceBits = 4;
  static constexpr unsigned kInstanceShift = 32 - kInstanceBits;
  [[nodiscard]] constexpr std::uint8_t instance() const { return static_cast<std::uint8_t>(value >> kInstanceShift); }
  [[nodiscard]] TransactionId wire() const { return TransactionId::from_u32(value, 4); }
  friend constexpr auto operator<=>(LocalTid, LocalTid) = default;
};

// TCAP InvokeIdType ::= INTEGER (-128..127) (Q.773 §4.2.2.1).
struct InvokeId {
  std::int8_t value = 0;
  friend constexpr auto operator<=>(InvokeId, InvokeId) = default;
};

// ICCID (ITU-T E.118): 18-20 digits, the last a Luhn check digit.
struct Iccid {
  Digits digits;
  friend bool operator==(const Iccid&, const Iccid&) = default;
};

// Imsi and Msisdn are declared with the TBCD coding they travel in
// (ussdgw/tbcd.h).

}  // namespace ussdgw

namespace ussdgw {

// Point code text in the 3-8-3 "zone.area.id" form osmo-stp prints (ITU
// Q.708 international format, e.g. "0.0.1" == 1), or a plain decimal
// number. nullopt when malformed or wider than 14 bits (ITU).
[[nodiscard]] inline std::optional<PointCode> parse_point_code(std::string_view text) {
  auto num = [](std::string_view s) -> std::optional<std::uint32_t> {
    if (s.empty() || s.size() > 9) return std::nullopt;
    std::uint32_t v = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + static_cast<std::uint32_t>(c - '0');
    }
    return v;
  };
  auto d1 = text.find('.');
  if (d1 == std::string_view::npos) {
    auto v = num(text);
    if (!v || *v > PointCode::kItuMax) return std::nullopt;
    return PointCode{*v};
  }
  auto d2 = text.find('.', d1 + 1);
  if (d2 == std::string_view::npos) return std::nullopt;
  auto z = num(text.substr(0, d1));
  auto a = num(text.substr(d1 + 1, d2 - d1 - 1));
  auto i = num(text.substr(d2 + 1));
  if (!z || !a || !i || *z > 7 || *a > 255 || *i > 7) return std::nullopt;
  return PointCode{(*z << 11) | (*a << 3) | *i};
}

// "z.a.i" (3-8-3) of a 14-bit ITU point code.
[[nodiscard]] inline std::string to_string(PointCode pc) {
  return std::to_string((pc.value >> 11) & 7) + "." + std::to_string((pc.value >> 3) & 0xff) + "." +
         std::to_string(pc.value & 7);
}

[[nodiscard]] constexpr bool is_itu(PointCode pc) { return pc.value <= PointCode::kItuMax; }

}  // namespace ussdgw
