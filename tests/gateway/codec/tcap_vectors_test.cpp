// TCAP decoding and re-encoding against real captures, read in place from
// /work/shared/vectors/hex. Expected values come from vectors/README.md and
// the tshark digests in vectors/decoded/SUMMARY.md.
#include <doctest/doctest.h>

#include <vector>

#include "gateway/codec/map_dialogue.h"
#include "gateway/codec/map_errors.h"
#include "gateway/codec/map_names.h"
#include "gateway/codec/tcap.h"
#include "support/tcap_components.h"
#include "vectors.h"

using namespace ussdgw;
using namespace tcap_test;

namespace {

struct ExpectComp {
  tcap::ComponentType type;
  int invoke_id;
  int code;  // op code (invoke / RR with result) or error code; -1 = none
};

struct ExpectMsg {
  const char* name;
  tcap::MessageType type;
  std::int64_t otid;  // -1 = absent
  std::int64_t dtid;
  const char* ac;     // dotted; "" = no AC / no dialogue
  std::optional<tcap::DialoguePduType> dlg;
  std::vector<ExpectComp> comps;
};

using MT = tcap::MessageType;
using CT = tcap::ComponentType;
using DT = tcap::DialoguePduType;

// README "S10_gotcap_real_tcap" row and SUMMARY.md frames 1-22.
const std::vector<ExpectMsg>& gomaja_expectations() {
  static const std::vector<ExpectMsg> v = {
      {"1_two_components", MT::End, -1, 0x0086e897, "0.4.0.0.1.0.20.3", DT::Aare,
       {{CT::ReturnResultLast, 0, 45}, {CT::Invoke, 1, 63}}},
      {"2_sri_sm", MT::Begin, 0x004734a8, -1, "0.4.0.0.1.0.20.3", DT::Aarq, {{CT::Invoke, 0, 45}}},
      {"3_error_sri_sm", MT::End, -1, 0x004734a8, "0.4.0.0.1.0.20.3", DT::Aare, {{CT::ReturnError, 0, 1}}},
      {"4_abort_dtid_version_mismatch", MT::Abort, -1, 0x02b0d1c4, "0.4.0.0.1.0.20.2", DT::Aare, {}},
      {"5_sri_sm_response", MT::End, -1, 0x02b0d1c6, "0.4.0.0.1.0.20.2", DT::Aare, {{CT::ReturnResultLast, 0, 45}}},
      {"6_begin_otid_long_message", MT::Begin, 0x008bd040, -1, "0.4.0.0.1.0.25.3", DT::Aarq, {}},
      {"7_continue_otid_dtid_long_message", MT::Continue, 0x0419000f, 0x008bd040, "0.4.0.0.1.0.25.3", DT::Aare, {}},
      {"8_invoke_mt_forwardsm_fragment_1_of_2", MT::Continue, 0x008bd040, 0x0419000f, "", std::nullopt,
       {{CT::Invoke, 1, 44}}},
      {"9_returnresultlast", MT::Continue, 0x0419000f, 0x008bd040, "", std::nullopt, {{CT::ReturnResultLast, 1, -1}}},
      {"10_returnresultlast", MT::End, -1, 0x008bd040, "", std::nullopt, {{CT::ReturnResultLast, 2, -1}}},
      {"11_invoke_reportsm_deliverystatus", MT::Begin, 0x03c940ec, -1, "0.4.0.0.1.0.20.3", DT::Aarq,
       {{CT::Invoke, 0, 47}}},
      {"12_invoke_mt_forwardsm", MT::Begin, 0x03c93f57, -1, "0.4.0.0.1.0.25.3", DT::Aarq, {{CT::Invoke, 0, 44}}},
      {"13_abort_dtid_for_invoke_mt_forwardsm", MT::Abort, -1, 0x03c93f57, "", DT::Abrt, {}},
      {"14_invoke_alertservicecentre", MT::Begin, 0x00d199b0, -1, "0.4.0.0.1.0.23.2", DT::Aarq, {{CT::Invoke, 1, 64}}},
      {"15_invoke_alertservicecentrewithoutresult", MT::Begin, 0x7c0801f8, -1, "", std::nullopt,
       {{CT::Invoke, 1, 49}}},
      {"16_invoke_forwardsm", MT::Begin, 0x8c150d06, -1, "", std::nullopt, {{CT::Invoke, 0, 46}}},
      {"17_invoke_sendroutinginfo", MT::Begin, 0x03ed2d12, -1, "0.4.0.0.1.0.5.3", DT::Aarq, {{CT::Invoke, -59, 22}}},
      {"18_invoke_mt_forwardsm_short_message_fragment_1_of_2", MT::Continue, 0x008bd040, 0x0419000f, "",
       std::nullopt, {{CT::Invoke, 1, 44}}},
      {"19_invoke_forwardsm_short_message_fragment_2_of_2", MT::Continue, 0x008bd040, 0x0419000f, "", std::nullopt,
       {{CT::Invoke, 2, 44}}},
      {"20_returnresultlast_a_response_for_an_fsm", MT::End, -1, 0x00000001, "0.4.0.0.1.0.25.3", DT::Aare,
       {{CT::ReturnResultLast, 0, -1}}},
      {"tcap_stream_containing_indefinite_length_non_der_returnerror", MT::End, -1, 0x00519a28,
       "0.4.0.0.1.0.25.3", DT::Aare, {{CT::ReturnError, 0, 6}}},
      {"tcap_stream_containing_indefinite_length_non_der_returnresultlast_sendroutinginfoforsm", MT::End, -1,
       0x000acb77, "0.4.0.0.1.0.20.3", DT::Aare, {{CT::ReturnResultLast, 0, 45}}},
  };
  return v;
}

using ussdgw::test::all_components;

Octets reencode(const tcap::Message& m) {
  auto comps = all_components(m);
  std::uint8_t buf[1024];
  auto e = tcap::encode_message(buf, m, comps);
  REQUIRE(e.ok());
  return octets(*e);
}

}  // namespace

TEST_CASE("go-tcap vectors decode with the fields of the README table") {
  auto vec = load_vectors("gomaja_go-tcap.hex");
  if (vec.empty()) {
    ussdgw::test::shared_vectors_missing("vectors/hex");
    return;
  }
  REQUIRE(vec.size() == 22);
  for (const auto& ex : gomaja_expectations()) {
    CAPTURE(ex.name);
    REQUIRE(vec.count(ex.name) == 1);
    const auto& bytes = vec[ex.name];
    tcap::MessageError why;
    auto m = tcap::decode_message(span(bytes), &why);
    REQUIRE(m.ok());
    CHECK(m->type == ex.type);
    if (ex.otid >= 0) {
      REQUIRE(m->otid);
      CHECK(m->otid->size() == 4);
      CHECK(m->otid->value() == static_cast<std::uint32_t>(ex.otid));
    } else {
      CHECK(!m->otid);
    }
    if (ex.dtid >= 0) {
      REQUIRE(m->dtid);
      CHECK(m->dtid->value() == static_cast<std::uint32_t>(ex.dtid));
    } else {
      CHECK(!m->dtid);
    }
    if (ex.dlg) {
      REQUIRE(m->dialogue);
      CHECK(m->dialogue->type == *ex.dlg);
      CHECK(m->dialogue->ac_dotted() == std::string_view(ex.ac));
    } else {
      CHECK(!m->dialogue);
    }
    auto comps = all_components(*m);
    REQUIRE(comps.size() == ex.comps.size());
    for (std::size_t i = 0; i < comps.size(); ++i) {
      CAPTURE(i);
      const auto& c = comps[i];
      CHECK(c.type() == ex.comps[i].type);
      if (auto* inv = c.invoke()) {
        CHECK(inv->invoke_id.value == ex.comps[i].invoke_id);
        CHECK(inv->op.is_local(ex.comps[i].code));
      } else if (auto* rr = c.return_result()) {
        CHECK(rr->invoke_id.value == ex.comps[i].invoke_id);
        if (ex.comps[i].code < 0) {
          CHECK(!rr->op);
        } else {
          REQUIRE(rr->op);
          CHECK(rr->op->is_local(ex.comps[i].code));
          CHECK(rr->parameter);
        }
      } else if (auto* re = c.return_error()) {
        CHECK(re->invoke_id.value == ex.comps[i].invoke_id);
        CHECK(re->code.is_local(ex.comps[i].code));
      }
    }
  }
}

TEST_CASE("go-tcap #4: AC version fallback abort carries AARE reject-permanent, user diag AC-not-supported") {
  auto vec = load_vectors("gomaja_go-tcap.hex");
  if (vec.empty()) {
    ussdgw::test::shared_vectors_missing("vectors/hex");
    return;
  }
  auto m = tcap::decode_message(span(vec["4_abort_dtid_version_mismatch"]));
  REQUIRE(m.ok());
  CHECK(!m->p_abort_cause);
  REQUIRE(m->dialogue);
  const auto& d = *m->dialogue;
  CHECK(d.type == tcap::DialoguePduType::Aare);
  CHECK(d.result == tcap::AssociateResult::RejectPermanent);
  CHECK(d.diagnostic_source == tcap::DiagnosticSource::ServiceUser);
  CHECK(d.diagnostic == static_cast<std::uint8_t>(tcap::UserDiagnostic::AcNotSupported));
  CHECK(map::ac_name(d.application_context) == std::string_view("shortMsgGatewayContext-v2"));
  CHECK(d.has_version1());

  // #1: accepted, dialogue-service-user null, and no protocol-version element.
  auto m1 = tcap::decode_message(span(vec["1_two_components"]));
  REQUIRE(m1.ok());
  CHECK(m1->dialogue->result == tcap::AssociateResult::Accepted);
  CHECK(m1->dialogue->diagnostic == 0);
  CHECK(m1->dialogue->protocol_version.empty());
}

TEST_CASE("go-tcap #3 / #21: returnError parameters unknownSubscriber and absentSubscriberSM") {
  auto vec = load_vectors("gomaja_go-tcap.hex");
  if (vec.empty()) {
    ussdgw::test::shared_vectors_missing("vectors/hex");
    return;
  }
  auto m = tcap::decode_message(span(vec["3_error_sri_sm"]));
  REQUIRE(m.ok());
  auto comps = all_components(*m);
  auto* re = comps.at(0).return_error();
  REQUIRE(re);
  REQUIRE(re->parameter);
  CHECK(octets(*re->parameter) == hex("30030a0100"));
  auto p = map::decode_error_parameter(re->code.local, re->parameter);
  REQUIRE(p.ok());
  CHECK(p->unknown_subscriber_diagnostic == std::optional<std::uint8_t>(0));  // imsiUnknown
  CHECK(map::to_text(*p) == std::string_view("unknownSubscriber(1) diagnostic=imsiUnknown"));
  std::uint8_t buf[32];
  auto enc = map::encode_error_parameter(buf, *p);
  REQUIRE(enc.ok());
  CHECK(octets(*enc) == hex("30030a0100"));

  auto m21 = tcap::decode_message(span(vec["tcap_stream_containing_indefinite_length_non_der_returnerror"]));
  REQUIRE(m21.ok());
  auto c21 = all_components(*m21);
  auto* re21 = c21.at(0).return_error();
  REQUIRE(re21);
  auto p21 = map::decode_error_parameter(re21->code.local, re21->parameter);
  REQUIRE(p21.ok());
  CHECK(p21->absent_sm_diagnostic == std::optional<std::uint8_t>(1));
  CHECK(map::to_text(*p21) == std::string_view("absentSubscriberSM(6) diagnostic=1"));
  auto enc21 = map::encode_error_parameter(buf, *p21);
  REQUIRE(enc21.ok());
  CHECK(octets(*enc21) == hex("3003020101"));
}

TEST_CASE("go-tcap #13: user abort with ABRT dialogue-service-user and map-userAbort") {
  auto vec = load_vectors("gomaja_go-tcap.hex");
  if (vec.empty()) {
    ussdgw::test::shared_vectors_missing("vectors/hex");
    return;
  }
  const auto& bytes = vec["13_abort_dtid_for_invoke_mt_forwardsm"];
  auto m = tcap::decode_message(span(bytes));
  REQUIRE(m.ok());
  REQUIRE(m->dialogue);
  CHECK(m->dialogue->type == tcap::DialoguePduType::Abrt);
  CHECK(m->dialogue->abort_source == tcap::AbortSource::ServiceUser);
  REQUIRE(m->dialogue->user_information);
  auto mp = map::decode_user_information(*m->dialogue->user_information);
  REQUIRE(mp.ok());
  CHECK(mp->type == map::DialoguePduType::UserAbort);
  CHECK(mp->user_abort_choice == map::UserAbortChoice::UserSpecificReason);

  // Rebuilt from values: the same octets.
  std::uint8_t ui[64];
  auto uib = map::encode_user_information(ui, map::make_user_abort(map::UserAbortChoice::UserSpecificReason));
  REQUIRE(uib.ok());
  std::uint8_t buf[128];
  auto enc = tcap::encode_message(
      buf, tcap::make_u_abort(tcap::TransactionId::from_u32(0x03c93f57), tcap::make_abrt(tcap::AbortSource::ServiceUser, *uib)));
  REQUIRE(enc.ok());
  CHECK(to_hex(*enc) == to_hex(span(bytes)));
}

TEST_CASE("go-tcap DER vectors 1-20 re-encode byte for byte") {
  auto vec = load_vectors("gomaja_go-tcap.hex");
  if (vec.empty()) {
    ussdgw::test::shared_vectors_missing("vectors/hex");
    return;
  }
  int n = 0;
  for (const auto& entry : vec) {
    // Not a structured binding: clang 14 cannot capture one (CAPTURE is a lambda).
    const auto& name = entry.first;
    const auto& bytes = entry.second;
    if (name.rfind("tcap_stream_", 0) == 0) continue;  // the two indefinite-length ones
    CAPTURE(name);
    auto m = tcap::decode_message(span(bytes));
    REQUIRE(m.ok());
    CHECK(to_hex(span(reencode(*m))) == to_hex(span(bytes)));
    std::uint8_t buf[1024];
    auto raw = tcap::encode_message_raw(buf, *m);
    REQUIRE(raw.ok());
    CHECK(octets(*raw) == bytes);
    ++n;
  }
  CHECK(n == 20);
}

TEST_CASE("indefinite-length component portions decode and re-encode in definite form") {
  auto vec = load_vectors("gomaja_go-tcap.hex");
  auto jss7 = load_vectors("jss7.hex");
  if (vec.empty() || jss7.empty()) {
    ussdgw::test::shared_vectors_missing("vectors/hex");
    return;
  }
  // Expected: the same octets with `6c 80 .. 00 00` given a definite length
  // and the outer length reduced by the two end-of-contents octets.
  struct Case {
    Octets in;
    Octets definite;
  } cases[] = {
      {vec["tcap_stream_containing_indefinite_length_non_der_returnerror"],
       hex("6441490400519a286b2a2828060700118605010101a01d611b80020780a109060704000001001903a203020100a305a1030201006c0d"
           "a30b0201000201063003020101")},
      {vec["tcap_stream_containing_indefinite_length_non_der_returnresultlast_sendroutinginfoforsm"],
       hex("64554904000acb776b2a2828060700118605010101a01d611b80020780a109060704000001001403a203020100a305a103020100"
           "6c21a21f020100301a02012d3015040873000400960848f6a0098107918192039619f4")},
      // U02: jss7's own definite re-encoding of its trace (TcBeginTest b2).
      {jss7["tcbegin1_indef"], jss7["tcbegin1_def"]},
  };
  for (const auto& c : cases) {
    REQUIRE(!c.in.empty());
    auto m = tcap::decode_message(span(c.in));
    REQUIRE(m.ok());
    CHECK(m->component_portion_indefinite);
    auto out = reencode(*m);
    CHECK(to_hex(span(out)) == to_hex(span(c.definite)));
    CHECK(out.size() == c.in.size() - 2);
    auto again = tcap::decode_message(span(out));
    REQUIRE(again.ok());
    CHECK(!again->component_portion_indefinite);
  }
}

TEST_CASE("TCAP parts of other captures decode and re-encode byte for byte") {
  auto ws = load_vectors("wireshark_sample_ussd.hex");
  auto sigfw = load_vectors("sigfw.hex");
  auto vbn = load_vectors("vbn_test.hex");
  auto jss7 = load_vectors("jss7.hex");
  if (ws.empty() || sigfw.empty() || vbn.empty() || jss7.empty()) {
    ussdgw::test::shared_vectors_missing("vectors/hex");
    return;
  }
  struct Case {
    const char* what;
    std::optional<Octets> tcap;
    MT type;
    const char* ac;
    int op;
  } cases[] = {
      {"WS pycrate", ws["tcap_pycrate"], MT::Begin, "networkUnstructuredSsContext-v2", 59},
      {"WS m2ua frame", tcap_at(ws["m2ua_mtp3_sccp_tcap"], hex("626a48042f3b4602")), MT::Begin,
       "networkUnstructuredSsContext-v2", 59},
      {"SigFW", tcap_at(sigfw["m3ua_data_pussr_begin"], hex("6275480400000001")), MT::Begin,
       "networkUnstructuredSsContext-v2", 59},
      {"VBN", tcap_at(vbn["m3ua_data_ussr_begin_nokia"], hex("6265480429960d24")), MT::Begin,
       "networkUnstructuredSsContext-v2", 60},
      {"jss7 tcbegin1_def", jss7["tcbegin1_def"], MT::Begin, "networkUnstructuredSsContext-v2", 59},
      {"jss7 UDT dialogic", tcap_at(jss7["sccp_udt_fsm_dialogic"], hex("625b480400020030")), MT::Begin,
       "shortMsgMT-RelayContext-v2", 46},
      {"jss7 XUDT 3-octet dtid", tcap_at(jss7["sccp_xudt_end_mtfsm"], hex("6417490303b5d7")), MT::End, "", 44},
  };
  for (const auto& c : cases) {
    CAPTURE(c.what);
    REQUIRE(c.tcap);
    auto m = tcap::decode_message(span(*c.tcap));
    REQUIRE(m.ok());
    CHECK(m->type == c.type);
    if (*c.ac) {
      REQUIRE(m->dialogue);
      CHECK(map::ac_name(m->dialogue->application_context) == std::string_view(c.ac));
    }
    auto comps = all_components(*m);
    REQUIRE(comps.size() == 1);
    if (auto* inv = comps[0].invoke()) CHECK(inv->op.is_local(c.op));
    if (auto* rr = comps[0].return_result()) CHECK(rr->op->is_local(c.op));
    CHECK(to_hex(span(reencode(*m))) == to_hex(span(*c.tcap)));
  }
  // S13 #2: the 3-octet dtid survives as 3 octets.
  auto x = tcap::decode_message(span(*tcap_at(jss7["sccp_xudt_end_mtfsm"], hex("6417490303b5d7"))));
  REQUIRE(x.ok());
  CHECK(x->dtid->size() == 3);
  CHECK(x->dtid->value() == 0x03b5d7);
}

TEST_CASE("U02 trace: MAP-OpenInfo with Ericsson [2]/[3] and a raw IMSI destinationReference") {
  auto jss7 = load_vectors("jss7.hex");
  if (jss7.empty()) {
    ussdgw::test::shared_vectors_missing("vectors/hex");
    return;
  }
  for (const char* name : {"tcbegin1_indef", "tcbegin1_def"}) {
    CAPTURE(name);
    auto m = tcap::decode_message(span(jss7[name]));
    REQUIRE(m.ok());
    CHECK(m->otid->value() == 0x1a0002e1);
    REQUIRE(m->dialogue);
    CHECK(m->dialogue->type == tcap::DialoguePduType::Aarq);
    CHECK(m->dialogue->ac_dotted() == std::string_view("0.4.0.0.1.0.19.2"));
    REQUIRE(m->dialogue->user_information);
    auto mp = map::decode_user_information(*m->dialogue->user_information);
    REQUIRE(mp.ok());
    CHECK(mp->type == map::DialoguePduType::Open);
    REQUIRE(mp->destination_reference);
    CHECK(octets(*mp->destination_reference) == hex("33080509131765f0"));
    auto dst = map::read_reference(*mp->destination_reference);
    CHECK(dst.likely_raw_imsi);
    CHECK(dst.best_digits() == std::string_view("338050903171560"));
    REQUIRE(dst.address);  // the literal reading tshark shows: NAI 3, NPI 3, 8050903171560
    CHECK(dst.address->nai == 3);
    CHECK(dst.address->npi == 3);
    CHECK(dst.address->digits == std::string_view("8050903171560"));

    REQUIRE(mp->origination_reference);
    auto org = map::read_reference(*mp->origination_reference);
    CHECK(!org.likely_raw_imsi);
    CHECK(org.best_digits() == std::string_view("18763808834"));
    REQUIRE(mp->calling_msisdn);
    CHECK(octets(*mp->calling_msisdn) == hex("910539077063f6"));
    REQUIRE(mp->calling_vlr_address);
    CHECK(octets(*mp->calling_vlr_address) == hex("918167838048f7"));

    // The vendor elements survive a MAP-level round trip through `tail`.
    std::uint8_t ui[128];
    auto enc = map::encode_user_information(ui, *mp);
    REQUIRE(enc.ok());
    CHECK(to_hex(*enc) == to_hex(*m->dialogue->user_information));

    auto comps = all_components(*m);
    REQUIRE(comps.size() == 1);
    auto* inv = comps[0].invoke();
    REQUIRE(inv);
    CHECK(inv->invoke_id.value == 0);
    CHECK(inv->op.is_local(59));
    CHECK(octets(*inv->parameter) == hex("300a04010f04052a596c3602"));
  }
}

TEST_CASE("U01 (Wireshark sample): map-open destinationReference is an E.212 IMSI AddressString") {
  auto ws = load_vectors("wireshark_sample_ussd.hex");
  if (ws.empty()) {
    ussdgw::test::shared_vectors_missing("vectors/hex");
    return;
  }
  auto m = tcap::decode_message(span(ws["tcap_pycrate"]));
  REQUIRE(m.ok());
  auto mp = map::decode_user_information(*m->dialogue->user_information);
  REQUIRE(mp.ok());
  auto r = map::read_reference(*mp->destination_reference);
  CHECK(!r.likely_raw_imsi);
  REQUIRE(r.address);
  CHECK(r.address->nai == 1);  // international
  CHECK(r.address->npi == 6);  // E.212
  CHECK(r.best_digits() == std::string_view("655011420096316"));
  CHECK(!mp->origination_reference);
}

TEST_CASE("Begin built from values equals the Wireshark USSD sample, then decodes back") {
  auto ws = load_vectors("wireshark_sample_ussd.hex");
  if (ws.empty()) {
    ussdgw::test::shared_vectors_missing("vectors/hex");
    return;
  }
  auto dest = hex("9656051124006913f6");
  auto param = hex("301c04010f040eaa180da682dd6c31192d36bbdd468007917267415827f2");
  std::uint8_t ui_buf[64];
  auto ui = map::encode_user_information(ui_buf, map::make_open(span(dest), std::nullopt));
  REQUIRE(ui.ok());
  auto begin = tcap::make_begin(tcap::TransactionId::from_u32(0x2f3b4602),
                                tcap::make_aarq(map::ac::kNetworkUnstructuredSsV2, *ui));
  tcap::Component inv{tcap::Invoke{tcap::InvokeId{1}, std::nullopt,
                                   tcap::OpCode::make_local(map::op::kProcessUnstructuredSsRequest), span(param)},
                      {}};
  std::uint8_t buf[256];
  auto enc = tcap::encode_message(buf, begin, std::span<const tcap::Component>(&inv, 1));
  REQUIRE(enc.ok());
  CHECK(to_hex(*enc) == to_hex(span(ws["tcap_pycrate"])));

  auto back = tcap::decode_message(*enc);
  REQUIRE(back.ok());
  CHECK(back->type == tcap::MessageType::Begin);
  CHECK(*back->otid == tcap::TransactionId::from_u32(0x2f3b4602));
  CHECK(map::ac_name(back->dialogue->application_context) == std::string_view("networkUnstructuredSsContext-v2"));
  auto comps = back->components();
  auto c = comps.next();
  REQUIRE(c.ok());
  CHECK(c->invoke()->op.is_local(59));
  CHECK(octets(*c->invoke()->parameter) == param);
  CHECK(comps.at_end());
}
