// SCCP connectionless messages (ITU-T Q.713 White Book 03/2001, ITU 14-bit
// point codes): UDT, UDTS, XUDT, XUDTS, LUDT, LUDTS; the called/calling party
// address (§3.4); segmentation for sending (Q.714 §4.1.1.2) and reassembly
// (Q.714 §4.1.1.3).
//
// Decoding never allocates: the user data of a decoded message is a span into
// the input and addresses hold their digits in FixedString/FixedVector, so a
// Message is only valid while the input buffer lives. Only the Reassembler
// owns bytes (it has to outlive the segments it collects).
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "ussdgw/fixed_string.h"
#include "ussdgw/ids.h"
#include "ussdgw/result.h"

namespace ussdgw::sccp {

// ---------------------------------------------------------------------------
// Strong value types
// ---------------------------------------------------------------------------

// Signalling point code: the project's one type (ussdgw/ids.h); SCCP
// addresses carry ITU codes of 14 bits (Q.713 §3.4.2.1; Q.704 §2.2.2),
// checked against PointCode::kItuMax when encoding.
using ussdgw::PointCode;

// Subsystem number (Q.713 §3.4.2.2; ussdgw/ids.h). 0 = unknown/not used;
// values 6 HLR, 7 VLR, 8 MSC, 147 gsmSCF are assigned by 3GPP TS 23.003 §8.
using ussdgw::Ssn;

// Hop counter (Q.713 §3.18): 1..15 on origination, decremented per relay.
// Kept raw: a relay decides what to do with 0, the codec does not.
struct HopCounter {
  std::uint8_t value = 15;
  friend bool operator==(const HopCounter&, const HopCounter&) = default;
};

// Segmentation local reference (Q.713 §3.17): 3 opaque octets. Read least
// significant octet first, as SCCP codes multi-octet values and as tshark
// displays it (`00 00 02` is 0x020000).
struct LocalReference {
  std::uint32_t value = 0;  // only the low 24 bits are used
  friend bool operator==(const LocalReference&, const LocalReference&) = default;
};

// ---------------------------------------------------------------------------
// Address (Q.713 §3.4)
// ---------------------------------------------------------------------------

// Routing indicator, bit 7 of the address indicator (Q.713 §3.4.1).
enum class RoutingIndicator : std::uint8_t { OnGlobalTitle = 0, OnSsn = 1 };

// Global title indicator values (Q.713 §3.4.1, bits 3-6). 5..15 are spare or
// national and are carried as opaque octets.
enum class Gti : std::uint8_t {
  None = 0,
  NaiOnly = 1,          // NAI + odd/even
  TtOnly = 2,           // translation type only
  TtNpEs = 3,           // TT + numbering plan + encoding scheme
  TtNpEsNai = 4,        // TT + NP/ES + NAI (the usual one in MAP networks)
};

// Encoding scheme (Q.713 §3.4.2.3.3).
inline constexpr std::uint8_t kEsUnknown = 0;
inline constexpr std::uint8_t kEsBcdOdd = 1;
inline constexpr std::uint8_t kEsBcdEven = 2;
// Numbering plan E.164 (Q.713 §3.4.2.3.3) and NAI international (§3.4.2.3.1).
inline constexpr std::uint8_t kNpE164 = 1;
inline constexpr std::uint8_t kNaiInternational = 4;

// Digits of a global title: BCD nibbles, low nibble first (Q.713 §3.4.2.3.1).
// Nibbles 0-9 become '0'-'9' and 10-15 become 'a'-'f', so every nibble value
// survives a decode/encode round trip.
using GtDigits = FixedString<64>;
// Address information that is not BCD (encoding scheme 0, 3..15, or GTI 5..15).
using GtOpaque = FixedVector<std::uint8_t, 32>;

struct GlobalTitle {
  std::uint8_t tt = 0;                  // translation type (GTI 2, 3, 4)
  std::uint8_t np = kNpE164;            // numbering plan, 4 bits (GTI 3, 4)
  std::uint8_t es = kEsBcdOdd;          // encoding scheme, 4 bits (GTI 3, 4); BCD odd/even is
                                        // recomputed from the digit count on encoding
  std::uint8_t nai = kNaiInternational; // nature of address, 7 bits (GTI 1, 4)
  bool nai_spare = false;               // bit 8 of the GTI 4 NAI octet: spare, but set by
                                        // some senders [V:S16 group 5]; kept for re-encoding
  GtDigits digits;                      // when the address information is BCD
  std::uint8_t filler = 0;              // high nibble of the last octet for an odd count
  GtOpaque opaque;                      // address information when it is not BCD
};

struct Address {
  bool national = false;  // bit 8 of the address indicator, reserved for national use
  RoutingIndicator ri = RoutingIndicator::OnGlobalTitle;
  std::uint8_t gti = 0;   // raw 4 bits, see Gti
  std::optional<PointCode> pc;
  std::optional<Ssn> ssn;
  GlobalTitle gt;         // meaningful when gti != 0

  // Route on GT with GTI 4 (TT, E.164, BCD, international) and an SSN: the
  // form MAP uses between networks (AI 0x12).
  static Address global_title(std::string_view digits, Ssn ssn, std::uint8_t tt = 0);
  // Route on SSN, optional point code (AI 0x42 / 0x43).
  static Address subsystem(Ssn ssn, std::optional<PointCode> pc = std::nullopt);
};

// Decodes the value of a called/calling party address (without its length octet).
Result<Address> decode_address(Bytes value);
// Encodes an address value (without length) into out. Returns octets written.
Result<std::size_t> encode_address(const Address& a, std::span<std::uint8_t> out);

// ---------------------------------------------------------------------------
// Messages (Q.713 §4)
// ---------------------------------------------------------------------------

enum class MessageType : std::uint8_t {
  Udt = 0x09,    // §4.10 unitdata
  Udts = 0x0A,   // §4.11 unitdata service
  Xudt = 0x11,   // §4.18 extended unitdata
  Xudts = 0x12,  // §4.19 extended unitdata service
  Ludt = 0x13,   // §4.20 long unitdata (2-octet pointers and data length)
  Ludts = 0x14,  // §4.21 long unitdata service
};

// Short lower-case name: "udt", "udts", "xudt", "xudts", "ludt", "ludts"; "unknown".
std::string_view message_type_name(MessageType t);
// True for UDTS/XUDTS/LUDTS: they carry a return cause instead of a class.
bool is_service(MessageType t);

// Protocol class octet (Q.713 §3.6): bits 1-4 class (0 or 1 here), bits 5-8
// message handling (0x8 = return message on error).
struct ProtocolClass {
  std::uint8_t raw = 0;
  static constexpr ProtocolClass make(std::uint8_t cls, bool return_on_error) {
    return ProtocolClass{static_cast<std::uint8_t>((cls & 0x0F) | (return_on_error ? 0x80 : 0x00))};
  }
  [[nodiscard]] constexpr std::uint8_t cls() const { return raw & 0x0F; }
  [[nodiscard]] constexpr bool return_on_error() const { return (raw & 0xF0) == 0x80; }
  friend bool operator==(const ProtocolClass&, const ProtocolClass&) = default;
};

// Return cause (Q.713 §3.12, Table 18). Unknown values are kept as-is.
enum class ReturnCause : std::uint8_t {
  NoTranslationForNature = 0x00,
  NoTranslationForAddress = 0x01,
  SubsystemCongestion = 0x02,
  SubsystemFailure = 0x03,
  UnequippedUser = 0x04,
  MtpFailure = 0x05,
  NetworkCongestion = 0x06,
  Unqualified = 0x07,
  ErrorInMessageTransport = 0x08,
  ErrorInLocalProcessing = 0x09,
  DestinationCannotReassemble = 0x0A,
  SccpFailure = 0x0B,
  HopCounterViolation = 0x0C,
  SegmentationNotSupported = 0x0D,
  SegmentationFailure = 0x0E,
};
// Human name, e.g. "error in message transport"; "spare" / "national" otherwise.
std::string_view return_cause_name(ReturnCause c);

// Segmentation parameter (Q.713 §3.17), optional parameter 0x10, 4 octets.
struct Segmentation {
  bool first = true;            // bit 8 of octet 1
  bool class1_selected = false; // bit 7: the user asked for in-sequence delivery
  std::uint8_t remaining = 0;   // bits 1-4: segments still to come after this one
  LocalReference ref;
  friend bool operator==(const Segmentation&, const Segmentation&) = default;
};

// Optional parameter names (Q.713 §3.1, Table 2).
inline constexpr std::uint8_t kParamEndOfOptional = 0x00;
inline constexpr std::uint8_t kParamSegmentation = 0x10;
inline constexpr std::uint8_t kParamImportance = 0x12;

// Order of the three mandatory variable parameters on the wire. Q.713 lets the
// sender place them anywhere (the pointers find them); jss7, for one, puts the
// called address after the data. The decoder records the order so that
// re-encoding a decoded message reproduces it.
enum class Field : std::uint8_t { Called = 0, Calling = 1, Data = 2 };
using WireOrder = std::array<Field, 3>;
inline constexpr WireOrder kCanonicalOrder{Field::Called, Field::Calling, Field::Data};

struct Message {
  MessageType type = MessageType::Udt;
  ProtocolClass protocol_class;                            // UDT, XUDT, LUDT
  ReturnCause return_cause = ReturnCause::Unqualified;      // UDTS, XUDTS, LUDTS
  HopCounter hop_counter;                                   // X and L types only
  Address called;
  Address calling;
  Bytes data;                                               // span into the decoded input
  // The address octets as received (span into the input; empty when built
  // for sending). The reassembler keys on calling_raw.
  Bytes called_raw;
  Bytes calling_raw;
  // Optional part (X and L types only).
  std::optional<Segmentation> segmentation;
  std::optional<std::uint8_t> importance;                   // raw octet; bits 1-3 = importance (§3.19)
  WireOrder order = kCanonicalOrder;
};

// Decodes one SCCP message. Errors name the fault and point at the offending
// octet (for a truncated message: one past the last octet).
Result<Message> decode(Bytes in);

// Encodes any of the six types into out; returns the number of octets
// written. Mandatory variable parameters go in m.order, then the optional part
// (segmentation, importance, end of optional parameters) when there is one.
// Fails when a pointer, length or the buffer is too small.
Result<std::size_t> encode(const Message& m, std::span<std::uint8_t> out);

// Message builders for the common cases (Q.714 §4.1.1: the user data goes in
// a UDT unless it needs XUDT features).
Message make_udt(const Address& called, const Address& calling, Bytes data, ProtocolClass pc);
Message make_xudt(const Address& called, const Address& calling, Bytes data, ProtocolClass pc,
                  HopCounter hops, std::optional<Segmentation> seg = std::nullopt);
// The service message that returns `original` (UDT -> UDTS, XUDT -> XUDTS,
// LUDT -> LUDTS) with the given cause. Q.714 §4.2: the called address of the
// service message is the calling address of the original and vice versa; the
// user data and (for XUDT) segmentation are returned unchanged.
Message make_service(const Message& original, ReturnCause cause, HopCounter hops = HopCounter{15});

inline Result<std::size_t> encode_udt(const Address& called, const Address& calling, Bytes data,
                                      ProtocolClass pc, std::span<std::uint8_t> out) {
  return encode(make_udt(called, calling, data, pc), out);
}
inline Result<std::size_t> encode_xudt(const Address& called, const Address& calling, Bytes data,
                                       ProtocolClass pc, HopCounter hops, std::optional<Segmentation> seg,
                                       std::span<std::uint8_t> out) {
  return encode(make_xudt(called, calling, data, pc, hops, seg), out);
}

// ---------------------------------------------------------------------------
// Segmentation for sending (Q.714 §4.1.1.2)
// ---------------------------------------------------------------------------

// At most 16 segments: the "remaining segments" field has 4 bits (Q.713 §3.17).
inline constexpr std::size_t kMaxSegments = 16;

// Splits `payload` into XUDT messages of at most `max_segment_data` octets of
// user data each, written to out[0..n). Every segment carries the segmentation
// parameter (first bit on the first, remaining counting down to 0); Q.714
// §4.1.1.2.2 sends segments in protocol class 1 so that they stay in sequence,
// and the C bit records the class the user asked for (template_msg's class).
// A payload that fits in one segment gives one XUDT without the parameter.
// The messages' data are spans into `payload`. Returns the segment count.
Result<std::size_t> segment(const Message& template_msg, Bytes payload, LocalReference ref,
                            std::size_t max_segment_data, std::span<Message> out);

// ---------------------------------------------------------------------------
// Reassembly (Q.714 §4.1.1.3)
// ---------------------------------------------------------------------------

class Reassembler {
 public:
  using Clock = std::chrono::steady_clock;
  struct Config {
    std::size_t max_partials = 64;             // concurrent partial messages
    std::size_t max_message_size = 16 * 3952;  // 16 segments of the longest LUDT data
    // T(reassembly), Q.714 §4.1.1.3 / Annex C: 10 to 20 seconds.
    std::chrono::milliseconds timeout{10'000};
  };

  Reassembler() : Reassembler(Config{}) {}
  explicit Reassembler(Config cfg) : cfg_(cfg) {}

  // Feeds a decoded XUDT/XUDTS/LUDT/LUDTS carrying a segmentation parameter.
  // Returns the whole user data once the last segment arrives, std::nullopt
  // while more are expected. A segment that does not continue a partial
  // message in sequence (no first segment, a gap, a repeat) is an error and
  // the partial message is discarded, as Q.714 §4.1.1.3 prescribes. A new
  // first segment for a key that already has a partial restarts it.
  Result<std::optional<std::vector<std::uint8_t>>> feed(const Message& m, Clock::time_point now);

  // Drops partial messages whose first segment arrived more than
  // `timeout` before `now`. Returns how many were dropped.
  std::size_t sweep(Clock::time_point now);

  [[nodiscard]] std::size_t pending() const { return partials_.size(); }

 private:
  struct Partial {
    bool service = false;                     // XUDTS/LUDTS vs XUDT/LUDT
    std::vector<std::uint8_t> calling;        // calling address octets as received
    LocalReference ref;
    std::uint8_t expect_remaining = 0;        // value the next segment must carry
    Clock::time_point started;
    std::vector<std::uint8_t> data;
  };
  Config cfg_;
  std::vector<Partial> partials_;
};

}  // namespace ussdgw::sccp
