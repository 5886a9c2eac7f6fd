// TCAP codec (ITU-T Q.773 §4.2). See tcap.h for the contract.
#include "gateway/codec/tcap.h"

#include <algorithm>

namespace ussdgw::tcap {
namespace {

using ber::Tag;
using ber::Tlv;

constexpr Tag kOtidTag = ber::application(8);       // OrigTransactionID  [APPLICATION 8]
constexpr Tag kDtidTag = ber::application(9);       // DestTransactionID  [APPLICATION 9]
constexpr Tag kPAbortTag = ber::application(10);    // P-AbortCause       [APPLICATION 10]
constexpr Tag kDialogueTag = ber::application(11, true);   // DialoguePortion [APPLICATION 11]
constexpr Tag kComponentsTag = ber::application(12, true); // ComponentPortion [APPLICATION 12]
constexpr Tag kUserInfoTag = ber::context(30, true);       // user-information [30]

// Depths of the BER nesting levels, so the nesting limit is counted from the message.
constexpr int kElementDepth = 1;    // elements of the TCMessage
constexpr int kComponentDepth = 2;  // components inside `6c`

bool equal(Bytes a, Bytes b) { return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin()); }

// INTEGER constrained to 0..255 (enumerations and small codes in the dialogue PDUs).
Result<std::uint8_t> small_uint(const Tlv& t, const char* what) {
  USSDGW_TRY(v, ber::to_integer(t));
  if (v < 0 || v > 255) return Error{what, t.value.data()};
  return static_cast<std::uint8_t>(v);
}

// ------------------------------------------------------------ dialogue portion (Q.773 §4.2.3)

Result<Bytes> read_ac(ber::Reader& r) {
  USSDGW_TRY(a1, r.expect(ber::context(1, true), "TCAP: missing application-context-name [1]"));
  USSDGW_TRY(in, r.enter(a1));
  USSDGW_TRY(oid, in.expect(ber::kOid, "TCAP: application-context-name is not an OBJECT IDENTIFIER"));
  if (!in.at_end()) return Error{"TCAP: extra element in application-context-name", in.here()};
  if (oid.value.empty()) return Error{"TCAP: empty application-context-name", oid.whole.data()};
  return oid.value;
}

Status read_protocol_version(ber::Reader& r, DialoguePortion& d) {
  USSDGW_TRY(pv, r.optional(ber::context(0)));
  if (pv) {
    if (pv->value.empty()) return Error{"TCAP: empty protocol-version", pv->whole.data()};
    d.protocol_version = pv->value;
  }
  return Ok{};
}

Status read_user_info(ber::Reader& r, DialoguePortion& d) {
  USSDGW_TRY(ui, r.optional(kUserInfoTag));
  if (ui) d.user_information = ui->value;
  if (!r.at_end()) return Error{"TCAP: unexpected element in dialogue PDU", r.here()};
  return Ok{};
}

Result<DialoguePortion> decode_dialogue(const Tlv& t, int depth) {
  if (!(t.tag == kDialogueTag)) return Error{"TCAP: dialogue portion must be [APPLICATION 11]", t.whole.data()};
  ber::Reader outer(t.value, depth + 1);
  USSDGW_TRY(ext, outer.expect(ber::kExternal, "TCAP: dialogue portion must hold an EXTERNAL"));
  if (!outer.at_end()) return Error{"TCAP: extra element after the dialogue EXTERNAL", outer.here()};
  USSDGW_TRY(er, outer.enter(ext));
  USSDGW_TRY(asid, er.expect(ber::kOid, "TCAP: EXTERNAL without direct-reference"));
  bool uni = equal(asid.value, kUniDialogueAsId);
  if (!uni && !equal(asid.value, kDialogueAsId)) return Error{"TCAP: unknown dialogue abstract syntax", asid.whole.data()};
  // X.208 EXTERNAL: indirect-reference and data-value-descriptor are allowed
  // before the encoding; TCAP peers do not send them, so skip if present.
  USSDGW_CHECK(er.optional(ber::kInteger));
  USSDGW_CHECK(er.optional(ber::universal(7)));
  USSDGW_TRY(single, er.expect(ber::context(0, true), "TCAP: dialogue EXTERNAL must use single-ASN1-type [0]"));
  if (!er.at_end()) return Error{"TCAP: extra element in dialogue EXTERNAL", er.here()};
  USSDGW_TRY(sr, er.enter(single));
  USSDGW_TRY(pdu, sr.next());
  if (!sr.at_end()) return Error{"TCAP: more than one dialogue PDU", sr.here()};
  if (pdu.tag.cls != ber::Class::Application || !pdu.tag.constructed)
    return Error{"TCAP: dialogue PDU has a wrong tag", pdu.whole.data()};
  USSDGW_TRY(r, sr.enter(pdu));

  DialoguePortion d;
  switch (pdu.tag.number) {
    case 0: {  // AARQ-apdu / AUDT-apdu
      d.type = uni ? DialoguePduType::Audt : DialoguePduType::Aarq;
      USSDGW_CHECK(read_protocol_version(r, d));
      USSDGW_TRY(ac, read_ac(r));
      d.application_context = ac;
      USSDGW_CHECK(read_user_info(r, d));
      return d;
    }
    case 1: {  // AARE-apdu
      if (uni) break;
      d.type = DialoguePduType::Aare;
      USSDGW_CHECK(read_protocol_version(r, d));
      USSDGW_TRY(ac, read_ac(r));
      d.application_context = ac;
      USSDGW_TRY(res, r.expect(ber::context(2, true), "TCAP: AARE without result [2]"));
      USSDGW_TRY(rr, r.enter(res));
      USSDGW_TRY(ri, rr.expect(ber::kInteger, "TCAP: AARE result is not an INTEGER"));
      USSDGW_TRY(rv, small_uint(ri, "TCAP: AARE result out of range"));
      if (!rr.at_end()) return Error{"TCAP: extra element in AARE result", rr.here()};
      d.result = static_cast<AssociateResult>(rv);
      USSDGW_TRY(diag, r.expect(ber::context(3, true), "TCAP: AARE without result-source-diagnostic [3]"));
      USSDGW_TRY(dr, r.enter(diag));
      USSDGW_TRY(src, dr.next());
      if (!dr.at_end()) return Error{"TCAP: extra element in result-source-diagnostic", dr.here()};
      if (!(src.tag == ber::context(1, true)) && !(src.tag == ber::context(2, true)))
        return Error{"TCAP: result-source-diagnostic must be [1] user or [2] provider", src.whole.data()};
      d.diagnostic_source = static_cast<DiagnosticSource>(src.tag.number);
      USSDGW_TRY(sr2, dr.enter(src));
      USSDGW_TRY(dv, sr2.expect(ber::kInteger, "TCAP: diagnostic is not an INTEGER"));
      USSDGW_TRY(dn, small_uint(dv, "TCAP: diagnostic out of range"));
      if (!sr2.at_end()) return Error{"TCAP: extra element in diagnostic", sr2.here()};
      d.diagnostic = dn;
      USSDGW_CHECK(read_user_info(r, d));
      return d;
    }
    case 4: {  // ABRT-apdu
      if (uni) break;
      d.type = DialoguePduType::Abrt;
      USSDGW_TRY(src, r.expect(ber::context(0), "TCAP: ABRT without abort-source [0]"));
      USSDGW_TRY(sv, small_uint(src, "TCAP: abort-source out of range"));
      d.abort_source = static_cast<AbortSource>(sv);
      USSDGW_CHECK(read_user_info(r, d));
      return d;
    }
    default:
      break;
  }
  return Error{"TCAP: unknown dialogue PDU", pdu.whole.data()};
}

// ------------------------------------------------------------ components (Q.773 §4.2.2)

struct ComponentDecoder {
  ComponentProblem* problem;

  Error fail(GeneralProblem g, Error e) const {
    if (problem) problem->problem = g;
    return e;
  }
  // A structural (BER) error inside the component.
  Error badly(const Error& e) const { return fail(GeneralProblem::BadlyStructuredComponent, e); }
  Error mistyped(const char* what, const std::uint8_t* at) const {
    return fail(GeneralProblem::MistypedComponent, Error{what, at});
  }

  Result<Tlv> next(ber::Reader& r, const char* missing) const {
    if (r.at_end()) return mistyped(missing, r.here());
    auto t = r.next();
    if (!t) return badly(t.error());
    return t;
  }

  Result<InvokeId> invoke_id(const Tlv& t) const {
    if (!(t.tag == ber::kInteger)) return mistyped("TCAP: invokeID is not an INTEGER", t.whole.data());
    auto v = ber::to_integer(t);
    if (!v) return mistyped(v.error().what, v.error().at);
    if (*v < -128 || *v > 127) return mistyped("TCAP: invokeID out of range -128..127", t.value.data());
    return InvokeId{static_cast<std::int8_t>(*v)};
  }

  template <class C>
  Result<C> code(const Tlv& t, const char* what) const {
    if (t.tag == ber::kInteger) {
      auto v = ber::to_integer(t);
      if (!v) return mistyped(v.error().what, v.error().at);
      return C::make_local(*v);
    }
    if (t.tag == ber::kOid) {
      if (t.value.empty()) return mistyped("TCAP: empty global code", t.whole.data());
      return C::make_global(t.value);
    }
    return mistyped(what, t.whole.data());
  }

  // Reads the leading invokeID and records it for the Reject.
  Result<InvokeId> leading_id(ber::Reader& r) const {
    USSDGW_TRY(t, next(r, "TCAP: component without invokeID"));
    USSDGW_TRY(id, invoke_id(t));
    if (problem) problem->invoke_id = id;
    return id;
  }

  Status end(const ber::Reader& r) const {
    if (!r.at_end()) return mistyped("TCAP: unexpected element in component", r.here());
    return Ok{};
  }

  Result<Component> decode(const Tlv& t, int depth) const {
    if (problem) *problem = ComponentProblem{};
    bool known = t.tag.cls == ber::Class::Context && t.tag.constructed &&
                 (t.tag.number >= 1 && t.tag.number <= 4 ? true : t.tag.number == 7);
    if (!known) {
      // Still report the invoke id when it is derivable (Q.774 §3.2.2.3).
      if (problem && t.tag.constructed) {
        ber::Reader r(t.value, depth + 1);
        auto first = r.next();
        if (first && first->tag == ber::kInteger) {
          auto v = ber::to_integer(*first);
          if (v && *v >= -128 && *v <= 127) problem->invoke_id = InvokeId{static_cast<std::int8_t>(*v)};
        }
      }
      return fail(GeneralProblem::UnrecognizedComponent, Error{"TCAP: unrecognized component type", t.whole.data()});
    }
    ber::Reader r(t.value, depth + 1);
    Component c;
    c.raw = t.whole;
    switch (t.tag.number) {
      case 1: {
        Invoke inv;
        USSDGW_TRY(id, leading_id(r));
        inv.invoke_id = id;
        USSDGW_TRY(el, next(r, "TCAP: invoke without operation code"));
        if (el.tag == ber::context(0)) {  // linkedID [0] IMPLICIT InvokeIdType
          Tlv as_int = el;
          as_int.tag = ber::kInteger;
          USSDGW_TRY(lid, invoke_id(as_int));
          inv.linked_id = lid;
          USSDGW_TRY(el2, next(r, "TCAP: invoke without operation code"));
          el = el2;
        }
        USSDGW_TRY(op, code<OpCode>(el, "TCAP: operation code is neither INTEGER nor OID"));
        inv.op = op;
        if (!r.at_end()) {
          USSDGW_TRY(p, next(r, ""));
          inv.parameter = p.whole;
        }
        USSDGW_CHECK(end(r));
        c.body = inv;
        return c;
      }
      case 2:
      case 7: {
        ReturnResult rr;
        rr.last = t.tag.number == 2;
        USSDGW_TRY(id, leading_id(r));
        rr.invoke_id = id;
        if (!r.at_end()) {
          USSDGW_TRY(seq, next(r, ""));
          if (!(seq.tag == ber::kSequence)) return mistyped("TCAP: return result must be a SEQUENCE", seq.whole.data());
          ber::Reader sr(seq.value, r.depth() + 1);
          USSDGW_TRY(oc, next(sr, "TCAP: return result without operation code"));
          USSDGW_TRY(op, code<OpCode>(oc, "TCAP: operation code is neither INTEGER nor OID"));
          rr.op = op;
          if (!sr.at_end()) {
            USSDGW_TRY(p, next(sr, ""));
            rr.parameter = p.whole;
          }
          USSDGW_CHECK(end(sr));
        }
        USSDGW_CHECK(end(r));
        c.body = rr;
        return c;
      }
      case 3: {
        ReturnError re;
        USSDGW_TRY(id, leading_id(r));
        re.invoke_id = id;
        USSDGW_TRY(el, next(r, "TCAP: return error without error code"));
        USSDGW_TRY(ec, code<ErrorCode>(el, "TCAP: error code is neither INTEGER nor OID"));
        re.code = ec;
        if (!r.at_end()) {
          USSDGW_TRY(p, next(r, ""));
          re.parameter = p.whole;
        }
        USSDGW_CHECK(end(r));
        c.body = re;
        return c;
      }
      case 4: {
        Reject rj;
        USSDGW_TRY(first, next(r, "TCAP: reject without invokeID"));
        if (first.tag == ber::kNull) {
          if (!first.value.empty()) return mistyped("TCAP: NULL invokeID with contents", first.whole.data());
        } else {
          USSDGW_TRY(id, invoke_id(first));
          rj.invoke_id = id;
          if (problem) problem->invoke_id = id;
        }
        USSDGW_TRY(pr, next(r, "TCAP: reject without problem"));
        if (pr.tag.cls != ber::Class::Context || pr.tag.constructed || pr.tag.number > 3)
          return mistyped("TCAP: reject problem must be [0]..[3]", pr.whole.data());
        auto v = ber::to_integer(pr);
        if (!v) return mistyped(v.error().what, v.error().at);
        if (*v < 0 || *v > 255) return mistyped("TCAP: reject problem code out of range", pr.value.data());
        rj.type = static_cast<ProblemType>(pr.tag.number);
        rj.code = static_cast<std::uint8_t>(*v);
        USSDGW_CHECK(end(r));
        c.body = rj;
        return c;
      }
      default:
        break;
    }
    return fail(GeneralProblem::UnrecognizedComponent, Error{"TCAP: unrecognized component type", t.whole.data()});
  }
};

// ------------------------------------------------------------ encoders

template <class C>
void put_code(ber::Writer& w, const C& c) {
  if (c.global) w.put(ber::kOid, c.oid);
  else w.put_integer(ber::kInteger, c.local);
}

Result<Bytes> encode_impl(std::span<std::uint8_t> out, const Message& m, std::span<const Component> comps,
                          const Bytes* raw) {
  bool need_otid = m.type == MessageType::Begin || m.type == MessageType::Continue;
  bool need_dtid = m.type == MessageType::End || m.type == MessageType::Continue || m.type == MessageType::Abort;
  switch (m.type) {
    case MessageType::Unidirectional: case MessageType::Begin: case MessageType::End:
    case MessageType::Continue: case MessageType::Abort:
      break;
    default:
      return Error{"TCAP: cannot encode an unknown message type", nullptr};
  }
  if (need_otid && (!m.otid || m.otid->size() == 0)) return Error{"TCAP: message needs an otid", nullptr};
  if (need_dtid && (!m.dtid || m.dtid->size() == 0)) return Error{"TCAP: message needs a dtid", nullptr};
  bool has_components = raw ? true : !comps.empty();
  if (m.type == MessageType::Unidirectional && !has_components)
    return Error{"TCAP: Unidirectional needs components (Q.773 §4.2.1)", nullptr};
  if (m.type == MessageType::Abort && has_components && (raw ? !raw->empty() : true))
    return Error{"TCAP: Abort carries no components", nullptr};

  ber::Writer w(out);
  auto top = w.open(ber::application(static_cast<std::uint8_t>(m.type) & 0x1f, true));
  if (need_otid) w.put(kOtidTag, m.otid->bytes());
  if (need_dtid) w.put(kDtidTag, m.dtid->bytes());
  if (m.type == MessageType::Abort) {
    // reason CHOICE { p-abortCause, u-abortCause DialoguePortion } OPTIONAL
    if (m.p_abort_cause) w.put_integer(kPAbortTag, static_cast<std::uint8_t>(*m.p_abort_cause));
    else if (m.dialogue) put_dialogue_portion(w, *m.dialogue);
  } else {
    if (m.dialogue) put_dialogue_portion(w, *m.dialogue);
    if (raw) {
      auto cp = w.open(kComponentsTag);
      w.put_raw(*raw);
      w.close(cp);
    } else if (!comps.empty()) {
      auto cp = w.open(kComponentsTag);
      for (const auto& c : comps) put_component(w, c);
      w.close(cp);
    }
  }
  w.close(top);
  if (!w.ok()) return Error{"TCAP: output buffer too small", nullptr};
  return w.bytes();
}

}  // namespace

// ------------------------------------------------------------ names

const char* to_string(MessageType t) {
  switch (t) {
    case MessageType::Unidirectional: return "unidirectional";
    case MessageType::Begin: return "begin";
    case MessageType::End: return "end";
    case MessageType::Continue: return "continue";
    case MessageType::Abort: return "abort";
  }
  return "unknown";
}

const char* to_string(PAbortCause c) {
  switch (c) {
    case PAbortCause::UnrecognizedMessageType: return "unrecognizedMessageType";
    case PAbortCause::UnrecognizedTransactionId: return "unrecognizedTransactionID";
    case PAbortCause::BadlyFormattedTransactionPortion: return "badlyFormattedTransactionPortion";
    case PAbortCause::IncorrectTransactionPortion: return "incorrectTransactionPortion";
    case PAbortCause::ResourceLimitation: return "resourceLimitation";
  }
  return "unknown";
}

const char* to_string(DialoguePduType t) {
  switch (t) {
    case DialoguePduType::Aarq: return "AARQ";
    case DialoguePduType::Aare: return "AARE";
    case DialoguePduType::Abrt: return "ABRT";
    case DialoguePduType::Audt: return "AUDT";
  }
  return "unknown";
}

const char* to_string(ComponentType t) {
  switch (t) {
    case ComponentType::Invoke: return "invoke";
    case ComponentType::ReturnResultLast: return "returnResultLast";
    case ComponentType::ReturnError: return "returnError";
    case ComponentType::Reject: return "reject";
    case ComponentType::ReturnResultNotLast: return "returnResultNotLast";
  }
  return "unknown";
}

const char* problem_to_string(ProblemType type, std::uint8_t code) {
  static constexpr const char* kGeneral[] = {"unrecognizedComponent", "mistypedComponent", "badlyStructuredComponent"};
  static constexpr const char* kInvoke[] = {"duplicateInvokeID", "unrecognizedOperation", "mistypedParameter",
                                            "resourceLimitation", "initiatingRelease", "unrecognizedLinkedID",
                                            "linkedResponseUnexpected", "unexpectedLinkedOperation"};
  static constexpr const char* kResult[] = {"unrecognizedInvokeID", "returnResultUnexpected", "mistypedParameter"};
  static constexpr const char* kError[] = {"unrecognizedInvokeID", "returnErrorUnexpected", "unrecognizedError",
                                           "unexpectedError", "mistypedParameter"};
  switch (type) {
    case ProblemType::General: return code < std::size(kGeneral) ? kGeneral[code] : "unknown";
    case ProblemType::Invoke: return code < std::size(kInvoke) ? kInvoke[code] : "unknown";
    case ProblemType::ReturnResult: return code < std::size(kResult) ? kResult[code] : "unknown";
    case ProblemType::ReturnError: return code < std::size(kError) ? kError[code] : "unknown";
  }
  return "unknown";
}

// ------------------------------------------------------------ dialogue portion

bool DialoguePortion::has_version1() const {
  // BIT STRING: first octet = unused bits, version1 is bit 0 = MSB of the next octet.
  if (protocol_version.empty()) return true;
  return protocol_version.size() >= 2 && (protocol_version[1] & 0x80) != 0;
}

ber::OidString DialoguePortion::ac_dotted() const {
  if (application_context.empty()) return {};
  auto s = ber::oid_to_string(application_context);
  return s ? *s : ber::OidString{};
}

DialoguePortion make_aarq(Bytes ac, std::optional<Bytes> user_information) {
  DialoguePortion d;
  d.type = DialoguePduType::Aarq;
  d.protocol_version = Bytes(kProtocolVersion1);
  d.application_context = ac;
  d.user_information = user_information;
  return d;
}

DialoguePortion make_aare(Bytes ac, AssociateResult result, DiagnosticSource source, std::uint8_t diagnostic,
                          std::optional<Bytes> user_information) {
  DialoguePortion d;
  d.type = DialoguePduType::Aare;
  d.protocol_version = Bytes(kProtocolVersion1);
  d.application_context = ac;
  d.result = result;
  d.diagnostic_source = source;
  d.diagnostic = diagnostic;
  d.user_information = user_information;
  return d;
}

DialoguePortion make_abrt(AbortSource source, std::optional<Bytes> user_information) {
  DialoguePortion d;
  d.type = DialoguePduType::Abrt;
  d.abort_source = source;
  d.user_information = user_information;
  return d;
}

Result<DialoguePortion> decode_dialogue_portion(Bytes tlv) {
  USSDGW_TRY(t, ber::parse_single(tlv, kElementDepth));
  return decode_dialogue(t, kElementDepth);
}

void put_dialogue_portion(ber::Writer& w, const DialoguePortion& d) {
  auto dp = w.open(kDialogueTag);
  auto ext = w.open(ber::kExternal);
  w.put(ber::kOid, d.type == DialoguePduType::Audt ? Bytes(kUniDialogueAsId) : Bytes(kDialogueAsId));
  auto single = w.open(ber::context(0, true));
  std::uint32_t pdu_tag = d.type == DialoguePduType::Aare ? 1 : d.type == DialoguePduType::Abrt ? 4 : 0;
  auto pdu = w.open(ber::application(pdu_tag, true));
  if (d.type == DialoguePduType::Abrt) {
    w.put_integer(ber::context(0), static_cast<std::uint8_t>(d.abort_source));
  } else {
    if (!d.protocol_version.empty()) w.put(ber::context(0), d.protocol_version);
    auto ac = w.open(ber::context(1, true));
    w.put(ber::kOid, d.application_context);
    w.close(ac);
    if (d.type == DialoguePduType::Aare) {
      auto res = w.open(ber::context(2, true));
      w.put_integer(ber::kInteger, static_cast<std::uint8_t>(d.result));
      w.close(res);
      auto diag = w.open(ber::context(3, true));
      auto src = w.open(ber::context(static_cast<std::uint8_t>(d.diagnostic_source), true));
      w.put_integer(ber::kInteger, d.diagnostic);
      w.close(src);
      w.close(diag);
    }
  }
  if (d.user_information) {
    auto ui = w.open(kUserInfoTag);
    w.put_raw(*d.user_information);
    w.close(ui);
  }
  w.close(pdu);
  w.close(single);
  w.close(ext);
  w.close(dp);
}

// ------------------------------------------------------------ components

ComponentType Component::type() const {
  if (const auto* rr = return_result()) return rr->last ? ComponentType::ReturnResultLast : ComponentType::ReturnResultNotLast;
  if (invoke()) return ComponentType::Invoke;
  if (return_error()) return ComponentType::ReturnError;
  return ComponentType::Reject;
}

Result<Component> decode_component(Bytes tlv, ComponentProblem* problem) {
  ComponentDecoder dec{problem};
  if (problem) *problem = ComponentProblem{};
  auto t = ber::parse_single(tlv, kComponentDepth);
  if (!t) return dec.badly(t.error());
  return dec.decode(*t, kComponentDepth);
}

Result<Component> ComponentReader::next() {
  problem_ = ComponentProblem{};
  if (at_end()) {
    problem_.problem = GeneralProblem::BadlyStructuredComponent;
    return Error{"TCAP: no more components", data_.data() + data_.size()};
  }
  auto t = ber::parse_tlv(data_.subspan(pos_), kComponentDepth);
  if (!t) {
    // The boundaries are lost: nothing after this point can be delimited.
    pos_ = data_.size();
    problem_.problem = GeneralProblem::BadlyStructuredComponent;
    return t.error();
  }
  pos_ += t->whole.size();
  ComponentDecoder dec{&problem_};
  return dec.decode(*t, kComponentDepth);
}

void put_invoke(ber::Writer& w, const Invoke& c) {
  auto m = w.open(ber::context(1, true));
  w.put_integer(ber::kInteger, c.invoke_id.value);
  if (c.linked_id) w.put_integer(ber::context(0), c.linked_id->value);
  put_code(w, c.op);
  if (c.parameter) w.put_raw(*c.parameter);
  w.close(m);
}

void put_return_result(ber::Writer& w, const ReturnResult& c) {
  auto m = w.open(ber::context(c.last ? 2 : 7, true));
  w.put_integer(ber::kInteger, c.invoke_id.value);
  if (c.op) {
    auto s = w.open(ber::kSequence);
    put_code(w, *c.op);
    if (c.parameter) w.put_raw(*c.parameter);
    w.close(s);
  }
  w.close(m);
}

void put_return_error(ber::Writer& w, const ReturnError& c) {
  auto m = w.open(ber::context(3, true));
  w.put_integer(ber::kInteger, c.invoke_id.value);
  put_code(w, c.code);
  if (c.parameter) w.put_raw(*c.parameter);
  w.close(m);
}

void put_reject(ber::Writer& w, const Reject& c) {
  auto m = w.open(ber::context(4, true));
  if (c.invoke_id) w.put_integer(ber::kInteger, c.invoke_id->value);
  else w.put_null(ber::kNull);
  w.put_integer(ber::context(static_cast<std::uint8_t>(c.type)), c.code);
  w.close(m);
}

void put_component(ber::Writer& w, const Component& c) {
  std::visit(
      [&w](const auto& b) {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, Invoke>) put_invoke(w, b);
        else if constexpr (std::is_same_v<T, ReturnResult>) put_return_result(w, b);
        else if constexpr (std::is_same_v<T, ReturnError>) put_return_error(w, b);
        else put_reject(w, b);
      },
      c.body);
}

// ------------------------------------------------------------ message

namespace {

// One TLV with a single-octet tag and a definite length that fits in `in`
// from `pos`; nullopt otherwise. For reading the tids of a message whose
// structure is broken further on.
struct LooseTlv {
  std::uint8_t tag = 0;
  Bytes value;
  std::size_t end = 0;
};
std::optional<LooseTlv> loose_tlv(Bytes in, std::size_t pos) {
  if (pos + 2 > in.size() || (in[pos] & 0x1f) == 0x1f) return std::nullopt;
  LooseTlv t;
  t.tag = in[pos];
  std::size_t len = in[pos + 1];
  std::size_t at = pos + 2;
  if (len & 0x80) {
    std::size_t n = len & 0x7f;
    if (n == 0 || n > 2 || at + n > in.size()) return std::nullopt;  // indefinite: not a tid
    len = 0;
    for (std::size_t i = 0; i < n; ++i) len = (len << 8) | in[at + i];
    at += n;
  }
  if (at + len > in.size()) return std::nullopt;
  t.value = in.subspan(at, len);
  t.end = at + len;
  return t;
}

// The octets that follow the outer tag and length header of a message, up to
// the claimed length or the end of the data, whichever comes first; nullopt
// when not even the header is there.
std::optional<Bytes> loose_contents(Bytes in) {
  if (in.size() < 2 || (in[0] & 0x1f) == 0x1f) return std::nullopt;
  std::size_t len = in[1];
  std::size_t at = 2;
  if (len == 0x80) return in.subspan(at);  // indefinite: up to the end
  if (len & 0x80) {
    std::size_t n = len & 0x7f;
    if (n > 4 || at + n > in.size()) return std::nullopt;
    len = 0;
    for (std::size_t i = 0; i < n; ++i) len = (len << 8) | in[at + i];
    at += n;
  }
  return in.subspan(at, std::min(len, in.size() - at));
}

// Q.774 §3.2.1.2: when the transaction portion is broken, a P-Abort still
// goes to the originating transaction id "if derivable", and a dialogue a
// derivable dtid names is terminated. Reads the tids at the head of the
// message as far as their own TLVs are intact. `type` nullopt (unrecognized
// message type): only an otid in first place is taken, and no dtid, since
// the message's meaning is unknown.
void derive_tids(Bytes in, std::optional<MessageType> type, MessageError& e) {
  auto contents = loose_contents(in);
  if (!contents) return;
  auto tid_at = [&](std::size_t pos, Tag tag) -> std::optional<std::pair<TransactionId, std::size_t>> {
    auto t = loose_tlv(*contents, pos);
    if (!t || t->tag != (0x40u | tag.number)) return std::nullopt;  // [APPLICATION n], primitive
    auto tid = TransactionId::from_bytes(t->value);
    if (!tid) return std::nullopt;
    return std::pair{*tid, t->end};
  };
  const bool has_otid = !type || *type == MessageType::Begin || *type == MessageType::Continue;
  const bool has_dtid = type && (*type == MessageType::End || *type == MessageType::Continue || *type == MessageType::Abort);
  std::size_t pos = 0;
  if (has_otid) {
    auto o = tid_at(pos, kOtidTag);
    if (!o) return;
    if (!e.otid) e.otid = o->first;
    pos = o->second;
  }
  if (has_dtid) {
    auto d = tid_at(pos, kDtidTag);
    if (d && !e.dtid) e.dtid = d->first;
  }
}

}  // namespace

Result<Message> decode_message(Bytes in, MessageError* why) {
  MessageError e;
  auto fail = [&](MessageError::Where where, PAbortCause cause, const Error& err) {
    e.where = where;
    e.cause = cause;
    if (why) *why = e;
    return err;
  };
  constexpr auto kTp = MessageError::Where::TransactionPortion;
  constexpr auto kDp = MessageError::Where::DialoguePortion;
  using PC = PAbortCause;

  if (in.empty()) return fail(kTp, PC::BadlyFormattedTransactionPortion, Error{"TCAP: empty message", in.data()});
  Message m;
  switch (in[0]) {
    case 0x61: case 0x62: case 0x64: case 0x65: case 0x67:
      m.type = static_cast<MessageType>(in[0]);
      break;
    default:
      derive_tids(in, std::nullopt, e);
      return fail(kTp, PC::UnrecognizedMessageType, Error{"TCAP: unrecognized message type", in.data()});
  }
  e.type = m.type;
  auto top = ber::parse_single(in, 0);
  if (!top) {
    // Truncated (or with octets after it): the tids at its head may still be intact.
    derive_tids(in, m.type, e);
    return fail(kTp, PC::BadlyFormattedTransactionPortion, top.error());
  }

  ber::Reader r(top->value, kElementDepth);
  // Reads the next element; BER breakage is a badly formatted transaction portion.
  std::optional<Tlv> cur;
  auto advance = [&]() -> Status {
    cur.reset();
    if (r.at_end()) return Ok{};
    auto t = r.next();
    if (!t) return t.error();
    cur = *t;
    return Ok{};
  };
  auto read_tid = [&](Tag tag, const char* missing, std::optional<TransactionId>& dst) -> Status {
    if (!cur || !(cur->tag == tag)) return Error{missing, cur ? cur->whole.data() : r.here()};
    auto tid = TransactionId::from_bytes(cur->value);
    if (!tid) return Error{"TCAP: transaction ID must be 1 to 4 octets", cur->whole.data()};
    dst = tid;
    return Ok{};
  };

  if (auto s = advance(); !s) return fail(kTp, PC::BadlyFormattedTransactionPortion, s.error());
  bool want_otid = m.type == MessageType::Begin || m.type == MessageType::Continue;
  bool want_dtid = m.type == MessageType::End || m.type == MessageType::Continue || m.type == MessageType::Abort;
  if (want_otid) {
    if (auto s = read_tid(kOtidTag, "TCAP: missing otid", m.otid); !s)
      return fail(kTp, PC::IncorrectTransactionPortion, s.error());
    e.otid = m.otid;
    if (auto s = advance(); !s) return fail(kTp, PC::BadlyFormattedTransactionPortion, s.error());
  }
  if (want_dtid) {
    if (auto s = read_tid(kDtidTag, "TCAP: missing dtid", m.dtid); !s)
      return fail(kTp, PC::IncorrectTransactionPortion, s.error());
    e.dtid = m.dtid;
    if (auto s = advance(); !s) return fail(kTp, PC::BadlyFormattedTransactionPortion, s.error());
  }

  if (m.type == MessageType::Abort && cur && cur->tag == kPAbortTag) {
    auto v = ber::to_integer(*cur);
    if (!v) return fail(kTp, PC::IncorrectTransactionPortion, v.error());
    if (*v < 0 || *v > 255)
      return fail(kTp, PC::IncorrectTransactionPortion, Error{"TCAP: P-AbortCause out of range", cur->value.data()});
    m.p_abort_cause = static_cast<PAbortCause>(*v);
    if (auto s = advance(); !s) return fail(kTp, PC::BadlyFormattedTransactionPortion, s.error());
  } else if (cur && cur->tag == kDialogueTag) {
    auto d = decode_dialogue(*cur, kElementDepth);
    if (!d) return fail(kDp, PC::IncorrectTransactionPortion, d.error());
    m.dialogue = *d;
    if (auto s = advance(); !s) return fail(kTp, PC::BadlyFormattedTransactionPortion, s.error());
  }
  if (m.type != MessageType::Abort && cur && cur->tag == kComponentsTag) {
    m.component_portion = cur->value;
    m.component_portion_indefinite = cur->indefinite;
    if (auto s = advance(); !s) return fail(kTp, PC::BadlyFormattedTransactionPortion, s.error());
  }
  if (cur) return fail(kTp, PC::IncorrectTransactionPortion, Error{"TCAP: unexpected element in message", cur->whole.data()});
  if (m.type == MessageType::Unidirectional && !m.component_portion)
    return fail(kTp, PC::IncorrectTransactionPortion, Error{"TCAP: Unidirectional without components", in.data()});
  return m;
}

Message make_begin(TransactionId otid, std::optional<DialoguePortion> d) {
  Message m;
  m.type = MessageType::Begin;
  m.otid = otid;
  m.dialogue = d;
  return m;
}

Message make_continue(TransactionId otid, TransactionId dtid, std::optional<DialoguePortion> d) {
  Message m;
  m.type = MessageType::Continue;
  m.otid = otid;
  m.dtid = dtid;
  m.dialogue = d;
  return m;
}

Message make_end(TransactionId dtid, std::optional<DialoguePortion> d) {
  Message m;
  m.type = MessageType::End;
  m.dtid = dtid;
  m.dialogue = d;
  return m;
}

Message make_p_abort(TransactionId dtid, PAbortCause cause) {
  Message m;
  m.type = MessageType::Abort;
  m.dtid = dtid;
  m.p_abort_cause = cause;
  return m;
}

Message make_u_abort(TransactionId dtid, std::optional<DialoguePortion> d) {
  Message m;
  m.type = MessageType::Abort;
  m.dtid = dtid;
  m.dialogue = d;
  return m;
}

Message make_unidirectional(std::optional<DialoguePortion> d) {
  Message m;
  m.type = MessageType::Unidirectional;
  m.dialogue = d;
  return m;
}

Result<Bytes> encode_message(std::span<std::uint8_t> out, const Message& m, std::span<const Component> components) {
  return encode_impl(out, m, components, nullptr);
}

Result<Bytes> encode_message_raw(std::span<std::uint8_t> out, const Message& m) {
  if (!m.component_portion) return encode_impl(out, m, {}, nullptr);
  return encode_impl(out, m, {}, &*m.component_portion);
}

}  // namespace ussdgw::tcap
