// MAP layer of the decode output: operation/error names, the USSD and SMS
// parameters (TS 29.002 §17.7.4, §17.7.6) and the SMS TPDU (TS 23.040).
#include <string>
#include <type_traits>

#include "tools/decode/describe.h"
#include "tools/decode/describe_mobility.h"
#include "gateway/codec/map_dialogue.h"
#include "tools/decode/map_text.h"
#include "hlr-sms/codec/sm_ops.h"
#include "hlr-sms/codec/tpdu.h"
#include "ussd/codec/ussd_ops.h"

namespace ussdgw::decode {

using nlohmann::json;

namespace {

json da_json(const sms::SmRpDa& da) {
  switch (da.kind) {
    case sms::SmRpDa::Kind::Imsi: return json{{"kind", "imsi"}, {"digits", da.imsi.digits.str()}};
    case sms::SmRpDa::Kind::Lmsi:
      return json{{"kind", "lmsi"}, {"hex", to_hex(Bytes(da.lmsi.octets.data(), da.lmsi.octets.size()))}};
    case sms::SmRpDa::Kind::ServiceCentre:
      return json{{"kind", "service_centre"}, {"digits", digits(da.sca.address)}};
    case sms::SmRpDa::Kind::None: return json{{"kind", "none"}};
  }
  return json{{"kind", "unknown"}};
}

json oa_json(const sms::SmRpOa& oa) {
  switch (oa.kind) {
    case sms::SmRpOa::Kind::Msisdn: return json{{"kind", "msisdn"}, {"digits", digits(oa.msisdn)}};
    case sms::SmRpOa::Kind::ServiceCentre:
      return json{{"kind", "service_centre"}, {"digits", digits(oa.sca.address)}};
    case sms::SmRpOa::Kind::None: return json{{"kind", "none"}};
  }
  return json{{"kind", "unknown"}};
}

json tp_address_json(const sms::TpAddress& a) {
  json j{{"ton", a.ton}, {"npi", a.npi}};
  if (a.alphanumeric()) j["text"] = a.value.str();
  else j["digits"] = a.value.str();
  return j;
}

void user_data_json(const sms::UserData& ud, const sms::Dcs& dcs, json& j) {
  j["dcs"] = dcs.raw;
  j["text"] = ud.text.str();
  if (ud.udh && ud.udh->concat) {
    const auto& c = *ud.udh->concat;
    j["concat"] = json{{"reference", c.ref}, {"total", c.total}, {"sequence", c.seq}};
    if (c.ref16) j["concat"]["ref16"] = true;  // IEI 0x08 (§9.2.3.24.8)
  }
}

// A TPDU or a USSD text that cannot be read is a content error, not a frame
// error: the MAP message around it is well formed and a network element
// would carry it on (the S12 vectors hold synthetic TPDUs, U07 #3 jss7's
// non-conformant DCS 0x11 string). It is reported inside the value, with the
// offset, and does not make `ussdgw decode` exit non-zero (docs/decode.md).
json tpdu_json(Bytes ui, sms::Direction dir, json& /*frame_error*/) {
  json j;
  auto t = sms::decode_tpdu(ui, dir);
  if (!t) {
    j["error"] = layer_error("tpdu", ui, t.error());
    j["hex"] = to_hex(ui);
    return j;
  }
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, sms::Deliver>) {
          j["type"] = "sms-deliver";
          j["originator"] = tp_address_json(v.oa);
          j["pid"] = v.pid;
          j["scts"] = v.scts.iso8601().str();
          user_data_json(v.ud, v.dcs, j);
        } else if constexpr (std::is_same_v<T, sms::Submit>) {
          j["type"] = "sms-submit";
          j["message_reference"] = v.mr;
          j["destination"] = tp_address_json(v.da);
          j["pid"] = v.pid;
          user_data_json(v.ud, v.dcs, j);
        } else if constexpr (std::is_same_v<T, sms::DeliverReport>) {
          j["type"] = "sms-deliver-report";
          if (v.dcs && v.ud) user_data_json(*v.ud, *v.dcs, j);
        } else if constexpr (std::is_same_v<T, sms::SubmitReport>) {
          j["type"] = "sms-submit-report";
          j["scts"] = v.scts.iso8601().str();
        } else if constexpr (std::is_same_v<T, sms::StatusReport>) {
          j["type"] = "sms-status-report";
          j["message_reference"] = v.mr;
          j["recipient"] = tp_address_json(v.ra);
          j["status"] = v.st;
        }
      },
      *t);
  return j;
}

// The TPDU direction follows from where the message goes (TS 29.002
// §12.2, §12.9): towards an IMSI/LMSI it is mobile-terminated.
sms::Direction direction_of(const sms::SmRpDa& da) {
  return da.kind == sms::SmRpDa::Kind::ServiceCentre ? sms::Direction::MsToSc : sms::Direction::ScToMs;
}

// CorrelationID ::= SEQUENCE { hlr-id [0] HLR-Id OPTIONAL, sip-uri-A [1]
// OPTIONAL, sip-uri-B [2] OPTIONAL } (TS 29.002 §17.7.6); HLR-Id is an IMSI.
// Only the hlr-id is shown; the whole TLV is given in hex.
json correlation_id_json(Bytes tlv) {
  json j{{"raw", to_hex(tlv)}};
  auto t = ber::parse_single(tlv);
  if (!t) return j;
  auto r = ber::Reader(t->value, 1);
  while (!r.at_end()) {
    auto e = r.next();
    if (!e) break;
    if (e->tag == ber::context(0)) {
      if (auto d = decode_tbcd(e->value)) j["hlr_id"] = d->str();
    }
  }
  return j;
}

json ussd_arg_json(Bytes p, json& error) {
  json j;
  ussd::UssdArg a;
  if (!take(ussd::decode_ussd_arg(p), p, "map", error, a)) return j;
  j["dcs"] = a.dcs.value;
  j["string"] = to_hex(a.string);
  auto t = ussd::decode_text(a.dcs, a.string);
  if (t) {
    j["text"] = t->text.str();
    if (t->language) j["language"] = t->language->str();
  } else {
    j["text_error"] = layer_error("ussd", a.string, t.error());  // content error, see tpdu_json
  }
  if (a.alerting_pattern) j["alerting_pattern"] = a.alerting_pattern->value;
  if (a.msisdn) j["msisdn"] = a.msisdn->digits.str();
  return j;
}

json ussd_res_json(Bytes p, json& error) {
  json j;
  ussd::UssdRes r;
  if (!take(ussd::decode_ussd_res(p), p, "map", error, r)) return j;
  j["dcs"] = r.dcs.value;
  j["string"] = to_hex(r.string);
  auto t = ussd::decode_text(r.dcs, r.string);
  if (t) {
    j["text"] = t->text.str();
    if (t->language) j["language"] = t->language->str();
  } else {
    j["text_error"] = layer_error("ussd", r.string, t.error());  // content error, see tpdu_json
  }
  return j;
}

json sri_sm_arg_json(Bytes p, json& error) {
  json j;
  sms::RoutingInfoForSmArg a;
  if (!take(sms::decode_routing_info_for_sm_arg(p), p, "map", error, a)) return j;
  j["msisdn"] = digits(a.msisdn);
  j["sm_rp_pri"] = a.sm_rp_pri;
  j["service_centre"] = digits(a.service_centre_address.address);
  if (a.teleservice) j["teleservice"] = *a.teleservice;
  if (a.gprs_support_indicator) j["gprs_support_indicator"] = true;
  if (a.sm_rp_mti) j["sm_rp_mti"] = *a.sm_rp_mti;
  if (!a.sm_rp_smea.empty()) j["sm_rp_smea"] = to_hex(a.sm_rp_smea);
  if (a.sm_delivery_not_intended) j["sm_delivery_not_intended"] = *a.sm_delivery_not_intended;
  if (a.imsi) j["imsi"] = a.imsi->digits.str();
  if (!a.correlation_id.empty()) j["correlation_id"] = correlation_id_json(a.correlation_id);
  return j;
}

json sri_sm_res_json(Bytes p, json& error) {
  json j;
  sms::RoutingInfoForSmRes r;
  if (!take(sms::decode_routing_info_for_sm_res(p), p, "map", error, r)) return j;
  j["imsi"] = r.imsi.digits.str();
  j["network_node_number"] = digits(r.location.network_node_number);
  if (r.location.lmsi) j["lmsi"] = to_hex(Bytes(r.location.lmsi->octets.data(), 4));
  if (r.location.gprs_node_indicator) j["gprs_node_indicator"] = true;
  if (r.location.additional_kind != sms::LocationInfoWithLmsi::AdditionalKind::None) {
    j["additional_number"] =
        json{{"kind", r.location.additional_kind == sms::LocationInfoWithLmsi::AdditionalKind::Msc ? "msc" : "sgsn"},
             {"digits", digits(r.location.additional_number)}};
  }
  if (r.mwd_set) j["mwd_set"] = *r.mwd_set;
  return j;
}

template <class Arg>
json forward_sm_json(const Arg& a, json& error) {
  json j;
  j["sm_rp_da"] = da_json(a.sm_rp_da);
  j["sm_rp_oa"] = oa_json(a.sm_rp_oa);
  j["tpdu"] = tpdu_json(a.sm_rp_ui, direction_of(a.sm_rp_da), error);
  return j;
}

const char* outcome_name(sms::SmDeliveryOutcome o) {
  switch (o) {
    case sms::SmDeliveryOutcome::MemoryCapacityExceeded: return "memoryCapacityExceeded";
    case sms::SmDeliveryOutcome::AbsentSubscriber: return "absentSubscriber";
    case sms::SmDeliveryOutcome::SuccessfulTransfer: return "successfulTransfer";
  }
  return "unknown";
}

// The argument of an invoke, by operation (TS 29.002 §17.6.4, §17.6.5).
json invoke_param(std::int64_t op, const AcContext& ac, Bytes p, json& error) {
  switch (op) {
    case 59:
    case 60:
    case 61:
      return ussd_arg_json(p, error);
    case 45:
      return sri_sm_arg_json(p, error);
    case 44: {
      sms::MtForwardSmArg a;
      if (!take(sms::decode_mt_forward_sm_arg(p), p, "map", error, a)) return json::object();
      json j = forward_sm_json(a, error);
      if (a.more_messages_to_send) j["more_messages_to_send"] = true;
      return j;
    }
    case 46: {
      // Op 46 is mo-forwardSM in shortMsgMO-RelayContext-v3 (21.3) and
      // forwardSM in every v1/v2 context (TS 29.002 §17.6.5). Without a
      // dialogue portion (v1, or a Continue) the v1/v2 form is the right guess.
      if (ac.version && *ac.version == 3) {
        sms::MoForwardSmArg a;
        if (!take(sms::decode_mo_forward_sm_arg(p), p, "map", error, a)) return json::object();
        json j = forward_sm_json(a, error);
        if (a.imsi) j["imsi"] = a.imsi->digits.str();
        return j;
      }
      sms::ForwardSmArg a;
      if (!take(sms::decode_forward_sm_arg(p), p, "map", error, a)) return json::object();
      json j = forward_sm_json(a, error);
      if (a.more_messages_to_send) j["more_messages_to_send"] = true;
      return j;
    }
    case 47: {
      sms::ReportSmDeliveryStatusArg a;
      if (!take(sms::decode_report_sm_delivery_status_arg(p), p, "map", error, a)) return json::object();
      return json{{"msisdn", digits(a.msisdn)},
                  {"service_centre", digits(a.service_centre_address.address)},
                  {"sm_delivery_outcome", outcome_name(a.sm_delivery_outcome)}};
    }
    case 63: {
      sms::InformServiceCentreArg a;
      if (!take(sms::decode_inform_service_centre_arg(p), p, "map", error, a)) return json::object();
      json j = json::object();
      if (a.stored_msisdn) j["stored_msisdn"] = digits(*a.stored_msisdn);
      if (a.mw_status)
        j["mw_status"] = json{{"sc_address_not_included", a.mw_status->sc_address_not_included},
                              {"mnrf_set", a.mw_status->mnrf_set},
                              {"mcef_set", a.mw_status->mcef_set},
                              {"mnrg_set", a.mw_status->mnrg_set}};
      if (a.absent_subscriber_diagnostic_sm) j["absent_subscriber_diagnostic_sm"] = *a.absent_subscriber_diagnostic_sm;
      return j;
    }
    case 64:
    case 49: {
      sms::AlertServiceCentreArg a;
      if (!take(sms::decode_alert_service_centre_arg(p), p, "map", error, a)) return json::object();
      json j{{"msisdn", digits(a.msisdn)}, {"service_centre", digits(a.service_centre_address.address)}};
      if (a.imsi) j["imsi"] = a.imsi->digits.str();
      return j;
    }
    default:
      if (auto j = mobility_invoke_param(op, p, error)) return *j;
      return json{{"raw", to_hex(p)}};  // an operation this tool does not interpret
  }
}

// The result parameter of a returnResult, by operation.
json result_param(std::int64_t op, const AcContext& ac, Bytes p, json& error) {
  switch (op) {
    case 59:
    case 60:
      return ussd_res_json(p, error);
    case 45:
      return sri_sm_res_json(p, error);
    case 44:
    case 46: {
      sms::ForwardSmRes r;
      if (!take(sms::decode_forward_sm_res(p), p, "map", error, r)) return json::object();
      json j = json::object();
      // MT results carry an SMS-DELIVER-REPORT (MS -> SC); an MO result an
      // SMS-SUBMIT-REPORT (SC -> MS). Op 46 outside v3 may be either way.
      if (!r.sm_rp_ui.empty()) {
        if (op == 44) j["tpdu"] = tpdu_json(r.sm_rp_ui, sms::Direction::MsToSc, error);
        else if (ac.version && *ac.version == 3) j["tpdu"] = tpdu_json(r.sm_rp_ui, sms::Direction::ScToMs, error);
        else j["sm_rp_ui"] = to_hex(r.sm_rp_ui);
      }
      return j;
    }
    case 47: {
      sms::ReportSmDeliveryStatusRes r;
      if (!take(sms::decode_report_sm_delivery_status_res(p), p, "map", error, r)) return json::object();
      json j = json::object();
      if (r.stored_msisdn) j["stored_msisdn"] = digits(*r.stored_msisdn);
      return j;
    }
    default:
      if (auto j = mobility_result_param(op, p, error)) return *j;
      return json{{"raw", to_hex(p)}};
  }
}

}  // namespace

void describe_map_component(const tcap::Component& c, const AcContext& ac, json& j, json& error) {
  if (ac.foreign) {
    if (const auto* inv = c.invoke(); inv && inv->parameter) j["param"] = json{{"raw", to_hex(*inv->parameter)}};
    return;
  }
  if (const auto* inv = c.invoke()) {
    if (inv->op.global) return;
    const std::string name = map_operation_name(inv->op.local, ac.version);
    if (!name.empty()) j["operation"] = name;
    if (inv->parameter) j["param"] = invoke_param(inv->op.local, ac, *inv->parameter, error);
  } else if (const auto* rr = c.return_result()) {
    if (!rr->op || rr->op->global) return;
    const std::string name = map_operation_name(rr->op->local, ac.version);
    if (!name.empty()) j["operation"] = name;
    if (rr->parameter) j["param"] = result_param(rr->op->local, ac, *rr->parameter, error);
  } else if (const auto* re = c.return_error()) {
    if (re->code.global) return;
    const std::string name = map_error_name(re->code.local);
    if (!name.empty()) j["error"] = name;
    if (re->parameter) j["param"] = map_error_param(re->code.local, *re->parameter, error);
  }
}

void describe_map_user_information(Bytes ui, json& j, json& error) {
  auto r = map::decode_user_information(ui);
  if (!r) {
    if (error.is_null()) error = layer_error("map-dialogue", ui, r.error());
    return;
  }
  const auto& d = *r;
  static constexpr const char* names[] = {"map-open",   "map-accept",    "map-close",
                                          "map-refuse", "map-userAbort", "map-providerAbort"};
  j["map_dialogue"] = names[static_cast<int>(d.type) % 6];
  // MAP-OpenInfo references are AddressStrings (TS 29.002 §17.4), except
  // that some vendors put a bare TBCD IMSI in destinationReference (vector
  // U02); read_reference() tells the two apart and we report the digits it
  // judges right, flagging the raw-IMSI reading.
  auto reference = [&](const char* key, const std::optional<Bytes>& v) {
    if (!v) return;
    const auto rr = map::read_reference(*v);
    j[key] = rr.best_digits().str();
    if (rr.likely_raw_imsi) j[std::string(key) + "_raw_imsi"] = true;
    else if (rr.address) j[std::string(key) + "_npi"] = rr.address->npi;
  };
  reference("destination_reference", d.destination_reference);
  reference("origination_reference", d.origination_reference);
  reference("calling_msisdn", d.calling_msisdn);
  reference("calling_vlr_address", d.calling_vlr_address);
  if (d.type == map::DialoguePduType::Refuse) j["map_refuse_reason"] = static_cast<int>(d.refuse_reason);
  if (d.type == map::DialoguePduType::UserAbort) {
    static constexpr const char* choices[] = {"userSpecificReason", "userResourceLimitation", "resourceUnavailable",
                                              "applicationProcedureCancellation"};
    j["map_user_abort"] = choices[static_cast<int>(d.user_abort_choice) & 3];
    if (d.user_abort_choice == map::UserAbortChoice::ResourceUnavailable ||
        d.user_abort_choice == map::UserAbortChoice::ApplicationProcedureCancellation)
      j["map_user_abort_reason"] = d.user_abort_reason;
  }
  if (d.type == map::DialoguePduType::ProviderAbort)
    j["map_provider_abort"] =
        d.provider_abort_reason == map::ProviderAbortReason::AbnormalDialogue ? "abnormalDialogue" : "invalidPDU";
}

}  // namespace ussdgw::decode
