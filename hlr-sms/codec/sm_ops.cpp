#include "hlr-sms/codec/sm_ops.h"

#include "ussdgw/map_fields.h"

namespace ussdgw::sms {
namespace {

using ber::context;
using ber::Reader;
using ber::Tag;
using ber::Tlv;

constexpr Tag kOctets = ber::kOctetString;

// Field decoders (shared with the other MAP codecs, ussdgw/map_fields.h).
// Each keeps the pointer into the message for errors and says which element
// was wrong.
using fields::address;
using fields::imsi;
using fields::integer;
using fields::null;
using fields::open_sequence;

Result<Lmsi> lmsi(const Tlv& t) {
  if (t.value.size() != 4) return Error{"SMS: LMSI is not 4 octets", t.whole.data()};
  Lmsi l;
  for (std::size_t i = 0; i < 4; ++i) l.octets[i] = t.value[i];
  return l;
}

Result<bool> boolean(const Tlv& t, const char* what) {
  if (t.value.size() != 1) return Error{what, t.whole.data()};
  return t.value[0] != 0;  // BER: any non-zero octet is TRUE (X.690 §8.2.2)
}

Result<SmDeliveryOutcome> outcome(const Tlv& t) {
  USSDGW_TRY(v, integer(t, 0, 2, "SMS: sm-DeliveryOutcome out of range"));
  return static_cast<SmDeliveryOutcome>(v);
}

// Writers.

bool put_address(ber::Writer& w, Tag tag, const AddressString& a) {
  std::uint8_t buf[24];
  const std::size_t n = encode_address_string(a, buf, sizeof buf);
  if (n == 0) return false;
  w.put(tag, Bytes(buf, n));
  return true;
}

bool put_imsi(ber::Writer& w, Tag tag, const Imsi& i) {
  std::uint8_t buf[8];
  std::size_t n = 0;
  if (i.digits.size() < 5 || !encode_tbcd(i.digits.view(), buf, sizeof buf, n)) return false;
  w.put(tag, Bytes(buf, n));
  return true;
}

void put_if(ber::Writer& w, Tag tag, Bytes b) {
  if (!b.empty()) w.put(tag, b);
}
void raw_if(ber::Writer& w, Bytes whole) {
  if (!whole.empty()) w.put_raw(whole);
}
void null_if(ber::Writer& w, Tag tag, bool present) {
  if (present) w.put_null(tag);
}

// SM-RP-DA, SM-RP-OA and SM-RP-UI: the three leading, mandatory and
// positional elements of every forward-SM argument.
struct Head {
  SmRpDa da;
  SmRpOa oa;
  Bytes ui;
};

Result<Head> decode_head(Reader& r) {
  Head h;
  USSDGW_TRY(da_t, r.next());
  USSDGW_TRY(da, decode_sm_rp_da(da_t));
  h.da = da;
  if (r.at_end()) return Error{"SMS: sm-RP-OA missing", r.here()};
  USSDGW_TRY(oa_t, r.next());
  USSDGW_TRY(oa, decode_sm_rp_oa(oa_t));
  h.oa = oa;
  USSDGW_TRY(ui_t, r.expect(kOctets, "SMS: sm-RP-UI missing"));
  if (ui_t.value.empty() || ui_t.value.size() > 200)
    return Error{"SMS: sm-RP-UI not 1..200 octets", ui_t.whole.data()};
  h.ui = ui_t.value;
  return h;
}

bool encode_head(ber::Writer& w, const SmRpDa& da, const SmRpOa& oa, Bytes ui) {
  if (!encode(w, da) || !encode(w, oa)) return false;
  w.put(kOctets, ui);
  return true;
}

}  // namespace

// ---------------------------------------------------------------------------
// SM-RP-DA / SM-RP-OA (§17.7.6).

Result<SmRpDa> decode_sm_rp_da(const Tlv& t) {
  SmRpDa v;
  if (t.tag == context(0)) {
    USSDGW_TRY(i, imsi(t, "SMS: bad IMSI in sm-RP-DA"));
    v.kind = SmRpDa::Kind::Imsi;
    v.imsi = i;
  } else if (t.tag == context(1)) {
    USSDGW_TRY(l, lmsi(t));
    v.kind = SmRpDa::Kind::Lmsi;
    v.lmsi = l;
  } else if (t.tag == context(4)) {
    USSDGW_TRY(a, address(t, "SMS: bad serviceCentreAddressDA"));
    v.kind = SmRpDa::Kind::ServiceCentre;
    v.sca.address = a;
  } else if (t.tag == context(5)) {
    USSDGW_CHECK(null(t, "SMS: noSM-RP-DA is not NULL"));
    v.kind = SmRpDa::Kind::None;
  } else {
    return Error{"SMS: unknown sm-RP-DA choice", t.whole.data()};
  }
  return v;
}

Result<SmRpOa> decode_sm_rp_oa(const Tlv& t) {
  SmRpOa v;
  if (t.tag == context(2)) {
    USSDGW_TRY(a, address(t, "SMS: bad msisdn in sm-RP-OA"));
    v.kind = SmRpOa::Kind::Msisdn;
    v.msisdn = a;
  } else if (t.tag == context(4)) {
    USSDGW_TRY(a, address(t, "SMS: bad serviceCentreAddressOA"));
    v.kind = SmRpOa::Kind::ServiceCentre;
    v.sca.address = a;
  } else if (t.tag == context(5)) {
    USSDGW_CHECK(null(t, "SMS: noSM-RP-OA is not NULL"));
    v.kind = SmRpOa::Kind::None;
  } else {
    return Error{"SMS: unknown sm-RP-OA choice", t.whole.data()};
  }
  return v;
}

bool encode(ber::Writer& w, const SmRpDa& v) {
  switch (v.kind) {
    case SmRpDa::Kind::Imsi: return put_imsi(w, context(0), v.imsi);
    case SmRpDa::Kind::Lmsi: w.put(context(1), v.lmsi.octets); return true;
    case SmRpDa::Kind::ServiceCentre: return put_address(w, context(4), v.sca.address);
    case SmRpDa::Kind::None: w.put_null(context(5)); return true;
  }
  return false;
}

bool encode(ber::Writer& w, const SmRpOa& v) {
  switch (v.kind) {
    case SmRpOa::Kind::Msisdn: return put_address(w, context(2), v.msisdn);
    case SmRpOa::Kind::ServiceCentre: return put_address(w, context(4), v.sca.address);
    case SmRpOa::Kind::None: w.put_null(context(5)); return true;
  }
  return false;
}

// ---------------------------------------------------------------------------
// 45 sendRoutingInfoForSM.

Result<RoutingInfoForSmArg> decode_routing_info_for_sm_arg(Bytes param) {
  USSDGW_TRY(r, open_sequence(param, "SMS: RoutingInfoForSM-Arg is not a SEQUENCE"));
  RoutingInfoForSmArg v;
  bool have_msisdn = false, have_pri = false, have_sca = false;
  while (!r.at_end()) {
    USSDGW_TRY(t, r.next());
    if (t.tag.cls != ber::Class::Context) continue;  // no universal elements here: skipped
    if (t.tag == context(0)) {
      USSDGW_TRY(a, address(t, "SMS: bad msisdn in RoutingInfoForSM-Arg"));
      v.msisdn = a;
      have_msisdn = true;
    } else if (t.tag == context(1)) {
      USSDGW_TRY(b, boolean(t, "SMS: bad sm-RP-PRI"));
      v.sm_rp_pri = b;
      have_pri = true;
    } else if (t.tag == context(2)) {
      USSDGW_TRY(a, address(t, "SMS: bad serviceCentreAddress"));
      v.service_centre_address.address = a;
      have_sca = true;
    } else if (t.tag == context(5)) {
      if (t.value.size() != 1) return Error{"SMS: teleservice is not one octet", t.whole.data()};
      v.teleservice = t.value[0];
    } else if (t.tag == context(6, true)) {
      v.extension_container = t.whole;
    } else if (t.tag == context(7)) {
      USSDGW_CHECK(null(t, "SMS: gprsSupportIndicator is not NULL"));
      v.gprs_support_indicator = true;
    } else if (t.tag == context(8)) {
      USSDGW_TRY(i, integer(t, 0, 10, "SMS: sm-RP-MTI out of range"));
      v.sm_rp_mti = static_cast<std::uint8_t>(i);
    } else if (t.tag == context(9)) {
      if (t.value.empty() || t.value.size() > 12) return Error{"SMS: sm-RP-SMEA not 1..12 octets", t.whole.data()};
      v.sm_rp_smea = t.value;
    } else if (t.tag == context(10)) {
      USSDGW_TRY(i, integer(t, 0, 1, "SMS: sm-deliveryNotIntended out of range"));
      v.sm_delivery_not_intended = static_cast<std::uint8_t>(i);
    } else if (t.tag == context(11)) {
      USSDGW_CHECK(null(t, "SMS: ip-sm-gwGuidanceIndicator is not NULL"));
      v.ip_sm_gw_guidance_indicator = true;
    } else if (t.tag == context(12)) {
      USSDGW_TRY(i, imsi(t, "SMS: bad imsi in RoutingInfoForSM-Arg"));
      v.imsi = i;
    } else if (t.tag == context(13)) {
      USSDGW_CHECK(null(t, "SMS: singleAttemptDelivery is not NULL"));
      v.single_attempt_delivery = true;
    } else if (t.tag == context(14)) {
      USSDGW_CHECK(null(t, "SMS: t4-Trigger-Indicator is not NULL"));
      v.t4_trigger_indicator = true;
    } else if (t.tag == context(15, true)) {
      v.correlation_id = t.whole;
    }
    // Anything else is a later extension: skipped (X.680 §52).
  }
  if (!have_msisdn) return Error{"SMS: RoutingInfoForSM-Arg without msisdn", param.data()};
  if (!have_pri) return Error{"SMS: RoutingInfoForSM-Arg without sm-RP-PRI", param.data()};
  if (!have_sca) return Error{"SMS: RoutingInfoForSM-Arg without serviceCentreAddress", param.data()};
  return v;
}

bool encode(ber::Writer& w, const RoutingInfoForSmArg& v) {
  auto m = w.open(ber::kSequence);
  if (!put_address(w, context(0), v.msisdn)) return false;
  w.put_boolean(context(1), v.sm_rp_pri);
  if (!put_address(w, context(2), v.service_centre_address.address)) return false;
  if (v.teleservice) {
    const std::uint8_t ts = *v.teleservice;
    w.put(context(5), Bytes(&ts, 1));
  }
  raw_if(w, v.extension_container);
  null_if(w, context(7), v.gprs_support_indicator);
  if (v.sm_rp_mti) w.put_integer(context(8), *v.sm_rp_mti);
  put_if(w, context(9), v.sm_rp_smea);
  if (v.sm_delivery_not_intended) w.put_integer(context(10), *v.sm_delivery_not_intended);
  null_if(w, context(11), v.ip_sm_gw_guidance_indicator);
  if (v.imsi && !put_imsi(w, context(12), *v.imsi)) return false;
  // ASN.1 order: t4-Trigger-Indicator [14] precedes singleAttemptDelivery [13].
  null_if(w, context(14), v.t4_trigger_indicator);
  null_if(w, context(13), v.single_attempt_delivery);
  raw_if(w, v.correlation_id);
  w.close(m);
  return w.ok();
}

Result<RoutingInfoForSmRes> decode_routing_info_for_sm_res(Bytes param) {
  USSDGW_TRY(r, open_sequence(param, "SMS: RoutingInfoForSM-Res is not a SEQUENCE"));
  RoutingInfoForSmRes v;
  USSDGW_TRY(imsi_t, r.expect(kOctets, "SMS: RoutingInfoForSM-Res without imsi"));
  USSDGW_TRY(i, imsi(imsi_t, "SMS: bad imsi in RoutingInfoForSM-Res"));
  v.imsi = i;
  USSDGW_TRY(loc_t, r.expect(context(0, true), "SMS: RoutingInfoForSM-Res without locationInfoWithLMSI"));
  USSDGW_TRY(lr, r.enter(loc_t));
  bool have_nnn = false;
  while (!lr.at_end()) {
    USSDGW_TRY(t, lr.next());
    if (t.tag == context(1)) {
      USSDGW_TRY(a, address(t, "SMS: bad networkNode-Number"));
      v.location.network_node_number = a;
      have_nnn = true;
    } else if (t.tag == kOctets) {
      USSDGW_TRY(l, lmsi(t));
      v.location.lmsi = l;
    } else if (t.tag == ber::kSequence) {
      v.location.extension_container = t.whole;
    } else if (t.tag == context(5)) {
      USSDGW_CHECK(null(t, "SMS: gprsNodeIndicator is not NULL"));
      v.location.gprs_node_indicator = true;
    } else if (t.tag == context(6, true)) {
      USSDGW_TRY(ar, lr.enter(t));
      USSDGW_TRY(c, ar.next());
      if (c.tag == context(0)) {
        v.location.additional_kind = LocationInfoWithLmsi::AdditionalKind::Msc;
      } else if (c.tag == context(1)) {
        v.location.additional_kind = LocationInfoWithLmsi::AdditionalKind::Sgsn;
      } else {
        return Error{"SMS: unknown additional-Number choice", c.whole.data()};
      }
      USSDGW_TRY(a, address(c, "SMS: bad additional-Number"));
      v.location.additional_number = a;
    }
  }
  if (!have_nnn) return Error{"SMS: locationInfoWithLMSI without networkNode-Number", loc_t.whole.data()};
  while (!r.at_end()) {
    USSDGW_TRY(t, r.next());
    if (t.tag == context(2)) {
      USSDGW_TRY(b, boolean(t, "SMS: bad mwd-Set"));
      v.mwd_set = b;
    } else if (t.tag == context(4, true)) {
      v.extension_container = t.whole;
    } else if (t.tag == context(5, true)) {
      v.ip_sm_gw_guidance = t.whole;
    }
  }
  return v;
}

bool encode(ber::Writer& w, const RoutingInfoForSmRes& v) {
  auto m = w.open(ber::kSequence);
  if (!put_imsi(w, kOctets, v.imsi)) return false;
  auto l = w.open(context(0, true));
  if (!put_address(w, context(1), v.location.network_node_number)) return false;
  if (v.location.lmsi) w.put(kOctets, v.location.lmsi->octets);
  raw_if(w, v.location.extension_container);
  null_if(w, context(5), v.location.gprs_node_indicator);
  if (v.location.additional_kind != LocationInfoWithLmsi::AdditionalKind::None) {
    auto a = w.open(context(6, true));
    const bool msc = v.location.additional_kind == LocationInfoWithLmsi::AdditionalKind::Msc;
    if (!put_address(w, context(msc ? 0 : 1), v.location.additional_number)) return false;
    w.close(a);
  }
  w.close(l);
  if (v.mwd_set) w.put_boolean(context(2), *v.mwd_set);
  raw_if(w, v.extension_container);
  raw_if(w, v.ip_sm_gw_guidance);
  w.close(m);
  return w.ok();
}

// ---------------------------------------------------------------------------
// 44 mt-forwardSM, 46 mo-forwardSM and forwardSM.

Result<MtForwardSmArg> decode_mt_forward_sm_arg(Bytes param) {
  USSDGW_TRY(r, open_sequence(param, "SMS: MT-ForwardSM-Arg is not a SEQUENCE"));
  USSDGW_TRY(h, decode_head(r));
  MtForwardSmArg v;
  v.sm_rp_da = h.da;
  v.sm_rp_oa = h.oa;
  v.sm_rp_ui = h.ui;
  while (!r.at_end()) {
    USSDGW_TRY(t, r.next());
    if (t.tag == ber::kNull) {
      USSDGW_CHECK(null(t, "SMS: moreMessagesToSend is not NULL"));
      v.more_messages_to_send = true;
    } else if (t.tag == ber::kSequence) {
      v.extension_container = t.whole;
    } else if (t.tag == ber::kInteger) {
      USSDGW_TRY(i, integer(t, 0, 0xffff, "SMS: bad smDeliveryTimer"));
      v.sm_delivery_timer = i;
    } else if (t.tag == kOctets) {
      v.sm_delivery_start_time = t.value;
    } else if (t.tag == context(0)) {
      USSDGW_CHECK(null(t, "SMS: smsOverIP-OnlyIndicator is not NULL"));
      v.sms_over_ip_only_indicator = true;
    } else if (t.tag == context(1, true)) {
      v.correlation_id = t.whole;
    } else if (t.tag == context(2)) {
      v.maximum_retransmission_time = t.value;
    } else if (t.tag == context(3)) {
      USSDGW_TRY(a, address(t, "SMS: bad smsGmscAddress"));
      v.sms_gmsc_address = a;
    } else if (t.tag == context(4, true)) {
      v.sms_gmsc_diameter_address = t.whole;
    }
  }
  return v;
}

bool encode(ber::Writer& w, const MtForwardSmArg& v) {
  auto m = w.open(ber::kSequence);
  if (!encode_head(w, v.sm_rp_da, v.sm_rp_oa, v.sm_rp_ui)) return false;
  null_if(w, ber::kNull, v.more_messages_to_send);
  raw_if(w, v.extension_container);
  if (v.sm_delivery_timer) w.put_integer(ber::kInteger, *v.sm_delivery_timer);
  put_if(w, kOctets, v.sm_delivery_start_time);
  null_if(w, context(0), v.sms_over_ip_only_indicator);
  raw_if(w, v.correlation_id);
  put_if(w, context(2), v.maximum_retransmission_time);
  if (v.sms_gmsc_address && !put_address(w, context(3), *v.sms_gmsc_address)) return false;
  raw_if(w, v.sms_gmsc_diameter_address);
  w.close(m);
  return w.ok();
}

Result<MoForwardSmArg> decode_mo_forward_sm_arg(Bytes param) {
  USSDGW_TRY(r, open_sequence(param, "SMS: MO-ForwardSM-Arg is not a SEQUENCE"));
  USSDGW_TRY(h, decode_head(r));
  MoForwardSmArg v;
  v.sm_rp_da = h.da;
  v.sm_rp_oa = h.oa;
  v.sm_rp_ui = h.ui;
  while (!r.at_end()) {
    USSDGW_TRY(t, r.next());
    if (t.tag == ber::kSequence) {
      v.extension_container = t.whole;
    } else if (t.tag == kOctets) {
      USSDGW_TRY(i, imsi(t, "SMS: bad imsi in MO-ForwardSM-Arg"));
      v.imsi = i;
    } else if (t.tag == context(0, true)) {
      v.correlation_id = t.whole;
    } else if (t.tag == context(1)) {
      USSDGW_TRY(o, outcome(t));
      v.sm_delivery_outcome = o;
    }
  }
  return v;
}

bool encode(ber::Writer& w, const MoForwardSmArg& v) {
  auto m = w.open(ber::kSequence);
  if (!encode_head(w, v.sm_rp_da, v.sm_rp_oa, v.sm_rp_ui)) return false;
  raw_if(w, v.extension_container);
  if (v.imsi && !put_imsi(w, kOctets, *v.imsi)) return false;
  raw_if(w, v.correlation_id);
  if (v.sm_delivery_outcome) w.put_integer(context(1), static_cast<std::int64_t>(*v.sm_delivery_outcome));
  w.close(m);
  return w.ok();
}

Result<ForwardSmArg> decode_forward_sm_arg(Bytes param) {
  USSDGW_TRY(r, open_sequence(param, "SMS: ForwardSM-Arg is not a SEQUENCE"));
  USSDGW_TRY(h, decode_head(r));
  ForwardSmArg v;
  v.sm_rp_da = h.da;
  v.sm_rp_oa = h.oa;
  v.sm_rp_ui = h.ui;
  while (!r.at_end()) {
    USSDGW_TRY(t, r.next());
    if (t.tag == ber::kNull) {
      USSDGW_CHECK(null(t, "SMS: moreMessagesToSend is not NULL"));
      v.more_messages_to_send = true;
    }
  }
  return v;
}

bool encode(ber::Writer& w, const ForwardSmArg& v) {
  auto m = w.open(ber::kSequence);
  if (!encode_head(w, v.sm_rp_da, v.sm_rp_oa, v.sm_rp_ui)) return false;
  null_if(w, ber::kNull, v.more_messages_to_send);
  w.close(m);
  return w.ok();
}

Result<ForwardSmRes> decode_forward_sm_res(Bytes param) {
  USSDGW_TRY(r, open_sequence(param, "SMS: ForwardSM-Res is not a SEQUENCE"));
  ForwardSmRes v;
  while (!r.at_end()) {
    USSDGW_TRY(t, r.next());
    if (t.tag == kOctets) {
      if (t.value.empty() || t.value.size() > 200)
        return Error{"SMS: sm-RP-UI not 1..200 octets", t.whole.data()};
      v.sm_rp_ui = t.value;
    } else if (t.tag == ber::kSequence) {
      v.extension_container = t.whole;
    }
  }
  return v;
}

bool encode(ber::Writer& w, const ForwardSmRes& v) {
  auto m = w.open(ber::kSequence);
  put_if(w, kOctets, v.sm_rp_ui);
  raw_if(w, v.extension_container);
  w.close(m);
  return w.ok();
}

// ---------------------------------------------------------------------------
// 47 reportSM-DeliveryStatus.

Result<ReportSmDeliveryStatusArg> decode_report_sm_delivery_status_arg(Bytes param) {
  USSDGW_TRY(r, open_sequence(param, "SMS: ReportSM-DeliveryStatusArg is not a SEQUENCE"));
  ReportSmDeliveryStatusArg v;
  USSDGW_TRY(m_t, r.expect(kOctets, "SMS: ReportSM-DeliveryStatusArg without msisdn"));
  USSDGW_TRY(ms, address(m_t, "SMS: bad msisdn in ReportSM-DeliveryStatusArg"));
  v.msisdn = ms;
  USSDGW_TRY(s_t, r.expect(kOctets, "SMS: ReportSM-DeliveryStatusArg without serviceCentreAddress"));
  USSDGW_TRY(sca, address(s_t, "SMS: bad serviceCentreAddress"));
  v.service_centre_address.address = sca;
  USSDGW_TRY(o_t, r.expect(ber::kEnumerated, "SMS: ReportSM-DeliveryStatusArg without sm-DeliveryOutcome"));
  USSDGW_TRY(o, outcome(o_t));
  v.sm_delivery_outcome = o;
  while (!r.at_end()) {
    USSDGW_TRY(t, r.next());
    if (t.tag == context(0)) {
      USSDGW_TRY(i, integer(t, 0, 255, "SMS: bad absentSubscriberDiagnosticSM"));
      v.absent_subscriber_diagnostic_sm = static_cast<std::uint8_t>(i);
    } else if (t.tag == context(1, true)) {
      v.extension_container = t.whole;
    } else if (t.tag == context(2)) {
      USSDGW_CHECK(null(t, "SMS: gprsSupportIndicator is not NULL"));
      v.gprs_support_indicator = true;
    } else if (t.tag == context(3)) {
      USSDGW_CHECK(null(t, "SMS: deliveryOutcomeIndicator is not NULL"));
      v.delivery_outcome_indicator = true;
    } else if (t.tag == context(4)) {
      USSDGW_TRY(x, outcome(t));
      v.additional_sm_delivery_outcome = x;
    } else if (t.tag == context(5)) {
      USSDGW_TRY(i, integer(t, 0, 255, "SMS: bad additionalAbsentSubscriberDiagnosticSM"));
      v.additional_absent_subscriber_diagnostic_sm = static_cast<std::uint8_t>(i);
    } else if (t.tag == context(6)) {
      USSDGW_CHECK(null(t, "SMS: ip-sm-gw-Indicator is not NULL"));
      v.ip_sm_gw_indicator = true;
    } else if (t.tag == context(7)) {
      USSDGW_TRY(x, outcome(t));
      v.ip_sm_gw_sm_delivery_outcome = x;
    } else if (t.tag == context(8)) {
      USSDGW_TRY(i, integer(t, 0, 255, "SMS: bad ip-sm-gw-absentSubscriberDiagnosticSM"));
      v.ip_sm_gw_absent_subscriber_diagnostic_sm = static_cast<std::uint8_t>(i);
    } else if (t.tag == context(9)) {
      USSDGW_TRY(i, imsi(t, "SMS: bad imsi in ReportSM-DeliveryStatusArg"));
      v.imsi = i;
    } else if (t.tag == context(10)) {
      USSDGW_CHECK(null(t, "SMS: singleAttemptDelivery is not NULL"));
      v.single_attempt_delivery = true;
    } else if (t.tag == context(11, true)) {
      v.correlation_id = t.whole;
    }
  }
  return v;
}

bool encode(ber::Writer& w, const ReportSmDeliveryStatusArg& v) {
  auto m = w.open(ber::kSequence);
  if (!put_address(w, kOctets, v.msisdn)) return false;
  if (!put_address(w, kOctets, v.service_centre_address.address)) return false;
  w.put_integer(ber::kEnumerated, static_cast<std::int64_t>(v.sm_delivery_outcome));
  if (v.absent_subscriber_diagnostic_sm) w.put_integer(context(0), *v.absent_subscriber_diagnostic_sm);
  raw_if(w, v.extension_container);
  null_if(w, context(2), v.gprs_support_indicator);
  null_if(w, context(3), v.delivery_outcome_indicator);
  if (v.additional_sm_delivery_outcome)
    w.put_integer(context(4), static_cast<std::int64_t>(*v.additional_sm_delivery_outcome));
  if (v.additional_absent_subscriber_diagnostic_sm)
    w.put_integer(context(5), *v.additional_absent_subscriber_diagnostic_sm);
  null_if(w, context(6), v.ip_sm_gw_indicator);
  if (v.ip_sm_gw_sm_delivery_outcome)
    w.put_integer(context(7), static_cast<std::int64_t>(*v.ip_sm_gw_sm_delivery_outcome));
  if (v.ip_sm_gw_absent_subscriber_diagnostic_sm)
    w.put_integer(context(8), *v.ip_sm_gw_absent_subscriber_diagnostic_sm);
  if (v.imsi && !put_imsi(w, context(9), *v.imsi)) return false;
  null_if(w, context(10), v.single_attempt_delivery);
  raw_if(w, v.correlation_id);
  w.close(m);
  return w.ok();
}

Result<ReportSmDeliveryStatusRes> decode_report_sm_delivery_status_res(Bytes param) {
  USSDGW_TRY(top, ber::parse_single(param));
  ReportSmDeliveryStatusRes v;
  if (top.tag == kOctets) {  // MAP v1/v2: RESULT storedMSISDN ISDN-AddressString
    USSDGW_TRY(a, address(top, "SMS: bad storedMSISDN"));
    v.stored_msisdn = a;
    v.bare = true;
    return v;
  }
  if (top.tag != ber::kSequence) return Error{"SMS: ReportSM-DeliveryStatusRes is not a SEQUENCE", param.data()};
  USSDGW_TRY(r, Reader(param).enter(top));
  while (!r.at_end()) {
    USSDGW_TRY(t, r.next());
    if (t.tag == kOctets) {
      USSDGW_TRY(a, address(t, "SMS: bad storedMSISDN"));
      v.stored_msisdn = a;
    } else if (t.tag == ber::kSequence) {
      v.extension_container = t.whole;
    }
  }
  return v;
}

bool encode(ber::Writer& w, const ReportSmDeliveryStatusRes& v) {
  if (v.bare) return v.stored_msisdn && put_address(w, kOctets, *v.stored_msisdn) && w.ok();
  auto m = w.open(ber::kSequence);
  if (v.stored_msisdn && !put_address(w, kOctets, *v.stored_msisdn)) return false;
  raw_if(w, v.extension_container);
  w.close(m);
  return w.ok();
}

// ---------------------------------------------------------------------------
// 63 informServiceCentre.

Result<InformServiceCentreArg> decode_inform_service_centre_arg(Bytes param) {
  USSDGW_TRY(r, open_sequence(param, "SMS: InformServiceCentreArg is not a SEQUENCE"));
  InformServiceCentreArg v;
  while (!r.at_end()) {
    USSDGW_TRY(t, r.next());
    if (t.tag == kOctets) {
      USSDGW_TRY(a, address(t, "SMS: bad storedMSISDN"));
      v.stored_msisdn = a;
    } else if (t.tag == ber::universal(3)) {
      // MW-Status ::= BIT STRING { sc-AddressNotIncluded(0), mnrf-Set(1),
      // mcef-Set(2), mnrg-Set(3), mnr5g-Set(4), mnr5gn3g-Set(5) } (SIZE (6..16))
      if (t.value.empty() || t.value[0] > 7 || (t.value.size() == 1 && t.value[0] != 0))
        return Error{"SMS: bad mw-Status BIT STRING", t.whole.data()};
      const std::size_t nbits = (t.value.size() - 1) * 8 - t.value[0];
      auto bit = [&](std::size_t i) { return i < nbits && ((t.value[1 + i / 8] >> (7 - i % 8)) & 1) != 0; };
      MwStatus s;
      s.sc_address_not_included = bit(0);
      s.mnrf_set = bit(1);
      s.mcef_set = bit(2);
      s.mnrg_set = bit(3);
      s.mnr5g_set = bit(4);
      s.mnr5gn3g_set = bit(5);
      v.mw_status = s;
    } else if (t.tag == ber::kSequence) {
      v.extension_container = t.whole;
    } else if (t.tag == ber::kInteger) {
      USSDGW_TRY(i, integer(t, 0, 255, "SMS: bad absentSubscriberDiagnosticSM"));
      v.absent_subscriber_diagnostic_sm = static_cast<std::uint8_t>(i);
    } else if (t.tag == context(0)) {
      USSDGW_TRY(i, integer(t, 0, 255, "SMS: bad additionalAbsentSubscriberDiagnosticSM"));
      v.additional_absent_subscriber_diagnostic_sm = static_cast<std::uint8_t>(i);
    }
  }
  return v;
}

bool encode(ber::Writer& w, const InformServiceCentreArg& v) {
  auto m = w.open(ber::kSequence);
  if (v.stored_msisdn && !put_address(w, kOctets, *v.stored_msisdn)) return false;
  if (v.mw_status) {
    // Six named bits fit one octet; SIZE (6..16) keeps all six, so two unused bits.
    const MwStatus& s = *v.mw_status;
    const std::uint8_t bits = static_cast<std::uint8_t>(
        (s.sc_address_not_included ? 0x80 : 0) | (s.mnrf_set ? 0x40 : 0) | (s.mcef_set ? 0x20 : 0) |
        (s.mnrg_set ? 0x10 : 0) | (s.mnr5g_set ? 0x08 : 0) | (s.mnr5gn3g_set ? 0x04 : 0));
    const std::uint8_t content[2] = {2, bits};
    w.put(ber::universal(3), content);
  }
  raw_if(w, v.extension_container);
  if (v.absent_subscriber_diagnostic_sm) w.put_integer(ber::kInteger, *v.absent_subscriber_diagnostic_sm);
  if (v.additional_absent_subscriber_diagnostic_sm)
    w.put_integer(context(0), *v.additional_absent_subscriber_diagnostic_sm);
  w.close(m);
  return w.ok();
}

// ---------------------------------------------------------------------------
// 64 alertServiceCentre / 49 alertServiceCentreWithoutResult.

Result<AlertServiceCentreArg> decode_alert_service_centre_arg(Bytes param) {
  USSDGW_TRY(r, open_sequence(param, "SMS: AlertServiceCentreArg is not a SEQUENCE"));
  AlertServiceCentreArg v;
  USSDGW_TRY(m_t, r.expect(kOctets, "SMS: AlertServiceCentreArg without msisdn"));
  USSDGW_TRY(ms, address(m_t, "SMS: bad msisdn in AlertServiceCentreArg"));
  v.msisdn = ms;
  USSDGW_TRY(s_t, r.expect(kOctets, "SMS: AlertServiceCentreArg without serviceCentreAddress"));
  USSDGW_TRY(sca, address(s_t, "SMS: bad serviceCentreAddress"));
  v.service_centre_address.address = sca;
  while (!r.at_end()) {
    USSDGW_TRY(t, r.next());
    if (t.tag == kOctets && !v.imsi) {
      USSDGW_TRY(i, imsi(t, "SMS: bad imsi in AlertServiceCentreArg"));
      v.imsi = i;
    }
  }
  return v;
}

bool encode(ber::Writer& w, const AlertServiceCentreArg& v) {
  auto m = w.open(ber::kSequence);
  if (!put_address(w, kOctets, v.msisdn)) return false;
  if (!put_address(w, kOctets, v.service_centre_address.address)) return false;
  if (v.imsi && !put_imsi(w, kOctets, *v.imsi)) return false;
  w.close(m);
  return w.ok();
}

}  // namespace ussdgw::sms
