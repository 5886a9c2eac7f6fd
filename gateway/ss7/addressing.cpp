#include "gateway/ss7/addressing.h"

namespace ussdgw::ss7 {
namespace {

// Q.713 3.4.1 address indicator bits (ITU format).
constexpr std::uint8_t kAiPc = 0x01;
constexpr std::uint8_t kAiSsn = 0x02;
constexpr std::uint8_t kAiRouteOnSsn = 0x40;
constexpr std::uint8_t kUdt = 0x09;   // Q.713 Table 1
constexpr std::uint8_t kUdts = 0x0a;

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

// BCD digits, low nibble first (Q.713 3.4.2.3.1); `odd` drops the filler of
// the last octet.
FixedString<31> bcd_digits(std::span<const std::uint8_t> b, bool odd) {
  FixedString<31> out;
  static constexpr char kDigit[] = "0123456789abcdef";
  for (std::size_t i = 0; i < b.size(); ++i) {
    out.push_back(kDigit[b[i] & 0x0f]);
    bool last = i + 1 == b.size();
    if (!(last && odd)) out.push_back(kDigit[b[i] >> 4]);
  }
  return out;
}

}  // namespace

const char* complete_outbound(Unitdata& u, const EndpointConfig& cfg) {
  Address& called = u.called;
  bool directly_addressable = called.ri == RoutingIndicator::kSubsystem && called.pc.has_value();
  if (!directly_addressable) {
    if (!called.gt && !called.ssn) return "called address has neither GT nor SSN";
    called.pc = cfg.next_hop_pc;
    bool on_gt = cfg.reply_routing == ReplyRouting::kGtViaNextHop && called.gt.has_value();
    called.ri = on_gt ? RoutingIndicator::kGlobalTitle : RoutingIndicator::kSubsystem;
    // Q.713 3.4.1: routing on SSN needs an SSN in the address.
    if (called.ri == RoutingIndicator::kSubsystem && !called.ssn) return "called address routed on SSN has no SSN";
  }

  Address& calling = u.calling;
  if (!calling.gt && !cfg.own_gt.digits.empty()) calling.gt = cfg.own_gt;
  if (!calling.ssn && !cfg.ssns.empty()) calling.ssn = cfg.ssns.front();
  if (!calling.pc && cfg.calling_includes_pc) calling.pc = cfg.own_pc;
  calling.ri = calling.gt ? RoutingIndicator::kGlobalTitle : RoutingIndicator::kSubsystem;
  if (calling.ri == RoutingIndicator::kSubsystem && (!calling.pc || !calling.ssn))
    return "calling address has no GT and no PC+SSN";
  // UDT user data is at most 255 octets (Q.713 4.10; libosmo-sigtran 1.6
  // cannot segment). Segmented XUDT, sent by the endpoint itself, carries
  // up to 16 segments (Q.713 §3.17) of at most kMaxXudtSegmentData.
  if (u.data.empty()) return "user data empty";
  if (u.xudt_segments == 0 && u.data.size() > 255) return "user data longer than a UDT carries";
  if (u.xudt_segments > sccp::kMaxSegments) return "more than 16 XUDT segments";
  if (u.xudt_segments > 0 && (u.data.size() + u.xudt_segments - 1) / u.xudt_segments > kMaxXudtSegmentData)
    return "user data longer than the XUDT segments carry";
  return nullptr;
}

sccp::Address to_sccp(const Address& a) {
  sccp::Address o;
  o.ri = a.ri == RoutingIndicator::kGlobalTitle ? sccp::RoutingIndicator::OnGlobalTitle : sccp::RoutingIndicator::OnSsn;
  if (a.ssn) o.ssn = sccp::Ssn{a.ssn->value};
  if (a.pc) o.pc = PointCode{a.pc->value & PointCode::kItuMax};
  if (a.gt) {
    o.gti = a.gt->gti;
    o.gt.tt = a.gt->tt;
    o.gt.np = a.gt->np;
    o.gt.nai = a.gt->nai;
    o.gt.digits.assign(a.gt->digits.view());
  }
  return o;
}

Address from_sccp(const sccp::Address& a) {
  Address o;
  o.ri = a.ri == sccp::RoutingIndicator::OnGlobalTitle ? RoutingIndicator::kGlobalTitle : RoutingIndicator::kSubsystem;
  if (a.ssn) o.ssn = Ssn{a.ssn->value};
  if (a.pc) o.pc = PointCode{a.pc->value};
  if (a.gti != 0) {
    GlobalTitle gt;
    gt.gti = a.gti;
    gt.tt = a.gt.tt;
    gt.np = a.gt.np;
    gt.nai = a.gt.nai;
    gt.digits.assign(a.gt.digits.view());  // cut at 31 digits, as libosmo-sigtran does
    o.gt = gt;
  }
  return o;
}

bool gt_is_local(std::string_view digits, const EndpointConfig& cfg) {
  if (digits.empty()) return false;
  if (cfg.local_gt_prefixes.empty()) return !cfg.own_gt.digits.empty() && digits == cfg.own_gt.digits.view();
  for (const auto& p : cfg.local_gt_prefixes)
    if (!p.empty() && starts_with(digits, p)) return true;
  return false;
}

std::optional<UdtCalled> parse_udt_called(std::span<const std::uint8_t> m) {
  // UDT (Q.713 4.10): type, protocol class, then three one-octet pointers;
  // the first points (relative to its own position) at the called party
  // address. UDTS (4.11) has the same layout with the return cause in place
  // of the protocol class.
  if (m.size() < 5 || (m[0] != kUdt && m[0] != kUdts)) return std::nullopt;
  std::size_t at = 2 + std::size_t{m[2]};
  if (m[2] == 0 || at >= m.size()) return std::nullopt;
  std::size_t len = m[at];
  if (len < 1 || at + 1 + len > m.size()) return std::nullopt;
  auto addr = m.subspan(at + 1, len);

  UdtCalled out;
  out.indicator_offset = at + 1;
  std::uint8_t ai = addr[0];
  out.route_on_gt = (ai & kAiRouteOnSsn) == 0;
  out.has_pc = ai & kAiPc;
  out.has_ssn = ai & kAiSsn;
  std::size_t pos = 1 + (out.has_pc ? 2 : 0) + (out.has_ssn ? 1 : 0);
  if (pos > addr.size()) return std::nullopt;
  auto gt = addr.subspan(pos);
  switch ((ai >> 2) & 0x0f) {
    case 0:
      break;
    case 1:  // NAI octet, bit 8 = odd number of digits
      if (gt.empty()) return std::nullopt;
      out.gt_digits = bcd_digits(gt.subspan(1), gt[0] & 0x80);
      break;
    case 2:  // TT only
      if (gt.empty()) return std::nullopt;
      out.gt_digits = bcd_digits(gt.subspan(1), false);
      break;
    case 3:  // TT, NP + ES
      if (gt.size() < 2) return std::nullopt;
      out.gt_digits = bcd_digits(gt.subspan(2), (gt[1] & 0x0f) == 1);
      break;
    case 4:  // TT, NP + ES, NAI
      if (gt.size() < 3) return std::nullopt;
      out.gt_digits = bcd_digits(gt.subspan(3), (gt[1] & 0x0f) == 1);
      break;
    default:
      return std::nullopt;
  }
  return out;
}

GtLocalPatch patch_gt_routed_to_local(std::span<std::uint8_t> sccp, const EndpointConfig& cfg) {
  auto called = parse_udt_called(sccp);
  if (!called || !called->route_on_gt || !called->gt_digits) return GtLocalPatch::kNotApplicable;
  if (!gt_is_local(called->gt_digits->view(), cfg)) return GtLocalPatch::kNotLocal;
  if (!called->has_ssn) return GtLocalPatch::kNoSsn;
  sccp[called->indicator_offset] |= kAiRouteOnSsn;
  return GtLocalPatch::kPatched;
}

}  // namespace ussdgw::ss7
