// TCAP / MAP codec behaviour that needs no capture: malformed input, the
// component and dialogue encoders, error parameters, name tables and the
// no-heap decoding contract.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <vector>

#include "gateway/codec/map_dialogue.h"
#include "gateway/codec/map_errors.h"
#include "gateway/codec/map_names.h"
#include "gateway/codec/tcap.h"
#include "support/alloc_counter.h"
#include "vectors.h"

using namespace ussdgw;
using namespace tcap_test;

namespace {

tcap::MessageError decode_error(const Octets& in) {
  tcap::MessageError why;
  auto m = tcap::decode_message(span(in), &why);
  REQUIRE(!m.ok());
  return why;
}

// Decodes a Begin (otid 01020304) whose component portion contents are `comps`.
Octets begin_with_components(const Octets& comps) {
  Octets b = hex("480401020304");
  b.push_back(0x6c);
  b.push_back(static_cast<std::uint8_t>(comps.size()));
  b += comps;
  Octets m{0x62, static_cast<std::uint8_t>(b.size())};
  return m + b;
}

}  // namespace

TEST_CASE("malformed transaction portions give the P-Abort cause to answer with") {
  using PC = tcap::PAbortCause;
  CHECK(decode_error(Octets{}).cause == PC::BadlyFormattedTransactionPortion);

  // Unknown message type [APPLICATION 3].
  auto e = decode_error(hex("6306480401020304"));
  CHECK(e.cause == PC::UnrecognizedMessageType);
  CHECK(!e.type);

  // Truncated: the outer length runs past the data.
  auto trunc = hex("62494804004734a86b1e281c060700118605010101a011600f80020780a109060704000001001403");
  e = decode_error(trunc);
  CHECK(e.cause == PC::BadlyFormattedTransactionPortion);
  CHECK(e.type == tcap::MessageType::Begin);

  // Trailing octets after the message.
  CHECK(decode_error(hex("620648040102030400")).cause == PC::BadlyFormattedTransactionPortion);

  // otid of 5 octets (Q.773: SIZE (1..4)).
  e = decode_error(hex("6209480501020304056c00"));
  CHECK(e.cause == PC::IncorrectTransactionPortion);

  // Begin carrying a dtid instead of an otid.
  CHECK(decode_error(hex("6206490401020304")).cause == PC::IncorrectTransactionPortion);

  // Continue without dtid: the otid is still reported so a P-Abort can be sent.
  e = decode_error(hex("6506480401020304"));
  CHECK(e.cause == PC::IncorrectTransactionPortion);
  REQUIRE(e.otid);
  CHECK(e.otid->value() == 0x01020304);

  // An inner element whose length overruns the message.
  e = decode_error(hex("650e4804010203044904aabbccdd6c05"));
  CHECK(e.cause == PC::BadlyFormattedTransactionPortion);
  CHECK(e.dtid->value() == 0xaabbccdd);

  // Unexpected element after the component portion.
  CHECK(decode_error(hex("620b4804010203046c000401ff")).cause == PC::IncorrectTransactionPortion);

  // Unidirectional without components.
  CHECK(decode_error(hex("6100")).cause == PC::IncorrectTransactionPortion);

  // Dialogue portion present but broken: reported as a dialogue-portion problem.
  e = decode_error(hex("620b4804010203046b0328010d"));
  CHECK(e.where == tcap::MessageError::Where::DialoguePortion);
  CHECK(e.otid->value() == 0x01020304);
  // Unknown dialogue abstract syntax.
  e = decode_error(hex("6215480401020304" "6b0d280b060700118605010909a000"));
  CHECK(e.where == tcap::MessageError::Where::DialoguePortion);
}

TEST_CASE("P-Abort decodes and encodes") {
  auto in = hex("67094904010203044a0101");
  auto m = tcap::decode_message(span(in));
  REQUIRE(m.ok());
  CHECK(m->type == tcap::MessageType::Abort);
  CHECK(m->p_abort_cause == tcap::PAbortCause::UnrecognizedTransactionId);
  std::uint8_t buf[32];
  auto enc = tcap::encode_message(buf, tcap::make_p_abort(tcap::TransactionId::from_u32(0x01020304),
                                                          tcap::PAbortCause::UnrecognizedTransactionId));
  REQUIRE(enc.ok());
  CHECK(octets(*enc) == in);
  CHECK(std::string_view(tcap::to_string(tcap::PAbortCause::IncorrectTransactionPortion)) ==
        "incorrectTransactionPortion");
}

TEST_CASE("malformed components tell which Reject problem to send") {
  using GP = tcap::GeneralProblem;
  struct Case {
    const char* what;
    Octets comps;
    GP problem;
    std::optional<int> invoke_id;
    bool then_at_end;
  } cases[] = {
      {"garbage octets", hex("ffffff"), GP::BadlyStructuredComponent, std::nullopt, true},
      {"unknown component tag", hex("a503020107"), GP::UnrecognizedComponent, 7, true},
      {"invoke without opcode", hex("a103020101"), GP::MistypedComponent, 1, true},
      {"invokeID not an INTEGER", hex("a106040101020101"), GP::MistypedComponent, std::nullopt, true},
      {"invokeID out of range", hex("a1070202012c02013b"), GP::MistypedComponent, std::nullopt, true},
      {"opcode is an OCTET STRING", hex("a106020102040101"), GP::MistypedComponent, 2, true},
      {"inner length overrun", hex("a10602010202053b"), GP::BadlyStructuredComponent, 2, true},
      {"two parameters", hex("a10c02010302013b3000300030000000"), GP::MistypedComponent, std::nullopt, false},
      {"reject with bad problem tag", hex("a40602010184010100"), GP::MistypedComponent, 1, false},
  };
  for (const auto& c : cases) {
    CAPTURE(c.what);
    auto msg = begin_with_components(c.comps);
    auto m = tcap::decode_message(span(msg));
    REQUIRE(m.ok());  // component problems never fail the message
    auto r = m->components();
    auto comp = r.next();
    REQUIRE(!comp.ok());
    CHECK(r.last_problem().problem == c.problem);
    if (c.invoke_id) {
      REQUIRE(r.last_problem().invoke_id);
      CHECK(r.last_problem().invoke_id->value == *c.invoke_id);
    }
    auto rj = r.last_problem().to_reject();
    CHECK(rj.type == tcap::ProblemType::General);
    CHECK(rj.code == static_cast<std::uint8_t>(c.problem));
    if (c.then_at_end) CHECK(r.at_end());
  }
  // "two parameters" case: 3 sub-elements after the opcode... the second TLV in the
  // portion is still read after the bad one.
  auto msg = begin_with_components(hex("a103020101" "a20302010a"));
  auto m = tcap::decode_message(span(msg));
  REQUIRE(m.ok());
  auto r = m->components();
  CHECK(!r.next().ok());
  auto second = r.next();
  REQUIRE(second.ok());
  CHECK(second->return_result()->invoke_id.value == 10);
}

TEST_CASE("component encoders round trip: linked id, global opcode, RRNL, Reject, ReturnError") {
  auto oid = hex("2a0304");
  auto param = hex("0401aa");
  std::vector<tcap::Component> comps = {
      {tcap::Invoke{tcap::InvokeId{-3}, tcap::InvokeId{1}, tcap::OpCode::make_local(60), span(param)}, {}},
      {tcap::Invoke{tcap::InvokeId{4}, std::nullopt, tcap::OpCode::make_global(span(oid)), std::nullopt}, {}},
      {tcap::ReturnResult{tcap::InvokeId{1}, false, tcap::OpCode::make_local(60), span(param)}, {}},
      {tcap::ReturnResult{tcap::InvokeId{2}, true, std::nullopt, std::nullopt}, {}},
      {tcap::ReturnError{tcap::InvokeId{5}, tcap::ErrorCode::make_local(36), std::nullopt}, {}},
      {tcap::Reject{std::nullopt, tcap::ProblemType::General, 2}, {}},
      {tcap::Reject{tcap::InvokeId{9}, tcap::ProblemType::Invoke, 1}, {}},
  };
  std::uint8_t buf[256];
  auto cont = tcap::make_continue(tcap::TransactionId::from_u32(0x0a0b0c, 3), tcap::TransactionId::from_u32(7, 1));
  auto enc = tcap::encode_message(buf, cont, comps);
  REQUIRE(enc.ok());
  // Fixed expectations from Q.773 §4.2.2 tags (not from the decoder).
  auto expected = hex(
      "654b" "48030a0b0c" "490107" "6c41"
      "a10c0201fd8001010201 3c0401aa"
      "a1080201040603 2a0304"
      "a70b020101 3006 02013c 0401aa"
      "a203020102"
      "a306020105020124"
      "a405 0500 8001 02"
      "a406020109810101");
  CHECK(to_hex(*enc) == to_hex(span(expected)));

  auto m = tcap::decode_message(*enc);
  REQUIRE(m.ok());
  CHECK(m->otid->size() == 3);
  CHECK(m->dtid->size() == 1);
  auto r = m->components();
  auto c0 = r.next();
  REQUIRE(c0.ok());
  CHECK(c0->invoke()->invoke_id.value == -3);
  CHECK(c0->invoke()->linked_id->value == 1);
  auto c1 = r.next();
  REQUIRE(c1.ok());
  CHECK(c1->invoke()->op.global);
  CHECK(octets(c1->invoke()->op.oid) == oid);
  auto c2 = r.next();
  REQUIRE(c2.ok());
  CHECK(c2->type() == tcap::ComponentType::ReturnResultNotLast);
  CHECK(c2->return_result()->op->is_local(60));
  auto c3 = r.next();
  REQUIRE(c3.ok());
  CHECK(c3->type() == tcap::ComponentType::ReturnResultLast);
  auto c4 = r.next();
  REQUIRE(c4.ok());
  CHECK(c4->return_error()->code.is_local(36));
  CHECK(!c4->return_error()->parameter);
  auto c5 = r.next();
  REQUIRE(c5.ok());
  CHECK(!c5->reject()->invoke_id);
  CHECK(c5->reject()->code == 2);
  auto c6 = r.next();
  REQUIRE(c6.ok());
  CHECK(c6->reject()->type == tcap::ProblemType::Invoke);
  CHECK(std::string_view(tcap::problem_to_string(c6->reject()->type, c6->reject()->code)) == "unrecognizedOperation");
  CHECK(r.at_end());
}

TEST_CASE("dialogue encoders: AARE reject for AC fallback equals go-tcap #4 octets") {
  auto ac = map::ac_oid(map::ac::kShortMsgGateway, 2);
  auto abort = tcap::make_u_abort(
      tcap::TransactionId::from_u32(0x02b0d1c4),
      tcap::make_aare(ac, tcap::AssociateResult::RejectPermanent, tcap::DiagnosticSource::ServiceUser,
                      static_cast<std::uint8_t>(tcap::UserDiagnostic::AcNotSupported)));
  std::uint8_t buf[128];
  auto enc = tcap::encode_message(buf, abort);
  REQUIRE(enc.ok());
  // go-tcap 4_abort_dtid_version_mismatch (README: S10 #4).
  CHECK(to_hex(*enc) ==
        "6732490402b0d1c46b2a2828060700118605010101a01d611b80020780a109060704000001001402a203020101a305a103020102");

  // Unidirectional with AUDT and a component.
  tcap::Component inv{tcap::Invoke{tcap::InvokeId{0}, std::nullopt, tcap::OpCode::make_local(63), std::nullopt}, {}};
  auto uni_d = tcap::make_aarq(ac);
  uni_d.type = tcap::DialoguePduType::Audt;
  auto uni = tcap::encode_message(buf, tcap::make_unidirectional(uni_d), std::span<const tcap::Component>(&inv, 1));
  REQUIRE(uni.ok());
  auto back = tcap::decode_message(*uni);
  REQUIRE(back.ok());
  CHECK(back->type == tcap::MessageType::Unidirectional);
  CHECK(back->dialogue->type == tcap::DialoguePduType::Audt);
  // Encoder refuses inconsistent headers.
  CHECK(!tcap::encode_message(buf, tcap::make_unidirectional()).ok());
  tcap::Message bad;
  bad.type = tcap::MessageType::Continue;
  CHECK(!tcap::encode_message(buf, bad).ok());
  std::uint8_t tiny[8];
  CHECK(!tcap::encode_message(tiny, abort).ok());
}

TEST_CASE("MAP dialogue PDUs: refuse, providerAbort, userAbort reasons, accept") {
  std::uint8_t buf[64];
  struct Case {
    map::DialoguePdu pdu;
    const char* hex_pdu;  // MAP-DialoguePDU per TS 29.002 §17.4 (IMPLICIT TAGS)
  } cases[] = {
      {map::make_refuse(map::RefuseReason::InvalidDestinationReference), "a3030a0101"},
      {map::make_provider_abort(map::ProviderAbortReason::InvalidPdu), "a5030a0101"},
      {map::make_user_abort(map::UserAbortChoice::ResourceUnavailable, 1), "a403820101"},
      {map::make_user_abort(map::UserAbortChoice::ApplicationProcedureCancellation, 6), "a403830106"},
      {map::make_user_abort(map::UserAbortChoice::UserResourceLimitation), "a4028100"},
      {map::DialoguePdu{}, "a000"},
  };
  cases[5].pdu.type = map::DialoguePduType::Accept;
  cases[5].hex_pdu = "a100";
  for (const auto& c : cases) {
    CAPTURE(c.hex_pdu);
    auto enc = map::encode_user_information(buf, c.pdu);
    REQUIRE(enc.ok());
    // EXTERNAL { direct-reference map-DialogueAS, single-ASN1-type [0] }.
    CHECK(to_hex(enc->first(11)).substr(0, 2) == "28");
    CHECK(to_hex(enc->subspan(2, 9)) == "060704000001010101");
    auto pdu = hex(c.hex_pdu);
    auto dec = map::decode_dialogue_pdu(span(pdu));
    REQUIRE(dec.ok());
    CHECK(dec->type == c.pdu.type);
    CHECK(dec->refuse_reason == c.pdu.refuse_reason);
    CHECK(dec->provider_abort_reason == c.pdu.provider_abort_reason);
    CHECK(dec->user_abort_choice == c.pdu.user_abort_choice);
    CHECK(dec->user_abort_reason == c.pdu.user_abort_reason);
    auto ui = map::decode_user_information(*enc);
    REQUIRE(ui.ok());
    CHECK(ui->type == c.pdu.type);
    // the EXTERNAL wraps exactly the PDU
    auto tail = octets(*enc).substr(enc->size() - pdu.size());
    CHECK(tail == pdu);
  }
  CHECK(!map::decode_dialogue_pdu(span(hex("a6020500"))).ok());
  CHECK(!map::decode_user_information(span(hex("2809060700118605010101a000"))).ok());
}

TEST_CASE("MAP error parameters: v<3 and v3 forms, mandatory sm-DeliveryFailure, no-parameter errors") {
  std::uint8_t buf[64];
  struct Case {
    int code;
    const char* param;  // "" = none
    const char* text;
  } cases[] = {
      {34, "0a0101", "systemFailure(34) networkResource=hlr"},
      {34, "30030a0102", "systemFailure(34) networkResource=vlr"},
      {13, "0a0101", "callBarred(13) cause=operatorBarring"},
      {13, "30050a01008100", "callBarred(13) cause=barringServiceActive unauthorisedMessageOriginator"},
      {32, "30070a0102040200ff", "sm-DeliveryFailure(32) cause=equipmentNotSM-Equipped diagnosticInfoOctets=2"},
      {27, "3003800102", "absentSubscriber(27) reason=noPageResponse"},
      {27, "0101ff", "absentSubscriber(27) mwd-Set=true"},
      {36, "", "unexpectedDataValue(36)"},
      {36, "30028000", "unexpectedDataValue(36) unexpectedSubscriber"},
      {21, "3000", "facilityNotSupported(21)"},
      {35, "3000", "dataMissing(35)"},
      {9, "3000", "illegalSubscriber(9)"},
      {12, "3000", "illegalEquipment(12)"},
      {71, "", "unknownAlphabet(71)"},
      {72, "", "ussd-Busy(72)"},
      {6, "30060201018001 05", "absentSubscriberSM(6) diagnostic=1 additionalDiagnostic=5"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    auto raw = hex(c.param);
    std::optional<Bytes> param;
    if (!raw.empty()) param = span(raw);
    auto p = map::decode_error_parameter(c.code, param);
    REQUIRE(p.ok());
    CHECK(map::to_text(*p) == std::string_view(c.text));
    auto enc = map::encode_error_parameter(buf, *p);
    REQUIRE(enc.ok());
    CHECK(to_hex(*enc) == to_hex(span(raw)));
  }
  CHECK(!map::decode_error_parameter(32, std::nullopt).ok());
  CHECK(!map::decode_error_parameter(32, span(hex("3000"))).ok());
  CHECK(!map::decode_error_parameter(1, span(hex("0a0100"))).ok());
  CHECK(!map::decode_error_parameter(1, span(hex("3005"))).ok());

  auto sf = map::make_system_failure(map::NetworkResource::Hlr, false);
  auto enc = map::encode_error_parameter(buf, sf);
  REQUIRE(enc.ok());
  CHECK(to_hex(*enc) == "0a0101");
}

TEST_CASE("MAP name tables") {
  CHECK(map::operation_name(59) == "processUnstructuredSS-Request");
  CHECK(map::operation_name(60) == "unstructuredSS-Request");
  CHECK(map::operation_name(61) == "unstructuredSS-Notify");
  CHECK(map::operation_name(45) == "sendRoutingInfoForSM");
  CHECK(map::operation_name(44) == "mt-forwardSM");
  CHECK(map::operation_name(46) == "mo-forwardSM");
  CHECK(map::operation_name(46, 2) == "forwardSM");
  CHECK(map::operation_name(46, 1) == "forwardSM");
  CHECK(map::operation_name_for_ac(46, {}) == "forwardSM");  // no dialogue portion = v1
  CHECK(map::operation_name_for_ac(46, map::ac::kShortMsgMoRelayV3) == "mo-forwardSM");
  CHECK(map::operation_name_for_ac(46, map::ac::kShortMsgMtRelayV2) == "forwardSM");
  CHECK(map::operation_name(47) == "reportSM-DeliveryStatus");
  CHECK(map::operation_name(64) == "alertServiceCentre");
  CHECK(map::operation_name(49) == "alertServiceCentreWithoutResult");
  CHECK(map::operation_name(63) == "informServiceCentre");
  CHECK(map::operation_name(66) == "readyForSM");
  CHECK(map::operation_name(22) == "sendRoutingInfo");
  CHECK(map::operation_name(2) == "updateLocation");
  CHECK(map::operation_name(56) == "sendAuthenticationInfo");
  CHECK(map::operation_name(7) == "insertSubscriberData");
  CHECK(map::operation_name(1).empty());
  CHECK(map::operation_name(200).empty());

  CHECK(map::error_name(1) == "unknownSubscriber");
  CHECK(map::error_name(6) == "absentSubscriberSM");
  CHECK(map::error_name(32) == "sm-DeliveryFailure");
  CHECK(map::error_name(34) == "systemFailure");
  CHECK(map::error_name(71) == "unknownAlphabet");
  CHECK(map::error_name(72) == "ussd-Busy");
  CHECK(map::error_name(44) == "numberChanged");
  CHECK(map::error_name(51) == "resourceLimitation");
  CHECK(map::error_name(0).empty());

  CHECK(map::ac_name(map::ac::kNetworkUnstructuredSsV2) == std::string_view("networkUnstructuredSsContext-v2"));
  CHECK(map::ac_name(map::ac::kShortMsgGatewayV1) == std::string_view("shortMsgGatewayContext-v1"));
  CHECK(map::ac_name(map::ac::kShortMsgGatewayV3) == std::string_view("shortMsgGatewayContext-v3"));
  CHECK(map::ac_name(map::ac::kShortMsgRelayV1) == std::string_view("shortMsgRelayContext-v1"));
  CHECK(map::ac_name(map::ac::kShortMsgMoRelayV2) == std::string_view("shortMsgMO-RelayContext-v2"));
  CHECK(map::ac_name(map::ac::kShortMsgMtRelayV3) == std::string_view("shortMsgMT-RelayContext-v3"));
  CHECK(map::ac_name(map::ac::kShortMsgAlertV1) == std::string_view("shortMsgAlertContext-v1"));
  CHECK(map::ac_name(map::ac::kMwdMngtV3) == std::string_view("mwdMngtContext-v3"));
  CHECK(map::ac_name(map::ac_oid(5, 3)) == std::string_view("locationInfoRetrievalContext-v3"));
  CHECK(map::ac_name(map::ac_oid(19, 1)).empty());  // networkUnstructuredSs has only v2
  CHECK(map::ac_name(Bytes(tcap::kDialogueAsId)).empty());
  // Wire form of the AC OID (PROTOCOL-NOTES §5): 04 00 00 01 00 13 02.
  CHECK(to_hex(Bytes(map::ac::kNetworkUnstructuredSsV2)) == "04000001001302");
}

// Under ASan nothing counts allocations: doctest reports the case as skipped.
TEST_CASE("decoding a USSD Begin and walking its components does not allocate" *
          doctest::skip(!ussdgw::test::counting_allocations())) {
  auto ws = load_vectors("wireshark_sample_ussd.hex");
  auto gt = load_vectors("gomaja_go-tcap.hex");
  if (ws.empty() || gt.empty()) {
    ussdgw::test::shared_vectors_missing("vectors/hex");
    return;
  }
  std::vector<Octets> inputs = {ws["tcap_pycrate"], gt["1_two_components"],
                                gt["tcap_stream_containing_indefinite_length_non_der_returnerror"]};
  long before = test::allocations();
  int components = 0;
  bool all_ok = true;
  for (const auto& in : inputs) {
    auto m = tcap::decode_message(span(in));
    all_ok &= m.ok();
    if (!m.ok()) continue;
    if (m->dialogue && m->dialogue->user_information) {
      auto mp = map::decode_user_information(*m->dialogue->user_information);
      all_ok &= mp.ok();
      if (mp && mp->destination_reference) all_ok &= !map::read_reference(*mp->destination_reference).best_digits().empty();
    }
    auto r = m->components();
    while (!r.at_end()) {
      auto c = r.next();
      all_ok &= c.ok();
      ++components;
    }
  }
  long after = test::allocations();
  CHECK(all_ok);
  CHECK(components == 4);
  CHECK(after - before == 0);
}

namespace {
// Runs every decoder over `in`; only checks that nothing crashes or reads out
// of bounds (meaningful under ASan/UBSan).
void exercise(Bytes in) {
  auto m = tcap::decode_message(in);
  if (!m) return;
  if (m->dialogue && m->dialogue->user_information) {
    auto mp = map::decode_user_information(*m->dialogue->user_information);
    if (mp && mp->destination_reference) (void)map::read_reference(*mp->destination_reference);
  }
  auto r = m->components();
  for (int guard = 0; !r.at_end() && guard < 64; ++guard) {
    auto c = r.next();
    if (!c) continue;
    if (auto* re = c->return_error()) {
      auto p = map::decode_error_parameter(re->code.local, re->parameter);
      if (p) (void)map::to_text(*p);
    }
  }
}
}  // namespace

TEST_CASE("truncated and bit-flipped captures never crash the decoders") {
  auto gt = load_vectors("gomaja_go-tcap.hex");
  auto jss7 = load_vectors("jss7.hex");
  if (gt.empty() || jss7.empty()) {
    ussdgw::test::shared_vectors_missing("vectors/hex");
    return;
  }
  std::vector<Octets> inputs;
  for (const auto& [name, b] : gt) inputs.push_back(b);
  inputs.push_back(jss7["tcbegin1_indef"]);
  std::size_t runs = 0;
  for (const auto& in : inputs) {
    for (std::size_t n = 0; n <= in.size(); ++n) {
      // A fresh heap copy of exactly n octets, so ASan sees any over-read.
      std::vector<std::uint8_t> cut(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(n));
      exercise(Bytes(cut.data(), cut.size()));
      ++runs;
    }
    for (std::size_t i = 0; i < in.size(); ++i) {
      for (std::uint8_t v : {std::uint8_t{0x00}, std::uint8_t{0x80}, std::uint8_t{0xff}, static_cast<std::uint8_t>(in[i] ^ 0x20)}) {
        std::vector<std::uint8_t> mut(in.begin(), in.end());
        mut[i] = v;
        exercise(Bytes(mut.data(), mut.size()));
        ++runs;
      }
    }
  }
  CHECK(runs > 1000);
}

// ---- Issue 7 #1: the transaction ids still derived from a message whose
// transaction portion is broken, so that the dialogue layer can answer with a
// P-Abort (Q.774 §3.2.1.2: "if the originating transaction ID is derivable,
// a TC-P-ABORT is sent"; only a message without one is discarded).

namespace {
// A well-formed BEGIN (otid 0a0b0c0d, AARQ for networkUnstructuredSsContext-v2,
// one invoke of op 59), used to cut at chosen places.
const Octets kBegin = hex(
    "623548040a0b0c0d"
    "6b1e281c060700118605010101a011600f80020780a109060704000001001302"
    "6c0da10b02010102013b300304010f");

}  // namespace

TEST_CASE("the sample BEGIN is well formed") {
  tcap::MessageError why;
  auto m = tcap::decode_message(span(kBegin), &why);
  REQUIRE(m.ok());
  CHECK(m->otid->value() == 0x0a0b0c0d);
}

TEST_CASE("BEGIN truncated inside its dialogue portion: badly formatted, otid derived") {
  // The outer length still claims the whole message (what a truncating
  // transport produces; the gateway logged "length exceeds enclosing data").
  auto e = decode_error(kBegin.substr(0, 20));
  CHECK(e.where == tcap::MessageError::Where::TransactionPortion);
  CHECK(e.cause == tcap::PAbortCause::BadlyFormattedTransactionPortion);
  CHECK(e.type == tcap::MessageType::Begin);
  REQUIRE(e.otid);
  CHECK(e.otid->value() == 0x0a0b0c0d);
  CHECK_FALSE(e.dtid);
}

TEST_CASE("BEGIN truncated inside its component portion: badly formatted, otid derived") {
  auto e = decode_error(kBegin.substr(0, kBegin.size() - 5));
  CHECK(e.cause == tcap::PAbortCause::BadlyFormattedTransactionPortion);
  REQUIRE(e.otid);
  CHECK(e.otid->value() == 0x0a0b0c0d);
}

TEST_CASE("CONTINUE truncated after its tids: both derived") {
  auto e = decode_error(hex("6520480411223344490455667788 6c10a1"));
  CHECK(e.cause == tcap::PAbortCause::BadlyFormattedTransactionPortion);
  CHECK(e.type == tcap::MessageType::Continue);
  REQUIRE(e.otid);
  CHECK(e.otid->value() == 0x11223344);
  REQUIRE(e.dtid);
  CHECK(e.dtid->value() == 0x55667788);
}

TEST_CASE("END truncated: its dtid is derived, it has no otid") {
  auto e = decode_error(hex("64204904556677886c10"));
  REQUIRE(e.dtid);
  CHECK(e.dtid->value() == 0x55667788);
  CHECK_FALSE(e.otid);
}

TEST_CASE("unknown message type with a readable otid: unrecognizedMessageType and the otid") {
  auto e = decode_error(hex("6a06480401020304"));
  CHECK(e.cause == tcap::PAbortCause::UnrecognizedMessageType);
  CHECK_FALSE(e.type);
  REQUIRE(e.otid);
  CHECK(e.otid->value() == 0x01020304);
  CHECK_FALSE(e.dtid);  // the message's meaning is unknown: no dialogue is touched
  // Also when the rest of the message is broken or cut.
  e = decode_error(hex("6a40480401020304 6b"));
  CHECK(e.cause == tcap::PAbortCause::UnrecognizedMessageType);
  REQUIRE(e.otid);
  CHECK(e.otid->value() == 0x01020304);
}

TEST_CASE("no otid derivable: nothing reported") {
  // Cut inside the otid itself.
  CHECK_FALSE(decode_error(kBegin.substr(0, 6)).otid);
  // Only the tag and a length.
  CHECK_FALSE(decode_error(hex("6236")).otid);
  // A length header that is itself cut (long form announcing 2 octets).
  CHECK_FALSE(decode_error(hex("6282")).otid);
  // Unknown type whose first element is not an otid.
  CHECK_FALSE(decode_error(hex("6a06490401020304")).otid);
  // An otid of 5 octets is not an otid (Q.773: SIZE (1..4)).
  CHECK_FALSE(decode_error(hex("6a0748050102030405")).otid);
  // Zero-length otid.
  CHECK_FALSE(decode_error(hex("62204800")).otid);
}
