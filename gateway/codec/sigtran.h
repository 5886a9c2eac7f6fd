// Transport framing below SCCP: M3UA (RFC 4666), IPA (osmocom), ITU MTP3
// (Q.704) and M2PA (RFC 4165). Pure codec: bytes in, typed views out, no I/O.
//
// Decoders return views into the caller's buffer and never read past it: every
// length field is checked against the octets actually present, so a truncated
// or hostile frame yields an Error whose `at` points at the offending octet.
// Encoders write into a caller-provided span and return the octet count, or 0
// when the span is too small (nothing partial is meant to be used then).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "ussdgw/ids.h"
#include "ussdgw/result.h"

namespace ussdgw::sigtran {

// A signalling point code: the project's one type (ussdgw/ids.h). ITU point
// codes are 14 bits (Q.704 §2.2.2); M3UA carries them in 32 bits
// (RFC 4666 §3.3.1: 24-bit ANSI codes fit too).
using ussdgw::PointCode;

// M3UA routing context (RFC 4666 §3.3.1, tag 0x0006): identifies the
// application server, so it is an identifier rather than a plain number.
struct RoutingContext {
  std::uint32_t value = 0;
  friend constexpr bool operator==(RoutingContext, RoutingContext) = default;
};

// Service indicator values (Q.704 §14.2.1): only SCCP matters to this codec.
inline constexpr std::uint8_t kSiSccp = 3;

// ---------------------------------------------------------------------------
// M3UA (RFC 4666)

// Message classes (RFC 4666 §3.1.2).
enum class M3uaClass : std::uint8_t {
  Management = 0,  // MGMT: ERR, NTFY
  Transfer = 1,    // DATA
  Ssnm = 2,        // DUNA, DAVA, DAUD, SCON, DUPU, DRST
  Aspsm = 3,       // ASPUP, ASPDN, BEAT and their ACKs
  Asptm = 4,       // ASPAC, ASPIA and their ACKs
  Rkm = 9,         // REG/DEREG
};

inline constexpr std::uint8_t kM3uaVersion = 1;    // RFC 4666 §3.1.1
inline constexpr std::uint8_t kM3uaTypeData = 1;   // Transfer class, §3.1.2

// Parameter tags used here (RFC 4666 §3.2, §3.3.1).
inline constexpr std::uint16_t kTagNetworkAppearance = 0x0200;
inline constexpr std::uint16_t kTagRoutingContext = 0x0006;
inline constexpr std::uint16_t kTagCorrelationId = 0x0013;
inline constexpr std::uint16_t kTagProtocolData = 0x0210;

// The MTP3-equivalent fields of the Protocol Data parameter (RFC 4666 §3.3.1).
struct ProtocolData {
  PointCode opc;
  PointCode dpc;
  std::uint8_t si = kSiSccp;
  std::uint8_t ni = 0;   // 0 international, 2 national (Q.704 §14.2.2)
  std::uint8_t mp = 0;   // message priority, ANSI only; 0 for ITU
  std::uint8_t sls = 0;
  Bytes payload;         // the user part (here: the SCCP message)
};

struct M3uaMessage {
  std::uint8_t version = kM3uaVersion;
  std::uint8_t msg_class = 0;
  std::uint8_t msg_type = 0;
  std::uint32_t length = 0;  // whole message, header included (§3.1.1)
  std::optional<RoutingContext> routing_context;  // first one only
  std::optional<std::uint32_t> network_appearance;
  std::optional<std::uint32_t> correlation_id;
  std::optional<ProtocolData> data;  // present for Transfer/DATA only

  [[nodiscard]] bool is_data() const {
    return msg_class == static_cast<std::uint8_t>(M3uaClass::Transfer) && msg_type == kM3uaTypeData;
  }
};

// Reads one M3UA message from the start of `msg`. The common header length
// must fit inside `msg`; octets after it are ignored (the caller may have a
// padded SCTP chunk). A DATA message without Protocol Data is an error
// (the parameter is mandatory, §3.3.1). Unknown parameters are skipped.
Result<M3uaMessage> decode_m3ua(Bytes msg);

// "DATA", "ASPUP", "BEAT", "DUNA", ... for logs and --all; "unknown" otherwise.
const char* m3ua_message_name(std::uint8_t msg_class, std::uint8_t msg_type);

// Size of a DATA message carrying `payload_len` octets (padding included).
std::size_t m3ua_data_size(std::size_t payload_len, bool with_routing_context);
// Writes a DATA message (RFC 4666 §3.3.1): optional Routing Context, then
// Protocol Data padded to 4 octets. Returns octets written, 0 if out is short.
std::size_t encode_m3ua_data(const ProtocolData& pd, std::optional<RoutingContext> rc,
                             std::span<std::uint8_t> out);

// ---------------------------------------------------------------------------
// IPA (osmocom "ipaccess" multiplex): len16 (payload only, big endian) | stream | payload

struct IpaStream {
  std::uint8_t value = 0;
  friend constexpr bool operator==(IpaStream, IpaStream) = default;
};
inline constexpr IpaStream kIpaSccp{0xFD};
inline constexpr IpaStream kIpaCcm{0xFE};  // ID_GET / ID_RESP / PING / PONG
inline constexpr std::size_t kIpaHeaderSize = 3;

struct IpaMessage {
  IpaStream stream;
  Bytes payload;
  std::size_t wire_size = 0;  // header + payload: where the next message starts
};

// How many octets the IPA message at the start of `buffered` occupies, or
// nullopt while the 3-octet header is not complete yet (TCP stream framing).
std::optional<std::size_t> ipa_frame_size(Bytes buffered);
// Reads the IPA message at the start of `data`; an error when it is truncated.
Result<IpaMessage> decode_ipa(Bytes data);
std::size_t encode_ipa(IpaStream stream, Bytes payload, std::span<std::uint8_t> out);

// ---------------------------------------------------------------------------
// ITU MTP3 (Q.704 §2.2, §14.2): SIO, 32-bit routing label, then SIF.

struct Mtp3Message {
  std::uint8_t ni = 0;        // SIO bits 8-7 (Q.704 §14.2.2)
  std::uint8_t spare = 0;     // SIO bits 6-5 (national priority use)
  std::uint8_t si = 0;        // SIO bits 4-1 (Q.704 §14.2.1)
  PointCode dpc;              // label bits 0-13
  PointCode opc;              // label bits 14-27
  std::uint8_t sls = 0;       // label bits 28-31
  Bytes payload;              // SIF after the routing label
};

inline constexpr std::size_t kMtp3HeaderSize = 5;  // SIO + 4-octet label
Result<Mtp3Message> decode_mtp3(Bytes msg);
std::size_t encode_mtp3(const Mtp3Message& m, std::span<std::uint8_t> out);

// ---------------------------------------------------------------------------
// M2PA (RFC 4165): common header (§2.1), BSN/FSN (§2.2), then User Data
// (§2.3.1: priority octet + MTP3 message) or Link Status (§2.3.2).

inline constexpr std::uint8_t kM2paClass = 11;
inline constexpr std::uint8_t kM2paUserData = 1;
inline constexpr std::uint8_t kM2paLinkStatus = 2;

struct M2paMessage {
  std::uint8_t version = 1;
  std::uint8_t msg_class = kM2paClass;
  std::uint8_t msg_type = 0;
  std::uint32_t length = 0;
  std::uint32_t bsn = 0;      // 24 bits
  std::uint32_t fsn = 0;      // 24 bits
  std::uint8_t priority = 0;  // User Data only: bits 8-7 of the first data octet
  Bytes mtp3;                 // User Data only; may be empty (an FSN-less ack)
  std::optional<std::uint32_t> link_status;  // Link Status only

  [[nodiscard]] bool is_user_data() const { return msg_type == kM2paUserData; }
};

Result<M2paMessage> decode_m2pa(Bytes msg);

}  // namespace ussdgw::sigtran
