// MAP names for logs and the decode tool: operation codes (TS 29.002 §17.5,
// §17.6.x OPERATION definitions), error codes (§17.6.6) and application
// contexts (§17.3.3). Spellings follow the ASN.1 value names as tshark prints
// them (e.g. "mt-forwardSM", "processUnstructuredSS-Request").
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "ussdgw/fixed_string.h"
#include "ussdgw/result.h"

namespace ussdgw::map {

// Local operation codes used by the gateway (TS 29.002 §17.5 MAP-Protocol).
namespace op {
inline constexpr int kSendRoutingInfo = 22;
inline constexpr int kMtForwardSM = 44;
inline constexpr int kSendRoutingInfoForSM = 45;
inline constexpr int kMoForwardSM = 46;  // forwardSM in AC versions 1 and 2
inline constexpr int kReportSmDeliveryStatus = 47;
inline constexpr int kAlertServiceCentreWithoutResult = 49;
inline constexpr int kProcessUnstructuredSsRequest = 59;
inline constexpr int kUnstructuredSsRequest = 60;
inline constexpr int kUnstructuredSsNotify = 61;
inline constexpr int kInformServiceCentre = 63;
inline constexpr int kAlertServiceCentre = 64;
inline constexpr int kReadyForSM = 66;
}  // namespace op

// Name of a local operation code as of MAP v3 ("" when unknown). Op 46 gives
// "mo-forwardSM"; use the AC-aware overload to get "forwardSM" for v1/v2.
std::string_view operation_name(std::int64_t code);
// Op 46 is forwardSM in AC versions 1 and 2 (both directions) and
// mo-forwardSM in version 3 (TS 29.002 §17.6.5); other codes ignore the version.
std::string_view operation_name(std::int64_t code, int ac_version);
// Same, with the AC OID contents of the dialogue (empty = no dialogue portion = v1).
std::string_view operation_name_for_ac(std::int64_t code, Bytes ac_oid);

// Name of a local MAP error code ("" when unknown), TS 29.002 §17.6.6.
std::string_view error_name(std::int64_t code);

// ---- application contexts: 0.4.0.0.1.0.<ac>.<version> (TS 29.002 §17.3.3)

// BER contents of a MAP AC OID (7 octets for ac and version below 128).
constexpr std::array<std::uint8_t, 7> ac_oid(std::uint8_t ac, std::uint8_t version) {
  return {0x04, 0x00, 0x00, 0x01, 0x00, ac, version};
}
namespace ac {
inline constexpr std::uint8_t kNetworkFunctionalSs = 18;
inline constexpr std::uint8_t kNetworkUnstructuredSs = 19;
inline constexpr std::uint8_t kShortMsgGateway = 20;
inline constexpr std::uint8_t kShortMsgMoRelay = 21;  // shortMsgRelayContext-v1 in version 1
inline constexpr std::uint8_t kShortMsgAlert = 23;
inline constexpr std::uint8_t kMwdMngt = 24;
inline constexpr std::uint8_t kShortMsgMtRelay = 25;
inline constexpr auto kNetworkUnstructuredSsV2 = ac_oid(kNetworkUnstructuredSs, 2);
inline constexpr auto kShortMsgGatewayV3 = ac_oid(kShortMsgGateway, 3);
inline constexpr auto kShortMsgGatewayV2 = ac_oid(kShortMsgGateway, 2);
inline constexpr auto kShortMsgGatewayV1 = ac_oid(kShortMsgGateway, 1);
inline constexpr auto kShortMsgMoRelayV3 = ac_oid(kShortMsgMoRelay, 3);
inline constexpr auto kShortMsgMoRelayV2 = ac_oid(kShortMsgMoRelay, 2);
inline constexpr auto kShortMsgRelayV1 = ac_oid(kShortMsgMoRelay, 1);
inline constexpr auto kShortMsgMtRelayV3 = ac_oid(kShortMsgMtRelay, 3);
inline constexpr auto kShortMsgMtRelayV2 = ac_oid(kShortMsgMtRelay, 2);
inline constexpr auto kShortMsgAlertV2 = ac_oid(kShortMsgAlert, 2);
inline constexpr auto kShortMsgAlertV1 = ac_oid(kShortMsgAlert, 1);
inline constexpr auto kMwdMngtV3 = ac_oid(kMwdMngt, 3);
}  // namespace ac

struct AcId {
  std::uint8_t ac = 0;
  std::uint8_t version = 0;
  friend bool operator==(const AcId&, const AcId&) = default;
};
// Splits a MAP AC OID (contents) into its ac and version arcs; nullopt when
// it is not under map-ac 0.4.0.0.1.0.
std::optional<AcId> parse_ac(Bytes ac_oid);

using AcName = FixedString<64>;
// "networkUnstructuredSsContext-v2", "shortMsgRelayContext-v1", ... ; empty
// when the OID is not a known MAP AC (the caller can fall back to the dotted form).
AcName ac_name(Bytes ac_oid);
AcName ac_name(AcId id);

}  // namespace ussdgw::map
