#include "gateway/codec/map_mobility.h"

#include "ussdgw/ber.h"
#include "ussdgw/map_fields.h"

namespace ussdgw::map {
namespace {

using ber::context;
using ber::Reader;
using ber::Tag;
using ber::Tlv;

constexpr Tag kOctets = ber::kOctetString;

// The parameter as one TLV (its tag picks the MAP version's form).
Result<Tlv> whole(Bytes param) { return ber::parse_single(param); }

using fields::address;
using fields::enter;
using fields::imsi;
using fields::null;
using fields::octets;
using fields::open_sequence;

Result<std::uint8_t> small_int(const Tlv& t, std::int64_t lo, std::int64_t hi, const char* what) {
  USSDGW_TRY(v, fields::integer(t, lo, hi, what));
  return static_cast<std::uint8_t>(v);
}

// SEQUENCE SIZE (1..n) OF OCTET STRING (1..5): the first octet of each
// service code (Ext-TeleserviceCode / Ext-BearerServiceCode, §17.7.9).
template <std::size_t N>
Status service_codes(const Tlv& list, FixedVector<std::uint8_t, N>& out, const char* what) {
  USSDGW_TRY(r, enter(list, what));
  while (!r.at_end()) {
    USSDGW_TRY(c, r.next());
    USSDGW_TRY(v, octets(c, 1, 5, what));
    if (!out.push_back(v[0])) return Error{what, c.whole.data()};
  }
  return Ok{};
}

// AuthenticationTriplet ::= SEQUENCE { rand RAND, sres SRES, kc Kc, ... }
// AuthenticationQuintuplet ::= SEQUENCE { rand, xres, ck, ik, autn, ... }
// (§17.7.1). Only RAND and AUTN are kept (see AuthenticationSets).
Status auth_set(const Tlv& set, bool quintuplet, AuthenticationSets& out) {
  const char* what = quintuplet ? "MAP: bad AuthenticationQuintuplet" : "MAP: bad AuthenticationTriplet";
  if (set.tag != ber::kSequence) return Error{what, set.whole.data()};
  USSDGW_TRY(r, enter(set, what));
  USSDGW_TRY(rand_t, r.expect(kOctets, what));
  USSDGW_TRY(rand, octets(rand_t, 16, 16, "MAP: RAND is not 16 octets"));
  if (!out.rand.push_back(rand)) return Error{"MAP: more than 5 authentication sets", set.whole.data()};
  ++out.count;
  if (!quintuplet) return Ok{};
  // xres, ck, ik come before autn; all OCTET STRINGs.
  for (int i = 0; i < 4; ++i) {
    USSDGW_TRY(t, r.expect(kOctets, what));
    if (i == 3) {
      USSDGW_TRY(autn, octets(t, 16, 16, "MAP: AUTN is not 16 octets"));
      out.autn.push_back(autn);
    }
  }
  return Ok{};
}

Status auth_list(const Tlv& list, AuthenticationSets::Kind kind, AuthenticationSets& out) {
  out.kind = kind;
  USSDGW_TRY(r, enter(list, "MAP: AuthenticationSetList is not constructed"));
  while (!r.at_end()) {
    USSDGW_TRY(s, r.next());
    USSDGW_CHECK(auth_set(s, kind == AuthenticationSets::Kind::Quintuplets, out));
  }
  if (out.count == 0) return Error{"MAP: empty AuthenticationSetList", list.whole.data()};
  return Ok{};
}

// AuthenticationSetList ::= CHOICE { tripletList [0], quintupletList [1] } (v3).
bool auth_choice(const Tlv& t, Status& st, AuthenticationSets& out) {
  if (t.tag == context(0, true)) st = auth_list(t, AuthenticationSets::Kind::Triplets, out);
  else if (t.tag == context(1, true)) st = auth_list(t, AuthenticationSets::Kind::Quintuplets, out);
  else return false;
  return true;
}

// Ext-SS-InfoList ::= SEQUENCE OF Ext-SS-Info; Ext-SS-Info ::= CHOICE {
// forwardingInfo [0] Ext-ForwInfo, callBarringInfo [1], ... };
// Ext-ForwInfo ::= SEQUENCE { ss-Code, forwardingFeatureList SEQUENCE OF
// Ext-ForwFeature, ... }; Ext-ForwFeature ::= SEQUENCE { ..., forwardedToNumber [5], ... }.
Status forwardings(const Tlv& list, InsertSubscriberDataArg& v) {
  USSDGW_TRY(r, enter(list, "MAP: provisionedSS is not constructed"));
  while (!r.at_end()) {
    USSDGW_TRY(info, r.next());
    if (info.tag != context(0, true)) continue;  // only forwardingInfo carries numbers
    USSDGW_TRY(fr, enter(info));
    USSDGW_TRY(code_t, fr.expect(kOctets, "MAP: Ext-ForwInfo without ss-Code"));
    USSDGW_TRY(code, octets(code_t, 1, 1, "MAP: ss-Code is not one octet"));
    USSDGW_TRY(feats_t, fr.expect(ber::kSequence, "MAP: Ext-ForwInfo without forwardingFeatureList"));
    USSDGW_TRY(feats, enter(feats_t));
    while (!feats.at_end()) {
      USSDGW_TRY(feat_t, feats.next());
      if (feat_t.tag != ber::kSequence) return Error{"MAP: Ext-ForwFeature is not a SEQUENCE", feat_t.whole.data()};
      USSDGW_TRY(feat, enter(feat_t));
      while (!feat.at_end()) {
        USSDGW_TRY(e, feat.next());
        if (e.tag != context(5)) continue;
        USSDGW_TRY(a, address(e, "MAP: bad forwardedToNumber"));
        if (!v.forwardings.push_back({code[0], a})) return Error{"MAP: too many forwarded-to numbers", e.whole.data()};
      }
    }
  }
  return Ok{};
}

}  // namespace

Result<CellId> decode_cell_id(Bytes v) {
  if (v.size() != 7 && v.size() != 5) return Error{"MAP: cell id is neither 7 nor 5 octets", v.data()};
  // MCC digit 2 | digit 1, MNC digit 3 | MCC digit 3, MNC digit 2 | digit 1
  // (TS 24.008 §10.5.1.3); a BCD nibble above 9 other than the MNC filler
  // is refused.
  auto digit = [&](std::uint8_t n, FixedString<3>& s) -> bool {
    if (n > 9) return false;
    s.push_back(static_cast<char>('0' + n));
    return true;
  };
  CellId c{};  // zeroed: g++ 12 -O3 cannot see that only the used digits are copied
  bool ok = digit(v[0] & 0x0F, c.mcc) && digit(v[0] >> 4, c.mcc) && digit(v[1] & 0x0F, c.mcc) &&
            digit(v[2] & 0x0F, c.mnc) && digit(v[2] >> 4, c.mnc);
  if (ok && (v[1] >> 4) != 0x0F) ok = digit(v[1] >> 4, c.mnc);
  if (!ok) return Error{"MAP: bad MCC/MNC digit in cell id", v.data()};
  c.lac = static_cast<std::uint16_t>(v[3] << 8 | v[4]);
  if (v.size() == 7) c.ci = static_cast<std::uint16_t>(v[5] << 8 | v[6]);
  return c;
}

// ---------------------------------------------------------------------------
// 2 updateLocation, 23 updateGprsLocation.

Result<UpdateLocationArg> decode_update_location_arg(Bytes param) {
  USSDGW_TRY(r, open_sequence(param, "MAP: UpdateLocationArg is not a SEQUENCE"));
  UpdateLocationArg v;
  int positional = 0;  // imsi, then vlr-Number (both universal OCTET STRING)
  bool have_msc = false;
  while (!r.at_end()) {
    USSDGW_TRY(e, r.next());
    if (e.tag == kOctets && positional == 0) {
      USSDGW_TRY(i, imsi(e, "MAP: bad imsi in UpdateLocationArg"));
      v.imsi = i;
      ++positional;
    } else if (e.tag == kOctets && positional == 1) {
      USSDGW_TRY(a, address(e, "MAP: bad vlr-Number"));
      v.vlr_number = a;
      ++positional;
    } else if (e.tag == context(1)) {
      USSDGW_TRY(a, address(e, "MAP: bad msc-Number"));
      v.msc_number = a;
      have_msc = true;
    } else if (e.tag == context(10)) {
      USSDGW_TRY(l, octets(e, 4, 4, "MAP: LMSI is not 4 octets"));
      v.lmsi = l;
    }
  }
  if (positional < 2 || !have_msc) return Error{"MAP: UpdateLocationArg without imsi, msc-Number or vlr-Number", param.data()};
  return v;
}

Result<HlrNumberRes> decode_hlr_number_res(Bytes param) {
  USSDGW_TRY(t, whole(param));
  HlrNumberRes v;
  if (t.tag == kOctets) {  // MAP v1: the bare hlr-Number
    USSDGW_TRY(a, address(t, "MAP: bad hlr-Number"));
    v.hlr_number = a;
    return v;
  }
  if (t.tag != ber::kSequence) return Error{"MAP: UpdateLocationRes is not a SEQUENCE", param.data()};
  USSDGW_TRY(r, enter(t));
  USSDGW_TRY(h, r.expect(kOctets, "MAP: UpdateLocationRes without hlr-Number"));
  USSDGW_TRY(a, address(h, "MAP: bad hlr-Number"));
  v.hlr_number = a;
  return v;
}

Result<UpdateGprsLocationArg> decode_update_gprs_location_arg(Bytes param) {
  USSDGW_TRY(r, open_sequence(param, "MAP: UpdateGprsLocationArg is not a SEQUENCE"));
  UpdateGprsLocationArg v;
  USSDGW_TRY(i_t, r.expect(kOctets, "MAP: UpdateGprsLocationArg without imsi"));
  USSDGW_TRY(i, imsi(i_t, "MAP: bad imsi in UpdateGprsLocationArg"));
  v.imsi = i;
  USSDGW_TRY(n_t, r.expect(kOctets, "MAP: UpdateGprsLocationArg without sgsn-Number"));
  USSDGW_TRY(n, address(n_t, "MAP: bad sgsn-Number"));
  v.sgsn_number = n;
  // GSN-Address ::= OCTET STRING (SIZE (5..17)).
  USSDGW_TRY(a_t, r.expect(kOctets, "MAP: UpdateGprsLocationArg without sgsn-Address"));
  USSDGW_TRY(a, octets(a_t, 5, 17, "MAP: GSN-Address is not 5..17 octets"));
  v.sgsn_address = a;
  return v;
}

// ---------------------------------------------------------------------------
// 56 sendAuthenticationInfo, 55 sendIdentification.

Result<SendAuthenticationInfoArg> decode_send_authentication_info_arg(Bytes param) {
  USSDGW_TRY(t, whole(param));
  SendAuthenticationInfoArg v;
  if (t.tag == kOctets) {  // v2: the bare IMSI
    USSDGW_TRY(i, imsi(t, "MAP: bad IMSI in SendAuthenticationInfoArg"));
    v.imsi = i;
    v.bare = true;
    return v;
  }
  if (t.tag != ber::kSequence) return Error{"MAP: SendAuthenticationInfoArg is neither IMSI nor SEQUENCE", param.data()};
  USSDGW_TRY(r, enter(t));
  bool have_imsi = false;
  while (!r.at_end()) {
    USSDGW_TRY(e, r.next());
    if (e.tag == context(0)) {
      USSDGW_TRY(i, imsi(e, "MAP: bad imsi in SendAuthenticationInfoArg"));
      v.imsi = i;
      have_imsi = true;
    } else if (e.tag == ber::kInteger) {
      USSDGW_TRY(n, small_int(e, 1, 5, "MAP: numberOfRequestedVectors out of range"));
      v.number_of_requested_vectors = n;
    } else if (e.tag == context(3)) {
      USSDGW_TRY(n, small_int(e, 0, 255, "MAP: bad requestingNodeType"));
      v.requesting_node_type = n;
    } else if (e.tag == context(4)) {
      USSDGW_TRY(p, octets(e, 3, 3, "MAP: requestingPLMN-Id is not 3 octets"));
      v.requesting_plmn_id = p;
    }
  }
  if (!have_imsi) return Error{"MAP: SendAuthenticationInfoArg without imsi", param.data()};
  return v;
}

Result<SendAuthenticationInfoRes> decode_send_authentication_info_res(Bytes param) {
  USSDGW_TRY(t, whole(param));
  SendAuthenticationInfoRes v;
  if (t.tag == ber::kSequence) {  // v2: SEQUENCE OF AuthenticationTriplet
    v.bare = true;
    USSDGW_CHECK(auth_list(t, AuthenticationSets::Kind::Triplets, v.sets));
    return v;
  }
  if (t.tag != context(3, true)) return Error{"MAP: SendAuthenticationInfoRes is neither [3] nor SEQUENCE", param.data()};
  USSDGW_TRY(r, enter(t));
  while (!r.at_end()) {
    USSDGW_TRY(e, r.next());
    Status st = Ok{};
    if (auth_choice(e, st, v.sets)) USSDGW_CHECK(st);
    // extensionContainer (30), eps-AuthenticationSetList [2]: skipped.
  }
  return v;
}

Result<SendIdentificationArg> decode_send_identification_arg(Bytes param) {
  USSDGW_TRY(t, whole(param));
  SendIdentificationArg v;
  // TMSI ::= OCTET STRING (SIZE (1..4)).
  if (t.tag == kOctets) {  // v2: the bare TMSI
    USSDGW_TRY(tmsi, octets(t, 1, 4, "MAP: TMSI is not 1..4 octets"));
    v.tmsi = tmsi;
    v.bare = true;
    return v;
  }
  if (t.tag != ber::kSequence) return Error{"MAP: SendIdentificationArg is neither TMSI nor SEQUENCE", param.data()};
  USSDGW_TRY(r, enter(t));
  int positional = 0;  // tmsi, then msc-Number (universal OCTET STRINGs)
  while (!r.at_end()) {
    USSDGW_TRY(e, r.next());
    if (e.tag == kOctets && positional == 0) {
      USSDGW_TRY(tmsi, octets(e, 1, 4, "MAP: TMSI is not 1..4 octets"));
      v.tmsi = tmsi;
      ++positional;
    } else if (e.tag == kOctets && positional == 1) {
      USSDGW_TRY(a, address(e, "MAP: bad msc-Number in SendIdentificationArg"));
      v.msc_number = a;
      ++positional;
    } else if (e.tag == ber::kInteger) {
      USSDGW_TRY(n, small_int(e, 1, 5, "MAP: numberOfRequestedVectors out of range"));
      v.number_of_requested_vectors = n;
    }
  }
  if (positional == 0) return Error{"MAP: SendIdentificationArg without tmsi", param.data()};
  return v;
}

Result<SendIdentificationRes> decode_send_identification_res(Bytes param) {
  USSDGW_TRY(t, whole(param));
  const bool v3 = t.tag == context(3, true);
  if (!v3 && t.tag != ber::kSequence) return Error{"MAP: SendIdentificationRes is neither [3] nor SEQUENCE", param.data()};
  USSDGW_TRY(r, enter(t));
  SendIdentificationRes v;
  while (!r.at_end()) {
    USSDGW_TRY(e, r.next());
    if (e.tag == kOctets && !v.imsi) {
      USSDGW_TRY(i, imsi(e, "MAP: bad imsi in SendIdentificationRes"));
      v.imsi = i;
    } else if (!v3 && e.tag == ber::kSequence) {  // v2 AuthenticationSetList
      USSDGW_CHECK(auth_list(e, AuthenticationSets::Kind::Triplets, v.sets));
    } else if (v3) {
      Status st = Ok{};
      if (auth_choice(e, st, v.sets)) USSDGW_CHECK(st);
    }
  }
  return v;
}

// ---------------------------------------------------------------------------
// 7 insertSubscriberData.

Result<InsertSubscriberDataArg> decode_insert_subscriber_data_arg(Bytes param) {
  USSDGW_TRY(r, open_sequence(param, "MAP: InsertSubscriberDataArg is not a SEQUENCE"));
  InsertSubscriberDataArg v;
  while (!r.at_end()) {
    USSDGW_TRY(e, r.next());
    if (e.tag == context(0)) {
      USSDGW_TRY(i, imsi(e, "MAP: bad imsi in InsertSubscriberDataArg"));
      v.imsi = i;
    } else if (e.tag == context(1)) {
      USSDGW_TRY(a, address(e, "MAP: bad msisdn in InsertSubscriberDataArg"));
      v.msisdn = a;
    } else if (e.tag == context(2)) {
      USSDGW_TRY(c, octets(e, 1, 1, "MAP: category is not one octet"));
      v.category = c[0];
    } else if (e.tag == context(3)) {
      USSDGW_TRY(s, small_int(e, 0, 1, "MAP: subscriberStatus out of range"));
      v.subscriber_status = s;
    } else if (e.tag == context(4, true)) {
      USSDGW_CHECK(service_codes(e, v.bearer_services, "MAP: bad bearerServiceList"));
    } else if (e.tag == context(6, true)) {
      USSDGW_CHECK(service_codes(e, v.teleservices, "MAP: bad teleserviceList"));
    } else if (e.tag == context(7, true)) {
      USSDGW_CHECK(forwardings(e, v));
    }
  }
  return v;
}

Result<InsertSubscriberDataRes> decode_insert_subscriber_data_res(Bytes param) {
  USSDGW_TRY(r, open_sequence(param, "MAP: InsertSubscriberDataRes is not a SEQUENCE"));
  InsertSubscriberDataRes v;
  while (!r.at_end()) {
    USSDGW_TRY(e, r.next());
    if (e.tag == context(1, true)) USSDGW_CHECK(service_codes(e, v.teleservices, "MAP: bad teleserviceList"));
    else if (e.tag == context(2, true)) USSDGW_CHECK(service_codes(e, v.bearer_services, "MAP: bad bearerServiceList"));
  }
  return v;
}

// ---------------------------------------------------------------------------
// 22 sendRoutingInfo.

Result<SendRoutingInfoArg> decode_send_routing_info_arg(Bytes param) {
  USSDGW_TRY(r, open_sequence(param, "MAP: SendRoutingInfoArg is not a SEQUENCE"));
  SendRoutingInfoArg v;
  bool have_msisdn = false, have_type = false;
  while (!r.at_end()) {
    USSDGW_TRY(e, r.next());
    if (e.tag == context(0)) {
      USSDGW_TRY(a, address(e, "MAP: bad msisdn in SendRoutingInfoArg"));
      v.msisdn = a;
      have_msisdn = true;
    } else if (e.tag == context(2)) {
      USSDGW_TRY(n, small_int(e, 1, 5, "MAP: numberOfForwarding out of range"));
      v.number_of_forwarding = n;
    } else if (e.tag == context(3)) {
      USSDGW_TRY(n, small_int(e, 0, 1, "MAP: interrogationType out of range"));
      v.interrogation_type = n;
      have_type = true;
    } else if (e.tag == context(4)) {
      USSDGW_CHECK(null(e, "MAP: or-Interrogation is not NULL"));
      v.or_interrogation = true;
    } else if (e.tag == context(6)) {
      USSDGW_TRY(a, address(e, "MAP: bad gmsc-OrGsmSCF-Address"));
      v.gmsc_address = a;
    } else if (e.tag == context(7)) {
      USSDGW_TRY(c, octets(e, 1, 8, "MAP: callReferenceNumber is not 1..8 octets"));
      v.call_reference_number = c;
    }
  }
  if (!have_msisdn || !have_type) return Error{"MAP: SendRoutingInfoArg without msisdn or interrogationType", param.data()};
  return v;
}

Result<SendRoutingInfoRes> decode_send_routing_info_res(Bytes param) {
  USSDGW_TRY(t, whole(param));
  SendRoutingInfoRes v;
  v.bare = t.tag == ber::kSequence;
  if (!v.bare && t.tag != context(3, true)) return Error{"MAP: SendRoutingInfoRes is neither [3] nor SEQUENCE", param.data()};
  USSDGW_TRY(r, enter(t));
  // ForwardingData ::= SEQUENCE { forwardedToNumber [5] ISDN-AddressString OPTIONAL, ... }
  auto forwarding = [&](const Tlv& f) -> Status {
    USSDGW_TRY(fr, enter(f, "MAP: forwardingData is not constructed"));
    while (!fr.at_end()) {
      USSDGW_TRY(x, fr.next());
      if (x.tag == context(5)) {
        USSDGW_TRY(a, address(x, "MAP: bad forwardedToNumber"));
        v.forwarded_to_number = a;
      }
    }
    return Ok{};
  };
  while (!r.at_end()) {
    USSDGW_TRY(e, r.next());
    if (e.tag == kOctets && v.bare && !v.imsi) {  // v2: imsi, then roamingNumber
      USSDGW_TRY(i, imsi(e, "MAP: bad imsi in SendRoutingInfoRes"));
      v.imsi = i;
    } else if (e.tag == kOctets) {  // routingInfo: roamingNumber
      USSDGW_TRY(a, address(e, "MAP: bad roamingNumber"));
      v.roaming_number = a;
    } else if (e.tag == ber::kSequence && (!v.bare || v.imsi)) {  // routingInfo: forwardingData
      USSDGW_CHECK(forwarding(e));
    } else if (v.bare) {
      continue;  // v2 carries nothing else this decoder reads
    } else if (e.tag == context(9)) {
      USSDGW_TRY(i, imsi(e, "MAP: bad imsi in SendRoutingInfoRes"));
      v.imsi = i;
    } else if (e.tag == context(2)) {
      USSDGW_TRY(a, address(e, "MAP: bad vmsc-Address"));
      v.vmsc_address = a;
    } else if (e.tag == context(12)) {
      USSDGW_TRY(a, address(e, "MAP: bad msisdn in SendRoutingInfoRes"));
      v.msisdn = a;
    }
  }
  return v;
}

// ---------------------------------------------------------------------------
// 71 anyTimeInterrogation.

Result<AnyTimeInterrogationArg> decode_any_time_interrogation_arg(Bytes param) {
  USSDGW_TRY(r, open_sequence(param, "MAP: AnyTimeInterrogationArg is not a SEQUENCE"));
  AnyTimeInterrogationArg v;
  bool have_id = false, have_scf = false;
  while (!r.at_end()) {
    USSDGW_TRY(e, r.next());
    if (e.tag == context(0, true)) {  // SubscriberIdentity ::= CHOICE { imsi [0], msisdn [1] }
      USSDGW_TRY(ir, enter(e));
      USSDGW_TRY(c, ir.next());
      if (c.tag == context(0)) {
        USSDGW_TRY(i, imsi(c, "MAP: bad imsi in subscriberIdentity"));
        v.imsi = i;
      } else if (c.tag == context(1)) {
        USSDGW_TRY(a, address(c, "MAP: bad msisdn in subscriberIdentity"));
        v.msisdn = a;
      } else {
        return Error{"MAP: unknown subscriberIdentity choice", c.whole.data()};
      }
      have_id = true;
    } else if (e.tag == context(1, true)) {
      USSDGW_TRY(qr, enter(e));
      while (!qr.at_end()) {
        USSDGW_TRY(q, qr.next());
        if (q.tag == context(4)) {
          USSDGW_TRY(d, small_int(q, 0, 1, "MAP: requestedDomain out of range"));
          v.requested_domain = d;
        } else if (q.tag.cls == ber::Class::Context && !q.tag.constructed && q.value.empty() && q.tag.number < 32) {
          v.requested |= 1u << q.tag.number;
        }
      }
    } else if (e.tag == context(3)) {
      USSDGW_TRY(a, address(e, "MAP: bad gsmSCF-Address"));
      v.gsm_scf_address = a;
      have_scf = true;
    }
  }
  if (!have_id || !have_scf) return Error{"MAP: AnyTimeInterrogationArg without subscriberIdentity or gsmSCF-Address", param.data()};
  return v;
}

Result<AnyTimeInterrogationRes> decode_any_time_interrogation_res(Bytes param) {
  USSDGW_TRY(r, open_sequence(param, "MAP: AnyTimeInterrogationRes is not a SEQUENCE"));
  USSDGW_TRY(si_t, r.expect(ber::kSequence, "MAP: AnyTimeInterrogationRes without subscriberInfo"));
  USSDGW_TRY(si, r.enter(si_t));
  AnyTimeInterrogationRes v;
  while (!si.at_end()) {
    USSDGW_TRY(e, si.next());
    if (e.tag == context(0, true)) {  // LocationInformation
      USSDGW_TRY(lr, si.enter(e));
      while (!lr.at_end()) {
        USSDGW_TRY(l, lr.next());
        if (l.tag == ber::kInteger) {
          auto age = ber::to_integer(l);
          if (!age) return Error{"MAP: bad ageOfLocationInformation", l.whole.data()};
          v.age_of_location = *age;
        } else if (l.tag == context(0)) {
          USSDGW_TRY(g, octets(l, 8, 8, "MAP: geographicalInformation is not 8 octets"));
          v.geographical_information = g;
        } else if (l.tag == context(1)) {
          USSDGW_TRY(a, address(l, "MAP: bad vlr-number"));
          v.vlr_number = a;
        } else if (l.tag == context(6)) {
          USSDGW_TRY(a, address(l, "MAP: bad msc-Number"));
          v.msc_number = a;
        } else if (l.tag == context(3, true)) {  // CHOICE { cgi [0] SIZE(7), lai [1] SIZE(5) }
          USSDGW_TRY(cr, lr.enter(l));
          USSDGW_TRY(c, cr.next());
          if (c.tag == context(0)) {
            USSDGW_TRY(o, octets(c, 7, 7, "MAP: cellGlobalIdOrServiceAreaIdFixedLength is not 7 octets"));
            v.cell_global_id = o;
          } else if (c.tag == context(1)) {
            USSDGW_TRY(o, octets(c, 5, 5, "MAP: laiFixedLength is not 5 octets"));
            v.location_area_id = o;
          }
        }
      }
    } else if (e.tag == context(1, true)) {  // SubscriberState CHOICE
      USSDGW_TRY(sr, si.enter(e));
      USSDGW_TRY(s, sr.next());
      using S = AnyTimeInterrogationRes::State;
      if (s.tag == context(0)) v.state = S::AssumedIdle;
      else if (s.tag == context(1)) v.state = S::CamelBusy;
      else if (s.tag == context(2)) v.state = S::NotProvidedFromVlr;
      else if (s.tag == ber::kEnumerated) {
        USSDGW_TRY(n, small_int(s, 0, 255, "MAP: bad netDetNotReachable"));
        v.state = S::NetDetNotReachable;
        v.not_reachable_reason = n;
      }
    } else if (e.tag == context(5)) {
      // IMEI ::= TBCD-STRING (SIZE (8)).
      USSDGW_TRY(o, octets(e, 8, 8, "MAP: IMEI is not 8 octets"));
      auto d = decode_tbcd(o);
      if (!d) return Error{"MAP: bad IMEI digit", d.error().at};
      v.imei = d.value();
    }
  }
  return v;
}

}  // namespace ussdgw::map
