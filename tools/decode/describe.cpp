#include "tools/decode/describe.h"

#include <string>

namespace ussdgw::decode {

using nlohmann::json;

json layer_error(const char* layer, Bytes whole, const Error& e) {
  return json{{"layer", layer}, {"offset", e.offset_in(whole)}, {"reason", e.what}};
}

// --- SCCP (Q.713) -----------------------------------------------------------

json describe_sccp_address(const sccp::Address& a) {
  json j;
  j["ri"] = a.ri == sccp::RoutingIndicator::OnSsn ? "ssn" : "gt";
  if (a.ssn) j["ssn"] = a.ssn->value;
  if (a.pc) j["pc"] = a.pc->value;
  if (a.gti != 0) {
    j["gti"] = a.gti;
    if (!a.gt.digits.empty()) j["gt"] = a.gt.digits.str();
    if (!a.gt.opaque.empty()) j["gt_raw"] = to_hex(Bytes(a.gt.opaque.begin(), a.gt.opaque.size()));
    // Which of TT / NP / NAI exist depends on the GTI (Q.713 §3.4.2.3).
    if (a.gti == 2 || a.gti == 3 || a.gti == 4) j["tt"] = a.gt.tt;
    if (a.gti == 3 || a.gti == 4) j["np"] = a.gt.np;
    if (a.gti == 1 || a.gti == 4) j["nai"] = a.gt.nai;
  }
  if (a.national) j["national"] = true;
  return j;
}

json describe_sccp(const sccp::Message& m) {
  json j;
  j["type"] = std::string(sccp::message_type_name(m.type));
  if (sccp::is_service(m.type)) {
    j["return_cause"] = static_cast<int>(m.return_cause);
    j["return_cause_name"] = std::string(sccp::return_cause_name(m.return_cause));
  } else {
    j["class"] = m.protocol_class.cls();
    if (m.protocol_class.return_on_error()) j["return_on_error"] = true;
  }
  if (m.type != sccp::MessageType::Udt && m.type != sccp::MessageType::Udts) j["hop_counter"] = m.hop_counter.value;
  j["called"] = describe_sccp_address(m.called);
  j["calling"] = describe_sccp_address(m.calling);
  if (m.segmentation) {
    const auto& s = *m.segmentation;
    // The 24-bit value (Q.713 §3.17, least significant octet first on the
    // wire), printed as tshark prints it.
    char ref[12];
    std::snprintf(ref, sizeof ref, "0x%06x", s.ref.value & 0xFFFFFF);
    j["segmentation"] = json{{"first", s.first}, {"remaining", s.remaining}, {"local_reference", ref}};
  }
  if (m.importance) j["importance"] = *m.importance & 0x07;
  return j;
}

// --- TCAP (Q.773) -----------------------------------------------------------

namespace {

const char* message_type_name(tcap::MessageType t) {
  switch (t) {
    case tcap::MessageType::Unidirectional: return "unidirectional";
    case tcap::MessageType::Begin: return "begin";
    case tcap::MessageType::End: return "end";
    case tcap::MessageType::Continue: return "continue";
    case tcap::MessageType::Abort: return "abort";
  }
  return "unknown";
}

const char* component_type_name(tcap::ComponentType t) {
  switch (t) {
    case tcap::ComponentType::Invoke: return "invoke";
    case tcap::ComponentType::ReturnResultLast: return "returnResultLast";
    case tcap::ComponentType::ReturnResultNotLast: return "returnResultNotLast";
    case tcap::ComponentType::ReturnError: return "returnError";
    case tcap::ComponentType::Reject: return "reject";
  }
  return "unknown";
}

const char* p_abort_name(tcap::PAbortCause c) {
  switch (c) {
    case tcap::PAbortCause::UnrecognizedMessageType: return "unrecognizedMessageType";
    case tcap::PAbortCause::UnrecognizedTransactionId: return "unrecognizedTransactionID";
    case tcap::PAbortCause::BadlyFormattedTransactionPortion: return "badlyFormattedTransactionPortion";
    case tcap::PAbortCause::IncorrectTransactionPortion: return "incorrectTransactionPortion";
    case tcap::PAbortCause::ResourceLimitation: return "resourceLimitation";
  }
  return "unknown";
}

const char* dialogue_name(tcap::DialoguePduType t) {
  switch (t) {
    case tcap::DialoguePduType::Aarq: return "aarq";
    case tcap::DialoguePduType::Aare: return "aare";
    case tcap::DialoguePduType::Abrt: return "abrt";
    case tcap::DialoguePduType::Audt: return "audt";
  }
  return "unknown";
}

// Q.773 §4.2.3 Associate-source-diagnostic values.
const char* diagnostic_name(tcap::DiagnosticSource src, std::uint8_t v) {
  if (v == 0) return "null";
  if (v == 1) return "no-reason-given";
  if (v == 2)
    return src == tcap::DiagnosticSource::ServiceUser ? "application-context-name-not-supported"
                                                      : "no-common-dialogue-portion";
  return "unknown";
}

// 0.4.0.0.1.0.<ac>.<version> (TS 29.002 §17.3.3): the MAP AC tree.
AcContext ac_context(const std::string& dotted) {
  AcContext c;
  static const std::string prefix = "0.4.0.0.1.0.";
  if (dotted.empty()) return c;
  if (dotted.rfind(prefix, 0) != 0) {
    c.foreign = true;
    return c;
  }
  const std::string rest = dotted.substr(prefix.size());
  const auto dot = rest.find('.');
  if (dot == std::string::npos) return c;
  try {
    c.ac = static_cast<std::uint8_t>(std::stoul(rest.substr(0, dot)));
    c.version = static_cast<std::uint8_t>(std::stoul(rest.substr(dot + 1)));
  } catch (...) {
    return AcContext{};
  }
  return c;
}

void describe_dialogue(const tcap::DialoguePortion& d, json& j, json& error) {
  j["dialogue"] = dialogue_name(d.type);
  const std::string ac = d.ac_dotted().str();
  if (!ac.empty()) {
    j["ac"] = ac;
    const std::string name = map_ac_name(ac);
    if (!name.empty()) j["ac_name"] = name;
  }
  if (d.type == tcap::DialoguePduType::Aare) {
    j["result"] = d.result == tcap::AssociateResult::Accepted ? "accepted" : "reject-permanent";
    j["diagnostic"] = json{
        {"source", d.diagnostic_source == tcap::DiagnosticSource::ServiceUser ? "dialogue-service-user"
                                                                              : "dialogue-service-provider"},
        {"value", d.diagnostic},
        {"name", diagnostic_name(d.diagnostic_source, d.diagnostic)}};
  }
  if (d.type == tcap::DialoguePduType::Abrt)
    j["abort_source"] =
        d.abort_source == tcap::AbortSource::ServiceUser ? "dialogue-service-user" : "dialogue-service-provider";
  if (d.user_information) describe_map_user_information(*d.user_information, j, error);
}

json describe_component(const tcap::Component& c, const AcContext& ac, json& error) {
  json j;
  j["type"] = component_type_name(c.type());
  if (const auto* inv = c.invoke()) {
    j["invoke_id"] = inv->invoke_id.value;
    if (inv->linked_id) j["linked_id"] = inv->linked_id->value;
    if (inv->op.global) j["opcode_oid"] = ber::oid_to_string(inv->op.oid).ok() ? ber::oid_to_string(inv->op.oid)->str() : "";
    else j["opcode"] = inv->op.local;
  } else if (const auto* rr = c.return_result()) {
    j["invoke_id"] = rr->invoke_id.value;
    if (rr->op) {
      if (rr->op->global) j["opcode_oid"] = ber::oid_to_string(rr->op->oid).ok() ? ber::oid_to_string(rr->op->oid)->str() : "";
      else j["opcode"] = rr->op->local;
    }
  } else if (const auto* re = c.return_error()) {
    j["invoke_id"] = re->invoke_id.value;
    if (re->code.global) j["error_code_oid"] = ber::oid_to_string(re->code.oid).ok() ? ber::oid_to_string(re->code.oid)->str() : "";
    else j["error_code"] = re->code.local;
  } else if (const auto* rj = c.reject()) {
    if (rj->invoke_id) j["invoke_id"] = rj->invoke_id->value;
    else j["invoke_id"] = nullptr;
    static constexpr const char* kinds[] = {"general", "invoke", "returnResult", "returnError"};
    j["problem"] = json{{"type", kinds[static_cast<int>(rj->type) & 3]},
                        {"code", rj->code},
                        {"name", tcap::problem_to_string(rj->type, rj->code)}};
  }
  describe_map_component(c, ac, j, error);
  return j;
}

}  // namespace

json describe_tcap(Bytes b, json& error) {
  json j = json::object();
  tcap::MessageError why;
  auto m = tcap::decode_message(b, &why);
  if (!m) {
    // Keep what the transaction portion gave before the failure.
    if (why.type) j["type"] = message_type_name(*why.type);
    if (why.otid) j["otid"] = to_hex(why.otid->bytes());
    if (why.dtid) j["dtid"] = to_hex(why.dtid->bytes());
    error = layer_error("tcap", b, m.error());
    return j;
  }
  j["type"] = message_type_name(m->type);
  if (m->otid) j["otid"] = to_hex(m->otid->bytes());
  if (m->dtid) j["dtid"] = to_hex(m->dtid->bytes());
  if (m->p_abort_cause) {
    j["p_abort_cause"] = static_cast<int>(*m->p_abort_cause);
    j["p_abort_cause_name"] = p_abort_name(*m->p_abort_cause);
  }
  AcContext ac;
  if (m->dialogue) {
    describe_dialogue(*m->dialogue, j, error);
    ac = ac_context(m->dialogue->ac_dotted().str());
  }
  if (m->component_portion) {
    json comps = json::array();
    auto reader = m->components();
    while (!reader.at_end()) {
      auto c = reader.next();
      if (!c) {
        if (error.is_null()) error = layer_error("tcap", b, c.error());
        continue;
      }
      comps.push_back(describe_component(*c, ac, error));
    }
    j["components"] = comps;
  }
  return j;
}

}  // namespace ussdgw::decode
