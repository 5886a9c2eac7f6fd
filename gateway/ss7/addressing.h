// Addressing rules of the endpoint, kept free of libosmo so they can be
// unit-tested: how send() completes addresses, and how an incoming UDT whose
// called party is routed on our own global title is recognised.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "gateway/codec/sccp.h"
#include "gateway/ss7/config.h"
#include "gateway/ss7/types.h"

namespace ussdgw::ss7 {

// Completes the addresses of an outgoing N-UNITDATA.req in place (docs/ss7.md
// "Addressing"):
//  - called: a point code already present with "route on SSN" is kept (the
//    peer is directly addressable). Otherwise the GT is kept and the next hop
//    point code is added, routing indicator per cfg.reply_routing.
//  - calling: empty parts are filled with own GT, the first bound SSN and
//    (cfg.calling_includes_pc) own PC; routed on GT when it carries a GT.
// Returns nullptr on success or a static text saying why the message cannot
// be routed.
[[nodiscard]] const char* complete_outbound(Unitdata& u, const EndpointConfig& cfg);

// User data per XUDT segment: 255 octets of XUDT data (Q.713 §4.18) less
// room for the segmentation parameter and long addresses, in the spirit of
// Q.714 §4.1.1.2.1 (segments no longer than the network's MSU allows).
inline constexpr std::size_t kMaxXudtSegmentData = 200;

// The endpoint's address type and the codec's (Q.713 §3.4), both ways. GT
// digits beyond 31 are cut (the libosmo-sigtran buffer holds 31).
[[nodiscard]] sccp::Address to_sccp(const Address& a);
[[nodiscard]] Address from_sccp(const sccp::Address& a);

// True when `digits` is one of ours: starts with a configured local prefix,
// or equals own_gt when no prefix is configured.
[[nodiscard]] bool gt_is_local(std::string_view digits, const EndpointConfig& cfg);

// View of the called party address inside an encoded SCCP UDT or UDTS
// (Q.713 4.10, 4.11; address format Q.713 3.4, ITU).
struct UdtCalled {
  std::size_t indicator_offset = 0;  // offset of the address indicator octet
  bool route_on_gt = false;          // Q.713 3.4.1 bit 7 == 0
  bool has_ssn = false;
  bool has_pc = false;
  std::optional<FixedString<31>> gt_digits;
};
// nullopt when `sccp` is not a UDT/UDTS or is malformed. XUDT/LUDT are not
// looked at: libosmo-sigtran 1.6 cannot decode them anyway.
[[nodiscard]] std::optional<UdtCalled> parse_udt_called(std::span<const std::uint8_t> sccp);

enum class GtLocalPatch { kNotApplicable, kPatched, kNotLocal, kNoSsn };
// If `sccp` is a UDT (or a UDTS coming back to us) whose called party is routed on GT, carries an SSN and a
// GT that gt_is_local() accepts, flip its routing indicator to "route on
// SSN" in place so libosmo-sigtran 1.6 delivers it to the SSN's user instead
// of failing in its unimplemented GT translation (sccp_scrc.c
// scrc_translate_node_9 -> UDTS return cause 3).
GtLocalPatch patch_gt_routed_to_local(std::span<std::uint8_t> sccp, const EndpointConfig& cfg);

}  // namespace ussdgw::ss7
