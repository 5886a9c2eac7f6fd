// MAP SM operation arguments/results (TS 29.002 §17.7.6) against the GOMAP,
// GOTCAP, JSS7 and MOBI vectors. Expected values: README + decoded/S10-S14.
#include <doctest/doctest.h>

#include <array>
#include <initializer_list>

#include "hlr-sms/codec/sm_ops.h"
#include "hlr-sms/codec/tpdu.h"
#include "sms_vectors.h"

using namespace ussdgw;
using namespace ussdgw::sms;
using sms_test::load_hex;
using sms_test::view;

namespace {

template <class T>
std::string reencode(const T& v) {
  std::array<std::uint8_t, 512> buf{};
  ber::Writer w(buf);
  REQUIRE(encode(w, v));
  REQUIRE(w.ok());
  return to_hex(w.bytes());
}

// Every named vector decodes and encodes back to the same octets.
template <class Decode>
void check_round_trips(const sms_test::VectorFile& v, Decode decode, std::initializer_list<const char*> names) {
  for (const char* n : names) {
    auto a = decode(view(v.at(n)));
    REQUIRE_MESSAGE(a.ok(), n);
    CHECK_MESSAGE(reencode(*a) == to_hex(view(v.at(n))), n);
  }
}

// The parameter of the only (or index-th) component of a go-tcap message.
sms_test::Component comp(const sms_test::VectorFile& f, const char* name, std::size_t index = 0) {
  auto cs = sms_test::components(view(f.at(name)));
  REQUIRE(cs.size() > index);
  return cs[index];
}

}  // namespace

TEST_CASE("RoutingInfoForSM-Arg from go-gsmmap, incl. a 17-digit MSISDN (S11 #1/#2)") {
  auto v = load_hex("gomaja_go-gsmmap.hex");
  if (!v) { ussdgw::test::shared_vectors_missing("vectors/hex"); return; }
  const auto& der = v->at("srism_arg_der");
  auto a = decode_routing_info_for_sm_arg(view(der));
  REQUIRE(a.ok());
  CHECK(a->msisdn.digits == "2206588381");
  CHECK(a->msisdn.nai == 1);
  CHECK(a->msisdn.npi == 1);
  CHECK(a->sm_rp_pri);
  CHECK(a->service_centre_address.address.digits == "2206098999");
  CHECK(reencode(*a) == to_hex(view(der)));

  const auto& nonder = v->at("srism_arg_nonder_long_msisdn");
  auto b = decode_routing_info_for_sm_arg(view(nonder));
  REQUIRE(b.ok());
  CHECK(b->msisdn.digits == "25285041742790289");
  CHECK(b->sm_rp_pri);  // 81 01 01: BER TRUE, not DER
  CHECK(b->service_centre_address.address.digits == "2348090001518");
  // Re-encoding normalises to DER (TRUE = ff); the values survive.
  std::array<std::uint8_t, 64> buf{};
  ber::Writer w(buf);
  REQUIRE(encode(w, *b));
  auto again = decode_routing_info_for_sm_arg(w.bytes());
  REQUIRE(again.ok());
  CHECK(again->msisdn.digits == "25285041742790289");
  CHECK(to_hex(w.bytes()).find("8101ff") != std::string::npos);
}

TEST_CASE("RoutingInfoForSM-Res from go-gsmmap (S11 #3)") {
  auto v = load_hex("gomaja_go-gsmmap.hex");
  if (!v) { ussdgw::test::shared_vectors_missing("vectors/hex"); return; }
  const auto& x = v->at("srism_res");
  auto r = decode_routing_info_for_sm_res(view(x));
  REQUIRE(r.ok());
  CHECK(r->imsi.digits == "283101868584633");
  CHECK(r->location.network_node_number.digits == "37495980266");
  CHECK_FALSE(r->location.lmsi.has_value());
  CHECK(reencode(*r) == to_hex(view(x)));
}

TEST_CASE("MT/MO-ForwardSM and forwardSM arguments from go-gsmmap re-encode exactly") {
  auto v = load_hex("gomaja_go-gsmmap.hex");
  if (!v) { ussdgw::test::shared_vectors_missing("vectors/hex"); return; }
  {
    const auto& x = v->at("mtfsm_v1style");
    auto a = decode_forward_sm_arg(view(x));
    REQUIRE(a.ok());
    CHECK(a->sm_rp_da.kind == SmRpDa::Kind::Imsi);
    CHECK(a->sm_rp_da.imsi.digits == "234100080813836");
    CHECK(a->sm_rp_oa.kind == SmRpOa::Kind::ServiceCentre);
    CHECK(a->sm_rp_oa.sca.address.digits == "9613488888");
    CHECK_FALSE(a->more_messages_to_send);
    CHECK(reencode(*a) == to_hex(view(x)));
  }
  for (const char* name : {"mtfsm_concat_part1", "mtfsm_concat_part2"}) {
    const auto& x = v->at(name);
    auto a = decode_mt_forward_sm_arg(view(x));
    REQUIRE(a.ok());
    CHECK(a->sm_rp_da.imsi.digits == "621600112879166");
    CHECK(a->sm_rp_oa.kind == SmRpOa::Kind::ServiceCentre);
    CHECK(a->sm_rp_oa.sca.address.digits == "2348090000507");
    CHECK(a->more_messages_to_send == (std::string(name) == "mtfsm_concat_part1"));  // tshark frame 5 only
    CHECK(reencode(*a) == to_hex(view(x)));
  }
  for (const char* name : {"mofsm_single", "mofsm_concat_part1", "mofsm_concat_part2"}) {
    const auto& x = v->at(name);
    auto a = decode_mo_forward_sm_arg(view(x));
    REQUIRE(a.ok());
    CHECK(a->sm_rp_da.kind == SmRpDa::Kind::ServiceCentre);
    CHECK(a->sm_rp_da.sca.address.digits == "2206098999");
    CHECK(a->sm_rp_oa.kind == SmRpOa::Kind::Msisdn);
    CHECK(a->sm_rp_oa.msisdn.digits == (std::string(name) == "mofsm_single" ? "2206351982" : "2206350232"));
    CHECK(reencode(*a) == to_hex(view(x)));
  }
}

TEST_CASE("SM parameters inside real TCAP messages (go-tcap, S10)") {
  auto v = load_hex("gomaja_go-tcap.hex");
  if (!v) { ussdgw::test::shared_vectors_missing("vectors/hex"); return; }

  SUBCASE("#1 End with RRL 45 and informServiceCentre") {
    auto c0 = comp(*v, "1_two_components", 0);
    CHECK(c0.type == 0xa2);
    CHECK(c0.op == 45);
    auto r = decode_routing_info_for_sm_res(c0.param);
    REQUIRE(r.ok());
    CHECK(r->imsi.digits == "621601247143452");
    CHECK(r->location.network_node_number.digits == "2348090000502");
    CHECK(reencode(*r) == to_hex(c0.param));
    auto c1 = comp(*v, "1_two_components", 1);
    CHECK(c1.op == 63);
    auto i = decode_inform_service_centre_arg(c1.param);
    REQUIRE(i.ok());
    REQUIRE(i->mw_status.has_value());
    CHECK_FALSE(i->mw_status->sc_address_not_included);
    CHECK(i->mw_status->mnrf_set);
    CHECK_FALSE(i->mw_status->mcef_set);
    CHECK(reencode(*i) == to_hex(c1.param));
  }
  SUBCASE("#2 Begin SRI-SM") {
    auto c = comp(*v, "2_sri_sm");
    CHECK(c.op == 45);
    auto a = decode_routing_info_for_sm_arg(c.param);
    REQUIRE(a.ok());
    CHECK(a->msisdn.digits == "2348090567803");
    CHECK(a->sm_rp_pri);
    CHECK(a->service_centre_address.address.digits == "2348090000507");
    CHECK(reencode(*a) == to_hex(c.param));
  }
  SUBCASE("#5 and #22 (indefinite-length End) SRI-SM results") {
    auto r5 = decode_routing_info_for_sm_res(comp(*v, "5_sri_sm_response").param);
    REQUIRE(r5.ok());
    CHECK(r5->imsi.digits == "603011825931734");
    CHECK(r5->location.network_node_number.digits == "213661000221");
    auto c22 = comp(*v, "tcap_stream_containing_indefinite_length_non_der_returnresultlast_sendroutinginfoforsm");
    CHECK(c22.op == 45);
    auto r22 = decode_routing_info_for_sm_res(c22.param);
    REQUIRE(r22.ok());
    CHECK(r22->imsi.digits == "370040006980846");
    CHECK(r22->location.network_node_number.digits == "18293069914");
  }
  SUBCASE("#8 MT-FSM part 1 equals the go-gsmmap parameter; #19 part 2") {
    auto g = load_hex("gomaja_go-gsmmap.hex");
    REQUIRE(g.has_value());
    auto c8 = comp(*v, "8_invoke_mt_forwardsm_fragment_1_of_2");
    CHECK(c8.op == 44);
    CHECK(to_hex(c8.param) == to_hex(view(g->at("mtfsm_concat_part1"))));
    auto a = decode_mt_forward_sm_arg(c8.param);
    REQUIRE(a.ok());
    auto d = decode_deliver(a->sm_rp_ui);
    REQUIRE(d.ok());
    CHECK(d->oa.value == "Glovo");
    CHECK(d->ud.udh->concat->seq == 1);
    auto c19 = comp(*v, "19_invoke_forwardsm_short_message_fragment_2_of_2");
    auto a19 = decode_mt_forward_sm_arg(c19.param);
    REQUIRE(a19.ok());
    auto d19 = decode_deliver(a19->sm_rp_ui);
    REQUIRE(d19.ok());
    CHECK(d19->ud.text == "ehurrier.com/a/jh03oqa");
  }
  SUBCASE("#11 reportSM-DeliveryStatus") {
    auto c = comp(*v, "11_invoke_reportsm_deliverystatus");
    CHECK(c.op == 47);
    auto a = decode_report_sm_delivery_status_arg(c.param);
    REQUIRE(a.ok());
    CHECK(a->msisdn.digits == "201060183682");
    CHECK(a->service_centre_address.address.digits == "46721497100");
    CHECK(a->sm_delivery_outcome == SmDeliveryOutcome::AbsentSubscriber);
    CHECK(reencode(*a) == to_hex(c.param));
  }
  SUBCASE("#12 MT-FSM IMSI and SCA") {
    auto c = comp(*v, "12_invoke_mt_forwardsm");
    auto a = decode_mt_forward_sm_arg(c.param);
    REQUIRE(a.ok());
    CHECK(a->sm_rp_da.imsi.digits == "472010016231833");
    CHECK(a->sm_rp_oa.sca.address.digits == "46721497100");
    CHECK(reencode(*a) == to_hex(c.param));
  }
  SUBCASE("#14 alertServiceCentre and #15 alertServiceCentreWithoutResult") {
    auto c14 = comp(*v, "14_invoke_alertservicecentre");
    CHECK(c14.op == 64);
    auto a = decode_alert_service_centre_arg(c14.param);
    REQUIRE(a.ok());
    CHECK(a->msisdn.digits == "8801887785957");
    CHECK(a->service_centre_address.address.digits == "4581375063");
    CHECK(reencode(*a) == to_hex(c14.param));
    auto c15 = comp(*v, "15_invoke_alertservicecentrewithoutresult");
    CHECK(c15.op == 49);
    auto b = decode_alert_service_centre_arg(c15.param);
    REQUIRE(b.ok());
    CHECK(b->msisdn.digits == "97339112223");
    CHECK(b->service_centre_address.address.digits == "46721497061");
    CHECK(reencode(*b) == to_hex(c15.param));
  }
  SUBCASE("#16 forwardSM v1 without dialogue portion") {
    auto c = comp(*v, "16_invoke_forwardsm");
    CHECK(c.op == 46);
    auto a = decode_forward_sm_arg(c.param);
    REQUIRE(a.ok());
    CHECK(a->sm_rp_da.imsi.digits == "234100080813836");
    CHECK(a->sm_rp_oa.sca.address.digits == "9613488888");
    auto d = decode_deliver(a->sm_rp_ui);
    REQUIRE(d.ok());
    CHECK(d->oa.value == "96170111474");
    CHECK(d->ud.text.view().substr(0, 12) == "REG-REQ?v=3;");
    CHECK(reencode(*a) == to_hex(c.param));
  }
}

TEST_CASE("jss7 SRI-SM arguments, incl. v1 teleservice and synthetic extension containers (S12 #1-#7)") {
  auto v = load_hex("jss7.hex");
  if (!v) { ussdgw::test::shared_vectors_missing("vectors/hex"); return; }
  auto simple = decode_routing_info_for_sm_arg(view(v->at("srism_arg_simple")));
  REQUIRE(simple.ok());
  CHECK(simple->msisdn.digits == "13457745551");
  CHECK_FALSE(simple->sm_rp_pri);
  CHECK(simple->service_centre_address.address.digits == "9821113333");

  auto complex = decode_routing_info_for_sm_arg(view(v->at("srism_arg_complex")));
  REQUIRE(complex.ok());
  CHECK(complex->gprs_support_indicator);
  CHECK(to_hex(complex->sm_rp_smea) == "916931039761");

  // #3: the extension container holds non-BER bytes; it is skipped whole
  // and the fields before and after it decode.
  auto full = decode_routing_info_for_sm_arg(view(v->at("srism_arg_full")));
  REQUIRE(full.ok());
  CHECK(full->msisdn.digits == "111222333");
  CHECK(full->sm_rp_pri);
  CHECK(full->service_centre_address.address.digits == "4444");
  CHECK_FALSE(full->extension_container.empty());
  CHECK(full->gprs_support_indicator);

  auto v1 = decode_routing_info_for_sm_arg(view(v->at("srism_arg_1")));
  REQUIRE(v1.ok());
  CHECK(v1->msisdn.digits == "11111111");
  CHECK(v1->service_centre_address.address.digits == "22222222");
  REQUIRE(v1->teleservice.has_value());
  CHECK(*v1->teleservice == 0x21);

  auto flags = decode_routing_info_for_sm_arg(view(v->at("srism_arg_2")));
  REQUIRE(flags.ok());
  CHECK(flags->sm_rp_pri);
  CHECK(flags->gprs_support_indicator);
  CHECK(flags->ip_sm_gw_guidance_indicator);
  CHECK(flags->t4_trigger_indicator);
  CHECK(flags->single_attempt_delivery);

  auto dni = decode_routing_info_for_sm_arg(view(v->at("srism_arg_3")));
  REQUIRE(dni.ok());
  CHECK(dni->sm_delivery_not_intended == std::optional<std::uint8_t>(0));  // onlyIMSI-requested

  auto corr = decode_routing_info_for_sm_arg(view(v->at("srism_arg_4")));
  REQUIRE(corr.ok());
  REQUIRE(corr->imsi.has_value());
  CHECK(corr->imsi->digits == "154154154154");
  CHECK_FALSE(corr->correlation_id.empty());

  check_round_trips(*v, decode_routing_info_for_sm_arg,
                    {"srism_arg_simple", "srism_arg_complex", "srism_arg_full", "srism_arg_1", "srism_arg_2",
                     "srism_arg_3", "srism_arg_4"});
}

TEST_CASE("jss7 SRI-SM results: LMSI, additional number, v1 mwd-Set (S12 #8-#11)") {
  auto v = load_hex("jss7.hex");
  if (!v) { ussdgw::test::shared_vectors_missing("vectors/hex"); return; }
  auto r0 = decode_routing_info_for_sm_res(view(v->at("srism_res_0")));
  REQUIRE(r0.ok());
  CHECK(r0->imsi.digits == "200990200111227");
  CHECK(r0->location.network_node_number.digits == "12032100295");
  REQUIRE(r0->location.lmsi.has_value());
  CHECK(to_hex(r0->location.lmsi->octets) == "00036231");

  auto full = decode_routing_info_for_sm_res(view(v->at("srism_res_full")));
  REQUIRE(full.ok());
  CHECK(full->imsi.digits == "11103222333111");
  CHECK(full->location.network_node_number.digits == "00001111");
  CHECK(to_hex(full->location.lmsi->octets) == "00020100");
  CHECK(full->location.additional_kind == LocationInfoWithLmsi::AdditionalKind::Sgsn);
  CHECK_FALSE(full->extension_container.empty());

  auto r1 = decode_routing_info_for_sm_res(view(v->at("srism_res_1")));
  REQUIRE(r1.ok());
  CHECK(r1->imsi.digits == "25001111111111");
  CHECK(r1->location.network_node_number.digits == "7999911111");
  CHECK(r1->mwd_set == std::optional<bool>(false));
  auto r2 = decode_routing_info_for_sm_res(view(v->at("srism_res_2")));
  REQUIRE(r2.ok());
  CHECK_FALSE(r2->ip_sm_gw_guidance.empty());

  check_round_trips(*v, decode_routing_info_for_sm_res, {"srism_res_0", "srism_res_full", "srism_res_1", "srism_res_2"});
}

TEST_CASE("jss7 MT/MO/forwardSM arguments and MT-FSM result (S12 #12-#19)") {
  auto v = load_hex("jss7.hex");
  if (!v) { ussdgw::test::shared_vectors_missing("vectors/hex"); return; }
  auto mt0 = decode_mt_forward_sm_arg(view(v->at("mtfsm_arg_0")));
  REQUIRE(mt0.ok());
  CHECK(mt0->sm_rp_da.imsi.digits == "011222221128514");
  CHECK(mt0->sm_rp_oa.sca.address.digits == "18129600096");

  auto mtf = decode_mt_forward_sm_arg(view(v->at("mtfsm_arg_full")));
  REQUIRE(mtf.ok());
  CHECK(mtf->sm_rp_da.imsi.digits == "100883344556677");
  CHECK(mtf->sm_rp_oa.sca.address.digits == "1111122222");
  CHECK(to_hex(mtf->sm_rp_ui) == "0b16212c37424d");
  CHECK(mtf->more_messages_to_send);

  auto res = decode_forward_sm_res(view(v->at("mtfsm_res")));
  REQUIRE(res.ok());
  CHECK(to_hex(res->sm_rp_ui) == "0b16212c37");

  auto mo1 = decode_mo_forward_sm_arg(view(v->at("mofsm_arg_simple")));
  REQUIRE(mo1.ok());
  CHECK(mo1->sm_rp_da.sca.address.digits == "223334990223");
  CHECK(mo1->sm_rp_oa.msisdn.digits == "2311231234334");
  CHECK(to_hex(mo1->sm_rp_ui) == "0b16212c37424d00010203040506070908");

  auto mo2 = decode_mo_forward_sm_arg(view(v->at("mofsm_arg_complex")));
  REQUIRE(mo2.ok());
  CHECK(mo2->sm_rp_da.sca.address.digits == "2311231234334");
  CHECK(mo2->sm_rp_oa.msisdn.digits == "223334990223");
  REQUIRE(mo2->imsi.has_value());
  CHECK(mo2->imsi->digits == "001012233349902");

  auto mo3 = decode_mo_forward_sm_arg(view(v->at("mofsm_arg_full")));
  REQUIRE(mo3.ok());
  CHECK(mo3->sm_rp_da.kind == SmRpDa::Kind::Imsi);
  CHECK(mo3->sm_rp_da.imsi.digits == "201011234567890");
  CHECK(mo3->sm_rp_oa.kind == SmRpOa::Kind::ServiceCentre);
  CHECK(mo3->sm_rp_oa.sca.address.digits == "0123456789");
  CHECK(to_hex(mo3->sm_rp_ui) == "0b16212c37424d5863");

  auto f1 = decode_forward_sm_arg(view(v->at("fsm_v2_arg_simple")));
  REQUIRE(f1.ok());
  CHECK(f1->sm_rp_da.sca.address.digits == "223334990223");
  CHECK_FALSE(f1->more_messages_to_send);
  auto f2 = decode_forward_sm_arg(view(v->at("fsm_v2_arg_complex")));
  REQUIRE(f2.ok());
  CHECK(f2->sm_rp_oa.msisdn.digits == "223334990223");
  CHECK(f2->more_messages_to_send);

  CHECK(reencode(*mt0) == to_hex(view(v->at("mtfsm_arg_0"))));
  CHECK(reencode(*mtf) == to_hex(view(v->at("mtfsm_arg_full"))));
  CHECK(reencode(*res) == to_hex(view(v->at("mtfsm_res"))));
  CHECK(reencode(*mo1) == to_hex(view(v->at("mofsm_arg_simple"))));
  CHECK(reencode(*mo2) == to_hex(view(v->at("mofsm_arg_complex"))));
  CHECK(reencode(*mo3) == to_hex(view(v->at("mofsm_arg_full"))));
  CHECK(reencode(*f1) == to_hex(view(v->at("fsm_v2_arg_simple"))));
  CHECK(reencode(*f2) == to_hex(view(v->at("fsm_v2_arg_complex"))));
}

TEST_CASE("mobi v1 traffic: SRI-SM, its result and forwardSM (S14)") {
  auto v = load_hex("sherzodv_mobi.hex");
  if (!v) { ussdgw::test::shared_vectors_missing("vectors/hex"); return; }
  auto c1 = sms_test::components(view(v->at("tcap_raw1")));
  REQUIRE(c1.size() == 1);
  auto a = decode_routing_info_for_sm_arg(c1[0].param);
  REQUIRE(a.ok());
  CHECK(a->msisdn.digits == "99365625758");
  CHECK(a->sm_rp_pri);
  CHECK(a->service_centre_address.address.digits == "99365999991");

  auto c2 = sms_test::components(view(v->at("tcap_raw2")));
  REQUIRE(c2.size() == 1);
  auto r = decode_routing_info_for_sm_res(c2[0].param);
  REQUIRE(r.ok());
  CHECK(r->imsi.digits == "438023000659019");
  CHECK(r->location.network_node_number.digits == "99365999999");

  auto c3 = sms_test::components(view(v->at("tcap_raw3")));
  REQUIRE(c3.size() == 1);
  CHECK(c3[0].op == 46);
  auto f = decode_forward_sm_arg(c3[0].param);
  REQUIRE(f.ok());
  CHECK(f->sm_rp_da.imsi.digits == "438022000458450");
  CHECK(f->sm_rp_oa.sca.address.digits == "99365999991");
  auto d = decode_deliver(f->sm_rp_ui);
  REQUIRE(d.ok());
  CHECK(d->oa.value == "0880");
  CHECK(d->scts.iso8601() == "2013-04-30T12:41:58+05:00");
  CHECK(d->ud.text == "+99364348035 belgili musderi ulgamda");

  auto tcap = sms_test::find_tcap(view(v->at("m3ua_raw1")));
  REQUIRE(tcap.has_value());
  auto c4 = sms_test::components(*tcap);
  REQUIRE(c4.size() == 1);
  auto m = decode_routing_info_for_sm_arg(c4[0].param);
  REQUIRE(m.ok());
  CHECK(m->msisdn.digits == "99363986116");
  CHECK(m->service_centre_address.address.digits == "99365999991");
}

TEST_CASE("Encode -> decode of values built by hand") {
  RoutingInfoForSmArg a;
  a.msisdn = AddressString::international("4915112345678");
  a.sm_rp_pri = true;
  a.service_centre_address.address = AddressString::international("491770610000");
  a.sm_rp_mti = 1;
  a.imsi = Imsi{Digits("262011234567890")};
  auto ra = [&] {
    std::array<std::uint8_t, 128> buf{};
    ber::Writer w(buf);
    REQUIRE(encode(w, a));
    auto back = decode_routing_info_for_sm_arg(w.bytes());
    REQUIRE(back.ok());
    CHECK(back->msisdn.digits == "4915112345678");
    CHECK(back->sm_rp_mti == std::optional<std::uint8_t>(1));
    CHECK(back->imsi->digits == "262011234567890");
  };
  ra();

  RoutingInfoForSmRes r;
  r.imsi = Imsi{Digits("262011234567890")};
  r.location.network_node_number = AddressString::international("491770000001");
  r.location.lmsi = Lmsi{{1, 2, 3, 4}};
  r.location.gprs_node_indicator = true;
  r.location.additional_kind = LocationInfoWithLmsi::AdditionalKind::Msc;
  r.location.additional_number = AddressString::international("491770000002");
  std::array<std::uint8_t, 128> buf{};
  ber::Writer w(buf);
  REQUIRE(encode(w, r));
  auto rb = decode_routing_info_for_sm_res(w.bytes());
  REQUIRE(rb.ok());
  CHECK(rb->location.lmsi == r.location.lmsi);
  CHECK(rb->location.gprs_node_indicator);
  CHECK(rb->location.additional_kind == LocationInfoWithLmsi::AdditionalKind::Msc);
  CHECK(rb->location.additional_number.digits == "491770000002");

  ReportSmDeliveryStatusArg rep;
  rep.msisdn = AddressString::international("4915112345678");
  rep.service_centre_address.address = AddressString::international("491770610000");
  rep.sm_delivery_outcome = SmDeliveryOutcome::MemoryCapacityExceeded;
  rep.absent_subscriber_diagnostic_sm = 7;
  rep.imsi = Imsi{Digits("262011234567890")};
  rep.single_attempt_delivery = true;
  ber::Writer w2(buf);
  REQUIRE(encode(w2, rep));
  auto repb = decode_report_sm_delivery_status_arg(w2.bytes());
  REQUIRE(repb.ok());
  CHECK(repb->sm_delivery_outcome == SmDeliveryOutcome::MemoryCapacityExceeded);
  CHECK(repb->absent_subscriber_diagnostic_sm == std::optional<std::uint8_t>(7));
  CHECK(repb->imsi->digits == "262011234567890");
  CHECK(repb->single_attempt_delivery);

  ReportSmDeliveryStatusRes bare;
  bare.bare = true;
  bare.stored_msisdn = AddressString::international("4915112345678");
  ber::Writer w3(buf);
  REQUIRE(encode(w3, bare));
  CHECK(w3.bytes()[0] == 0x04);
  auto bb = decode_report_sm_delivery_status_res(w3.bytes());
  REQUIRE(bb.ok());
  CHECK(bb->bare);
  CHECK(bb->stored_msisdn->digits == "4915112345678");

  MtForwardSmArg mt;
  mt.sm_rp_da.kind = SmRpDa::Kind::Lmsi;
  mt.sm_rp_da.lmsi = Lmsi{{9, 8, 7, 6}};
  mt.sm_rp_oa.kind = SmRpOa::Kind::None;
  const std::uint8_t ui[2] = {0, 0};
  mt.sm_rp_ui = Bytes(ui, 2);
  mt.sm_delivery_timer = 300;
  mt.sms_gmsc_address = AddressString::international("491770000003");
  ber::Writer w4(buf);
  REQUIRE(encode(w4, mt));
  auto mtb = decode_mt_forward_sm_arg(w4.bytes());
  REQUIRE(mtb.ok());
  CHECK(mtb->sm_rp_da.kind == SmRpDa::Kind::Lmsi);
  CHECK(mtb->sm_rp_oa.kind == SmRpOa::Kind::None);
  CHECK(mtb->sm_delivery_timer == std::optional<std::int64_t>(300));
  CHECK(mtb->sms_gmsc_address->digits == "491770000003");

  // A writer that is too small reports overflow instead of writing past it.
  std::array<std::uint8_t, 8> tiny{};
  ber::Writer wt(tiny);
  CHECK_FALSE(encode(wt, mt));
}

TEST_CASE("Malformed SM parameters never crash and name the offending octet") {
  auto v = load_hex("gomaja_go-gsmmap.hex");
  auto j = load_hex("jss7.hex");
  if (!v || !j) { ussdgw::test::shared_vectors_missing("vectors/hex"); return; }
  std::vector<sms_test::Octets> inputs;
  for (auto& [k, x] : *v) inputs.push_back(x);
  for (auto& [k, x] : *j) inputs.push_back(x);
  for (const auto& in : inputs) {
    for (std::size_t len = 0; len <= in.size(); ++len) {
      Bytes b(in.data(), len);
      (void)decode_routing_info_for_sm_arg(b);
      (void)decode_routing_info_for_sm_res(b);
      (void)decode_mt_forward_sm_arg(b);
      (void)decode_mo_forward_sm_arg(b);
      (void)decode_forward_sm_arg(b);
      (void)decode_forward_sm_res(b);
      (void)decode_report_sm_delivery_status_arg(b);
      (void)decode_report_sm_delivery_status_res(b);
      (void)decode_inform_service_centre_arg(b);
      (void)decode_alert_service_centre_arg(b);
    }
    sms_test::Octets copy = in;
    for (std::size_t i = 0; i < copy.size(); ++i) {
      copy[i] ^= 0x5a;
      (void)decode_routing_info_for_sm_arg(view(copy));
      (void)decode_routing_info_for_sm_res(view(copy));
      (void)decode_mt_forward_sm_arg(view(copy));
      (void)decode_mo_forward_sm_arg(view(copy));
      copy[i] ^= 0x5a;
    }
  }
  // A missing mandatory element is reported at the parameter.
  sms_test::Octets no_sca;
  REQUIRE(from_hex("3009 8007913154775455f1", no_sca));
  auto e = decode_routing_info_for_sm_arg(view(no_sca));
  REQUIRE_FALSE(e.ok());
  CHECK(std::string(e.error().what).rfind("SMS: ", 0) == 0);
  // A bad IMSI points into the IMSI.
  sms_test::Octets bad_imsi;
  REQUIRE(from_hex("300c 8002 1122 8403 912143 0401 00", bad_imsi));
  auto e2 = decode_forward_sm_arg(view(bad_imsi));
  REQUIRE_FALSE(e2.ok());
  CHECK(e2.error().offset_in(view(bad_imsi)) < bad_imsi.size());
}
