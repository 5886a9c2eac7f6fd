// Identity parameters of the mobility, authentication, subscriber-data,
// call-routing and interrogation operations (gateway/codec/map_mobility.h).
// The hex is the MAP parameter of real messages in
// ../shared/vectors/pcap/S16_pcapr_all_groups.pcap (frame numbers given) and
// S10_gotcap_real_tcap_m3ua.pcap; expectations are read off the octets
// (TS 29.002 §17.7), not from the decoder.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "gateway/codec/map_mobility.h"
#include "support/alloc_counter.h"

using namespace ussdgw;

namespace {

std::vector<std::uint8_t> hex(const std::string& s) {
  std::basic_string<std::uint8_t> b;
  REQUIRE(from_hex(s, b));
  return {b.begin(), b.end()};
}

std::string h(Bytes b) { return to_hex(b); }

}  // namespace

TEST_CASE("updateLocation: imsi, msc-Number, vlr-Number (S16 #157) and hlr-Number (S16 #89)") {
  auto p = hex("301c040804057320471543f2810791190914590540040791190914590540");
  auto a = map::decode_update_location_arg(p);
  REQUIRE(a.ok());
  CHECK(a->imsi.digits == "405037027451342");
  CHECK(a->msc_number.digits == "919041955004");
  CHECK(a->vlr_number.digits == "919041955004");
  CHECK(a->lmsi.empty());
  auto r = map::decode_hlr_number_res(hex("3006040491443145"));
  REQUIRE(r.ok());
  CHECK(r->hlr_number.digits == "441354");
  // v1: the bare hlr-Number.
  CHECK(map::decode_hlr_number_res(hex("040491443145"))->hlr_number.digits == "441354");
}

TEST_CASE("updateLocation without vlr-Number or with a 9-octet IMSI is refused, naming the element") {
  auto no_vlr = hex("300f040804057320471543f28103911909");
  auto e = map::decode_update_location_arg(no_vlr);
  REQUIRE(!e.ok());
  CHECK(std::string(e.error().what).find("vlr-Number") != std::string::npos);
  auto long_imsi = hex("301d04090405732047154332f2810791190914590540040791190914590540");
  auto f = map::decode_update_location_arg(long_imsi);
  REQUIRE(!f.ok());
  CHECK(f.error().offset_in(long_imsi) == 2);
}

TEST_CASE("updateGprsLocation: imsi, sgsn-Number, GSN-Address (S16 #80)") {
  auto arg = hex("302a040864004001000001f104069168310708f0040504c0a96401a00f830084030030008503001000860100");
  auto a = map::decode_update_gprs_location_arg(arg);
  REQUIRE(a.ok());
  CHECK(a->imsi.digits == "460004100000101");
  CHECK(a->sgsn_number.digits == "861370800");
  CHECK(h(a->sgsn_address) == "04c0a96401");
}

TEST_CASE("sendAuthenticationInfo v3 arg and quintuplet result with indefinite lengths (S16 #74, #75)") {
  auto a = map::decode_send_authentication_info_arg(hex("3012800864004001000001f10201028100830101"));
  REQUIRE(a.ok());
  CHECK(!a->bare);
  CHECK(a->imsi.digits == "460004100000101");
  CHECK(a->number_of_requested_vectors == 2);
  CHECK(a->requesting_node_type == 1);
  // Decoded values are views into the parameter: keep it alive.
  auto res = hex("a380a180305a04104b9d6191107536658cfe59880cd2ac2704104b8c43a2542050120467f333c00f42d804108c43a254205012"
                 "0467f333c00f42d84b041043a2542050120467f333c00f42d84b8c0410a2551a058cdb00004b8d79f7caff501200000000");
  auto r = map::decode_send_authentication_info_res(res);
  REQUIRE(r.ok());
  CHECK(r->sets.kind == map::AuthenticationSets::Kind::Quintuplets);
  CHECK(r->sets.count == 1);
  CHECK(h(r->sets.rand[0]) == "4b9d6191107536658cfe59880cd2ac27");
  CHECK(h(r->sets.autn[0]) == "a2551a058cdb00004b8d79f7caff5012");
  // v2: the argument is a bare IMSI.
  auto v2 = map::decode_send_authentication_info_arg(hex("040864004001000001f1"));
  REQUIRE(v2.ok());
  CHECK(v2->bare);
  CHECK(v2->imsi.digits == "460004100000101");
}

TEST_CASE("sendAuthenticationInfo: a 15-octet RAND is refused") {
  auto p = hex("a3803080040f4b9d6191107536658cfe59880cd2ac0404aabbccdd0408000102030405060700000000");
  // [3] { SEQUENCE (not a [0]/[1] list): skipped } decodes with no sets ...
  auto r = map::decode_send_authentication_info_res(p);
  REQUIRE(r.ok());
  CHECK(r->sets.count == 0);
  // ... while the same triplet in a v2 list is read and refused.
  auto v2 = hex("30233021040f4b9d6191107536658cfe59880cd2ac0404aabbccdd04080001020304050607");
  auto e = map::decode_send_authentication_info_res(v2);
  REQUIRE(!e.ok());
  CHECK(std::string(e.error().what) == "MAP: RAND is not 16 octets");
}

TEST_CASE("sendIdentification v2: bare TMSI (S16 #136), imsi and triplets (S16 #331)") {
  auto arg = hex("040470f0d55e");
  auto a = map::decode_send_identification_arg(arg);
  REQUIRE(a.ok());
  CHECK(a->bare);
  CHECK(h(a->tmsi) == "70f0d55e");
  auto res = hex("3078040804057320471543f7306c30220410fab24c1f2a3f7d450fd22b729bd5808d04040ee405010408cb6f11edc305b9b8302204"
          "10849e68b7023292245dbacbc677d4383c04042d80e224040832685d875e5b482230220410a7fa8f928e273edca4bd87acea8ac9a6"
          "0404e1b46e850408d83d47a2e7830a68");
  auto r = map::decode_send_identification_res(res);
  REQUIRE(r.ok());
  CHECK(r->imsi->digits == "405037027451347");
  CHECK(r->sets.kind == map::AuthenticationSets::Kind::Triplets);
  CHECK(r->sets.count == 3);
  CHECK(h(r->sets.rand[2]) == "a7fa8f928e273edca4bd87acea8ac9a6");
  CHECK(!map::decode_send_identification_arg(hex("0405aabbccddee")).ok());  // TMSI of 5 octets
}

TEST_CASE("insertSubscriberData: imsi, msisdn, category, status, teleservices, forwarded-to number (S16 #343)") {
  auto a = map::decode_insert_subscriber_data_arg(
      hex("304b800832147597390155f281079144779913502582010a830100a606040111040121a780a019040129301430128301108401078507"
          "914487768200f1860100a3090401118401058101010000"));
  REQUIRE(a.ok());
  CHECK(a->imsi->digits == "234157799310552");
  CHECK(a->msisdn->digits == "447799310552");
  CHECK(a->category == 0x0a);
  CHECK(a->subscriber_status == 0);
  REQUIRE(a->teleservices.size() == 2);
  CHECK(a->teleservices[0] == 0x11);
  CHECK(a->teleservices[1] == 0x21);
  REQUIRE(a->forwardings.size() == 1);
  CHECK(a->forwardings[0].ss_code == 0x29);
  CHECK(a->forwardings[0].forwarded_to_number.digits == "44786728001");
  auto r = map::decode_insert_subscriber_data_res(hex("30088603003000880100"));
  REQUIRE(r.ok());
  CHECK(r->teleservices.empty());
}

TEST_CASE("sendRoutingInfo arg: msisdn, interrogationType, gmsc address, call reference (S10 #17, S16 #362)") {
  auto arg = hex("302b80049152828883010086079152629610103287050583370000aa0a0a0104040504038090a3ab04030205e0");
  auto a = map::decode_send_routing_info_arg(arg);
  REQUIRE(a.ok());
  CHECK(a->msisdn.digits == "252888");
  CHECK(a->interrogation_type == 0);
  CHECK(a->gmsc_address->digits == "252669010123");
  CHECK(h(a->call_reference_number) == "0583370000");
  auto b = map::decode_send_routing_info_arg(
      hex("3052800791447799110940830100860791447758101200870545f69b0079aa170a0104041204039090a27d0291847c0790902148"
          "4038ccad1ba019301706092a863a0089613a0100a40a30038101083003810109"));
  REQUIRE(b.ok());
  CHECK(b->msisdn.digits == "447799119004");
  CHECK(!b->or_interrogation);  // the [4] inside the private extension is not or-Interrogation
  // interrogationType missing.
  CHECK(!map::decode_send_routing_info_arg(hex("3006800491528288")).ok());
}

TEST_CASE("sendRoutingInfo result: v3 [3] and v2 forms") {
  // [3] { imsi [9], routingInfo roamingNumber, vmsc-Address [2] }
  auto v3 = map::decode_send_routing_info_res(hex("a31a890864004001000001f104069144112233f58206914411223344"));
  REQUIRE(v3.ok());
  CHECK(!v3->bare);
  CHECK(v3->imsi->digits == "460004100000101");
  CHECK(v3->roaming_number->digits == "441122335");
  CHECK(v3->vmsc_address->digits == "4411223344");
  // SEQUENCE { imsi, forwardingData { forwardedToNumber [5] } }
  auto v2 = map::decode_send_routing_info_res(hex("3014040864004001000001f130088506914411223344"));
  REQUIRE(v2.ok());
  CHECK(v2->bare);
  CHECK(v2->imsi->digits == "460004100000101");
  CHECK(v2->forwarded_to_number->digits == "4411223344");
}

TEST_CASE("anyTimeInterrogation: msisdn and requested info (S16 #102), location and state (S16 #104)") {
  auto a = map::decode_any_time_interrogation_arg(
      hex("301fa009810791197839171462a1098000810083008401008307915396490125f5"));
  REQUIRE(a.ok());
  CHECK(a->msisdn->digits == "918793714126");
  CHECK(!a->imsi);
  CHECK(a->requested == 0b1011);  // locationInformation, subscriberState, currentLocation
  CHECK(a->requested_domain == 0);
  CHECK(a->gsm_scf_address.digits == "35699410525");
  auto res = hex("30293027a02102010280081000000000000000810791190982500500a30980070475301b5d7a57a1028000");
  auto r = map::decode_any_time_interrogation_res(res);
  REQUIRE(r.ok());
  CHECK(r->age_of_location == 2);
  CHECK(r->vlr_number->digits == "919028055000");
  CHECK(h(r->cell_global_id) == "0475301b5d7a57");
  CHECK(r->state == map::AnyTimeInterrogationRes::State::AssumedIdle);
  auto c = map::decode_cell_id(r->cell_global_id);
  REQUIRE(c.ok());
  CHECK(c->mcc == "405");
  CHECK(c->mnc == "037");
  CHECK(c->lac == 0x1b5d);
  CHECK(c->ci == 0x7a57);
  // Two-digit MNC (filler F) in a LAI.
  auto lai = map::decode_cell_id(hex("62f2101234"));
  REQUIRE(lai.ok());
  CHECK(lai->mcc == "262");
  CHECK(lai->mnc == "01");
  CHECK(!lai->ci);
  CHECK(!map::decode_cell_id(hex("0475301b5d7a")).ok());
}

TEST_CASE("map_mobility decoders refuse a truncated parameter and point inside it") {
  auto p = hex("302b80049152828883010086079152629610103287050583370000aa0a0a0104040504038090a3ab04030205e0");
  for (std::size_t n = 1; n < p.size(); ++n) {
    Bytes cut(p.data(), n);
    auto r = map::decode_send_routing_info_arg(cut);
    CAPTURE(n);
    REQUIRE(!r.ok());
    CHECK(r.error().offset_in(cut) <= n);
  }
}

// Under ASan nothing counts allocations: doctest reports the case as skipped.
TEST_CASE("map_mobility decoding allocates nothing" * doctest::skip(!ussdgw::test::counting_allocations())) {
  auto ul = hex("301c040804057320471543f2810791190914590540040791190914590540");
  auto isd = hex("304b800832147597390155f281079144779913502582010a830100a606040111040121a780a019040129301430128301108401"
                 "078507914487768200f1860100a3090401118401058101010000");
  auto ati = hex("30293027a02102010280081000000000000000810791190982500500a30980070475301b5d7a57a1028000");
  auto sai = hex("a380a180305a04104b9d6191107536658cfe59880cd2ac2704104b8c43a2542050120467f333c00f42d804108c43a254205012"
                 "0467f333c00f42d84b041043a2542050120467f333c00f42d84b8c0410a2551a058cdb00004b8d79f7caff501200000000");
  const long before = test::allocations();
  const bool ok = map::decode_update_location_arg(ul).ok() && map::decode_insert_subscriber_data_arg(isd).ok() &&
                  map::decode_any_time_interrogation_res(ati).ok() && map::decode_send_authentication_info_res(sai).ok();
  const long after = test::allocations();
  CHECK(ok);
  CHECK(after - before == 0);
}
