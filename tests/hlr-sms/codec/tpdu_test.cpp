// TS 23.040 TPDUs against real captures: expected values are the tshark
// decodes in ../shared/vectors/decoded (S11, S14, S15, S13) and README.
#include <doctest/doctest.h>

#include <array>
#include <string>

#include "hlr-sms/codec/sm_ops.h"
#include "hlr-sms/codec/tpdu.h"
#include "sms_vectors.h"

using namespace ussdgw;
using namespace ussdgw::sms;
using sms_test::load_hex;
using sms_test::view;

namespace {

const char* kGlovo1 =
    "Hey, you have some pending steps in your registration process. Please follow the link to complete them and "
    "start delivering through Glovo! recruitment.us";
const char* kMarwan1 =
    "This is a long message: MarwanThis is a long message: MarwanThis is a long message: MarwanThis is a long "
    "message: MarwanThis is a long message: MarwanThi";

// sm-RP-UI of a vector MAP argument (MT/MO/forwardSM share the head).
Bytes ui_of(const sms_test::Octets& arg) {
  auto a = decode_forward_sm_arg(view(arg));
  REQUIRE(a.ok());
  return a->sm_rp_ui;
}

void check_reencodes(const Deliver& d, Bytes original) {
  std::array<std::uint8_t, 200> buf{};
  auto n = encode_deliver(d, buf);
  REQUIRE(n.ok());
  CHECK(to_hex(Bytes(buf.data(), *n)) == to_hex(original));
}

void check_reencodes(const Submit& s, Bytes original) {
  std::array<std::uint8_t, 200> buf{};
  auto n = encode_submit(s, buf);
  REQUIRE(n.ok());
  CHECK(to_hex(Bytes(buf.data(), *n)) == to_hex(original));
}

}  // namespace

TEST_CASE("SMS-DELIVER from a numeric originator (S11 #4, forwardSM v1)") {
  auto v = load_hex("gomaja_go-gsmmap.hex");
  if (!v) { ussdgw::test::shared_vectors_missing("vectors/hex"); return; }
  Bytes ui = ui_of(v->at("mtfsm_v1style"));
  auto d = decode_deliver(ui);
  REQUIRE(d.ok());
  CHECK(d->oa.value == "96170111474");
  CHECK(d->oa.ton == 1);
  CHECK(d->oa.npi == 1);
  CHECK_FALSE(d->more_messages);  // TP-MMS = 1: no more messages
  CHECK_FALSE(d->ud.udh.has_value());
  CHECK(d->pid == 0);
  CHECK(d->dcs.alphabet == Alphabet::Gsm7);
  CHECK(d->scts.iso8601() == "2024-12-28T16:42:46+02:00");
  CHECK(d->ud.udl == 91);
  CHECK(d->ud.text == "REG-REQ?v=3;t=676CB659C445B0B3BB709392F22AE65B69B7F42C79FC652D5A536C5FD874581F;r=1277163494");
  check_reencodes(*d, ui);
}

TEST_CASE("Concatenated SMS-DELIVER from alphanumeric \"Glovo\" (S11 #5/#6)") {
  auto v = load_hex("gomaja_go-gsmmap.hex");
  if (!v) { ussdgw::test::shared_vectors_missing("vectors/hex"); return; }
  Bytes ui1 = ui_of(v->at("mtfsm_concat_part1"));
  Bytes ui2 = ui_of(v->at("mtfsm_concat_part2"));
  auto p1 = decode_deliver(ui1);
  auto p2 = decode_deliver(ui2);
  REQUIRE(p1.ok());
  REQUIRE(p2.ok());
  CHECK(p1->oa.alphanumeric());
  CHECK(p1->oa.npi == 0);
  CHECK(p1->oa.value == "Glovo");
  CHECK(p1->more_messages);  // TP-MMS = 0 on part 1
  CHECK_FALSE(p2->more_messages);
  CHECK(p1->scts.iso8601() == "2024-12-27T15:04:00+00:00");
  CHECK(p1->ud.udl == 160);
  CHECK(p2->ud.udl == 29);
  REQUIRE(p1->ud.udh.has_value());
  REQUIRE(p1->ud.udh->concat.has_value());
  CHECK(*p1->ud.udh->concat == Concat{95, 2, 1, false});
  CHECK(*p2->ud.udh->concat == Concat{95, 2, 2, false});
  CHECK(p1->ud.udh->others.empty());
  CHECK(p1->ud.text == kGlovo1);
  CHECK(p2->ud.text == "ehurrier.com/a/jh03oqa");
  check_reencodes(*p1, ui1);
  check_reencodes(*p2, ui2);
}

TEST_CASE("SMS-SUBMIT single and concatenated (S11 #7-#9)") {
  auto v = load_hex("gomaja_go-gsmmap.hex");
  if (!v) { ussdgw::test::shared_vectors_missing("vectors/hex"); return; }
  Bytes ui = ui_of(v->at("mofsm_single"));
  auto s = decode_submit(ui);
  REQUIRE(s.ok());
  CHECK(s->mr == 81);
  CHECK(s->da.value == "2206176622");
  CHECK(s->vp.format == VpFormat::None);
  CHECK_FALSE(s->status_report_request);
  CHECK(s->ud.udl == 17);
  CHECK(s->ud.text == "Yeah I was alone ");  // 17th septet is a space (tshark shows it)
  check_reencodes(*s, ui);

  Bytes u1 = ui_of(v->at("mofsm_concat_part1"));
  Bytes u2 = ui_of(v->at("mofsm_concat_part2"));
  auto s1 = decode_submit(u1);
  auto s2 = decode_submit(u2);
  REQUIRE(s1.ok());
  REQUIRE(s2.ok());
  CHECK(s1->mr == 63);
  CHECK(s2->mr == 64);
  CHECK(s1->da.value == "2206600551");
  CHECK(*s1->ud.udh->concat == Concat{2, 2, 1, false});
  CHECK(*s2->ud.udh->concat == Concat{2, 2, 2, false});
  CHECK(s1->ud.udl == 160);
  CHECK(s2->ud.udl == 34);
  CHECK(s1->ud.text == kMarwan1);
  CHECK(s2->ud.text == "s is a long message: Marwan");
  check_reencodes(*s1, u1);
  check_reencodes(*s2, u2);
}

TEST_CASE("SMS-DELIVER from \"SBIBNK\" inside TCAP (S10 #12)") {
  auto v = load_hex("gomaja_go-tcap.hex");
  if (!v) { ussdgw::test::shared_vectors_missing("vectors/hex"); return; }
  auto comps = sms_test::components(view(v->at("12_invoke_mt_forwardsm")));
  REQUIRE(comps.size() == 1);
  CHECK(comps[0].op == 44);
  auto a = decode_mt_forward_sm_arg(comps[0].param);
  REQUIRE(a.ok());
  auto d = decode_deliver(a->sm_rp_ui);
  REQUIRE(d.ok());
  CHECK(d->oa.value == "SBIBNK");
  CHECK(d->oa.alphanumeric());
  CHECK(d->scts.iso8601() == "2024-12-28T14:34:22+00:00");
  CHECK(d->ud.udl == 104);
  CHECK(d->ud.text ==
        "Account XXX102062XXXXX Debited with MVR 6000.0 on 28/12/24, Transferred To ASWATHY M.SIDHA. SBI Maldives");
  check_reencodes(*d, a->sm_rp_ui);
}

TEST_CASE("mobi TPDUs: 7-bit DELIVER and UCS2 SUBMIT \"Тест\" (S15)") {
  auto v = load_hex("sherzodv_mobi.hex");
  if (!v) { ussdgw::test::shared_vectors_missing("vectors/hex"); return; }
  Bytes del = view(v->at("sms_deliver_raw1"));
  auto d = decode_deliver(del);
  REQUIRE(d.ok());
  CHECK(d->oa.value == "0880");
  CHECK(d->oa.ton == 0);
  CHECK(d->oa.npi == 1);
  CHECK(d->scts.iso8601() == "2013-04-30T12:42:51+05:00");
  CHECK(d->ud.udl == 76);
  CHECK(d->ud.text == "Hormatly musderi, size +99363544535 belgiden 1 gezek 30.04 12:42 jan etdiler");
  check_reencodes(*d, del);

  Bytes sub = view(v->at("sms_submit_raw2"));
  auto s = decode_submit(sub);
  REQUIRE(s.ok());
  CHECK(s->mr == 18);
  CHECK(s->status_report_request);
  CHECK(s->vp.format == VpFormat::Relative);
  CHECK(s->vp.relative == 0xff);
  CHECK(s->vp.relative_minutes() == 63u * 7 * 24 * 60);  // tshark: 63 week(s)
  CHECK(s->da.value == "99363986116");
  CHECK(s->dcs.raw == 8);
  CHECK(s->dcs.alphabet == Alphabet::Ucs2);
  CHECK_FALSE(s->dcs.msg_class.has_value());
  CHECK(s->ud.udl == 8);
  CHECK(s->ud.text == "Тест");
  check_reencodes(*s, sub);
}

TEST_CASE("forwardSM v1 DELIVER with extended TOA and PID 4 (S13 #1, Dialogic)") {
  auto v = load_hex("jss7.hex");
  if (!v) { ussdgw::test::shared_vectors_missing("vectors/hex"); return; }
  auto tcap = sms_test::find_tcap(view(v->at("sccp_udt_fsm_dialogic")));
  REQUIRE(tcap.has_value());
  auto comps = sms_test::components(*tcap);
  REQUIRE(comps.size() == 1);
  CHECK(comps[0].op == 46);
  auto a = decode_forward_sm_arg(comps[0].param);
  REQUIRE(a.ok());
  CHECK(a->sm_rp_da.kind == SmRpDa::Kind::Imsi);
  CHECK(a->sm_rp_da.imsi.digits == "987654321");
  CHECK(a->sm_rp_oa.kind == SmRpOa::Kind::ServiceCentre);
  CHECK(a->sm_rp_oa.sca.address.nai == 2);
  CHECK(a->sm_rp_oa.sca.address.digits == "123456789");
  auto d = decode_deliver(a->sm_rp_ui);
  REQUIRE(d.ok());
  CHECK_FALSE(d->oa.ext);
  CHECK(d->oa.ton == 0);
  CHECK(d->oa.npi == 4);
  CHECK(d->oa.value == "123456789");
  CHECK(d->pid == 4);
  CHECK(d->status_report_indication);
  CHECK(d->loop_prevention);
  CHECK(d->scts.iso8601() == "2011-03-29T06:06:26+00:00");
  CHECK(d->ud.text == "Hello World");
  check_reencodes(*d, a->sm_rp_ui);
}

TEST_CASE("MT-ForwardSM-Res sm-RP-UI 0000 is an SMS-DELIVER-REPORT (S13 #2)") {
  auto v = load_hex("jss7.hex");
  if (!v) { ussdgw::test::shared_vectors_missing("vectors/hex"); return; }
  auto tcap = sms_test::find_tcap(view(v->at("sccp_xudt_end_mtfsm")));
  REQUIRE(tcap.has_value());
  auto comps = sms_test::components(*tcap);
  REQUIRE(comps.size() == 1);
  CHECK(comps[0].type == 0xa2);
  CHECK(comps[0].op == 44);
  auto res = decode_forward_sm_res(comps[0].param);
  REQUIRE(res.ok());
  CHECK(to_hex(res->sm_rp_ui) == "0000");
  auto t = decode_tpdu(res->sm_rp_ui, Direction::MsToSc);
  REQUIRE(t.ok());
  REQUIRE(std::holds_alternative<DeliverReport>(*t));
  const auto& r = std::get<DeliverReport>(*t);
  CHECK_FALSE(r.rp_error);
  CHECK(r.pi == 0);
  CHECK_FALSE(r.ud.has_value());
  std::array<std::uint8_t, 8> buf{};
  auto n = encode_deliver_report(r, buf);
  REQUIRE(n.ok());
  CHECK(to_hex(Bytes(buf.data(), *n)) == "0000");
}

TEST_CASE("DCS groups of TS 23.038 §4") {
  CHECK(Dcs::from_raw(0x00).alphabet == Alphabet::Gsm7);
  CHECK(Dcs::from_raw(0x04).alphabet == Alphabet::EightBit);
  CHECK(Dcs::from_raw(0x08).alphabet == Alphabet::Ucs2);
  CHECK(Dcs::from_raw(0x10).msg_class == std::optional<std::uint8_t>(0));
  CHECK(Dcs::from_raw(0x20).compressed);
  CHECK(Dcs::from_raw(0x48).auto_delete);
  CHECK(Dcs::from_raw(0x48).alphabet == Alphabet::Ucs2);
  CHECK(Dcs::from_raw(0xF6).alphabet == Alphabet::EightBit);
  CHECK(Dcs::from_raw(0xF6).msg_class == std::optional<std::uint8_t>(2));
  CHECK(Dcs::from_raw(0xF0).alphabet == Alphabet::Gsm7);
  auto mwi = Dcs::from_raw(0xC8);
  CHECK(mwi.mwi);
  CHECK(mwi.mwi_active);
  CHECK_FALSE(mwi.mwi_store);
  CHECK(Dcs::from_raw(0xE0).alphabet == Alphabet::Ucs2);
  CHECK(Dcs::make(Alphabet::Ucs2, 1).raw == 0x19);
}

TEST_CASE("Timestamps with negative time zones and absolute validity") {
  Timestamp t{99, 12, 31, 23, 59, 58, -20};
  std::uint8_t b[7];
  REQUIRE(encode_timestamp(t, b));
  auto back = decode_timestamp(Bytes(b, 7));
  REQUIRE(back.ok());
  CHECK(*back == t);
  CHECK(back->iso8601() == "1999-12-31T23:59:58-05:00");
  Timestamp q{24, 1, 2, 3, 4, 5, 3};  // +00:45 (Chatham-like quarter hours)
  REQUIRE(encode_timestamp(q, b));
  CHECK(decode_timestamp(Bytes(b, 7))->iso8601() == "2024-01-02T03:04:05+00:45");
  const std::uint8_t bad[7] = {0x42, 0x21, 0x8a, 0, 0, 0, 0};
  auto e = decode_timestamp(Bytes(bad, 7));
  REQUIRE_FALSE(e.ok());
  CHECK(e.error().at == bad + 2);
}

TEST_CASE("Encode -> decode: DELIVER with 16-bit concat, UCS2, 8-bit and extra IEs") {
  std::array<std::uint8_t, 200> buf{};
  Deliver d;
  d.oa = TpAddress::alnum("SBIBNK");
  d.scts = Timestamp{25, 6, 1, 10, 20, 30, 8};
  d.dcs = Dcs::make(Alphabet::Gsm7);
  UserDataHeader h;
  h.concat = Concat{0x1234, 3, 2, true};
  const std::uint8_t port[4] = {0x0b, 0x84, 0x23, 0xf0};
  h.others.push_back(InfoElement{0x05, Bytes(port, 4)});
  d.ud.udh = h;
  d.ud.text.assign("Part two with {braces} and €uro");
  auto n = encode_deliver(d, buf);
  REQUIRE(n.ok());
  auto back = decode_deliver(Bytes(buf.data(), *n));
  REQUIRE(back.ok());
  CHECK(back->oa.value == "SBIBNK");
  CHECK(back->more_messages == d.more_messages);
  CHECK(*back->ud.udh->concat == Concat{0x1234, 3, 2, true});
  REQUIRE(back->ud.udh->others.size() == 1);
  CHECK(back->ud.udh->others[0].iei == 0x05);
  CHECK(to_hex(back->ud.udh->others[0].data) == "0b8423f0");
  CHECK(back->ud.text == d.ud.text.view());
  CHECK(back->scts == d.scts);

  Submit s;
  s.mr = 7;
  s.da = TpAddress::international("4915112345678");
  s.dcs = Dcs::make(Alphabet::Ucs2);
  s.vp.format = VpFormat::Absolute;
  s.vp.absolute = Timestamp{25, 1, 1, 0, 0, 0, -4};
  s.ud.udh = UserDataHeader{};
  s.ud.udh->concat = Concat{9, 2, 1, false};
  s.ud.text.assign("Привет, мир");
  n = encode_submit(s, buf);
  REQUIRE(n.ok());
  auto sb = decode_submit(Bytes(buf.data(), *n));
  REQUIRE(sb.ok());
  CHECK(sb->da.value == "4915112345678");
  CHECK(sb->vp.absolute == s.vp.absolute);
  CHECK(sb->ud.text == "Привет, мир");
  CHECK(sb->ud.udl == 6 + 2 * 11);

  Submit bin;
  bin.da = TpAddress::international("123");
  bin.dcs = Dcs::from_raw(0xF5);  // 8-bit, class 1
  const std::uint8_t data[3] = {0xde, 0xad, 0x01};
  bin.ud.payload = Bytes(data, 3);
  n = encode_submit(bin, buf);
  REQUIRE(n.ok());
  auto bb = decode_submit(Bytes(buf.data(), *n));
  REQUIRE(bb.ok());
  CHECK(bb->ud.text == "dead01");
  CHECK(to_hex(bb->ud.payload) == "dead01");
}

TEST_CASE("Encoders refuse overlong text and small buffers") {
  Deliver d;
  d.oa = TpAddress::international("1");
  std::string longtext(161, 'a');
  d.ud.text.assign(longtext);
  std::array<std::uint8_t, 200> buf{};
  CHECK_FALSE(encode_deliver(d, buf).ok());
  d.ud.text.assign("hello");
  std::array<std::uint8_t, 12> small{};
  CHECK_FALSE(encode_deliver(d, small).ok());
  CHECK(max_units_per_part(Alphabet::Gsm7, true) == 153);
  CHECK(max_units_per_part(Alphabet::Ucs2, false) == 70);
}

TEST_CASE("Malformed TPDUs return errors pointing into the input") {
  auto v = load_hex("gomaja_go-gsmmap.hex");
  if (!v) { ussdgw::test::shared_vectors_missing("vectors/hex"); return; }
  Bytes ui = ui_of(v->at("mtfsm_concat_part1"));
  // Every truncation fails cleanly, never reads past the end.
  for (std::size_t len = 0; len < ui.size(); ++len) {
    auto r = decode_deliver(ui.first(len));
    CHECK_FALSE(r.ok());
    if (!r.ok() && r.error().at) CHECK(r.error().at <= ui.data() + len);
  }
  // Flipped octets never crash (values may or may not decode).
  sms_test::Octets copy(ui.begin(), ui.end());
  for (std::size_t i = 0; i < copy.size(); ++i) {
    for (std::uint8_t x : {0x01, 0x40, 0x80, 0xff}) {
      copy[i] ^= x;
      (void)decode_tpdu(view(copy), Direction::ScToMs);
      (void)decode_tpdu(view(copy), Direction::MsToSc);
      (void)decode_deliver_report(view(copy), true);
      (void)decode_submit_report(view(copy), true);
      (void)decode_status_report(view(copy));
      copy[i] ^= x;
    }
  }
}

TEST_CASE("SMS-STATUS-REPORT and SMS-SUBMIT-REPORT decode (TS 23.040 §9.2.2.2a, §9.2.2.3)") {
  // Hand-built from the clause layouts: MR 0x2a, RA +4917, SCTS, DT, ST 0 (received).
  sms_test::Octets sr;
  REQUIRE(from_hex("06 2a 04 91 9471 52 10 10 21 43 65 80 52 10 10 21 44 65 80 00", sr));
  auto r = decode_status_report(view(sr));
  REQUIRE(r.ok());
  CHECK(r->mr == 0x2a);
  CHECK(r->ra.value == "4917");
  CHECK(r->scts.iso8601() == "2025-01-01T12:34:56+02:00");
  CHECK(r->dt.iso8601() == "2025-01-01T12:44:56+02:00");
  CHECK(r->st == 0);
  CHECK_FALSE(r->pi.has_value());
  sms_test::Octets rep;
  REQUIRE(from_hex("01 00 52 10 10 21 43 65 80", rep));
  auto s = decode_submit_report(view(rep), false);
  REQUIRE(s.ok());
  CHECK(s->scts.iso8601() == "2025-01-01T12:34:56+02:00");
  sms_test::Octets err;  // RP-ERROR form with TP-FCS 0xD0 (SIM SMS storage full)
  REQUIRE(from_hex("00 d0 00", err));
  auto e = decode_deliver_report(view(err), true);
  REQUIRE(e.ok());
  CHECK(e->fcs == 0xd0);
}

TEST_CASE("split_text never cuts escape or surrogate pairs; parts reassemble through DELIVER") {
  auto one = split_text("short", Alphabet::Gsm7);
  REQUIRE(one.ok());
  CHECK(one->size() == 1);

  // 152 plain characters then '€' (ESC pair): the pair cannot start at
  // septet 153, so part 1 ends before it.
  std::string text(152, 'x');
  text += "€";
  text += std::string(20, 'y');
  auto p = split_text(text, Alphabet::Gsm7);
  REQUIRE(p.ok());
  REQUIRE(p->size() == 2);
  CHECK((*p)[0].size() == 152);
  CHECK((*p)[1].substr(0, 3) == "€");

  std::string reassembled;
  std::array<std::uint8_t, 200> buf{};
  for (std::size_t i = 0; i < p->size(); ++i) {
    Deliver d;
    d.oa = TpAddress::alnum("Glovo");
    d.more_messages = i + 1 < p->size();
    d.ud.udh = UserDataHeader{};
    d.ud.udh->concat = Concat{42, static_cast<std::uint8_t>(p->size()), static_cast<std::uint8_t>(i + 1), false};
    d.ud.text.assign((*p)[i]);
    auto n = encode_deliver(d, buf);
    REQUIRE(n.ok());
    auto back = decode_deliver(Bytes(buf.data(), *n));
    REQUIRE(back.ok());
    CHECK(back->ud.udh->concat->seq == i + 1);
    CHECK(back->ud.udl <= 160);
    reassembled += back->ud.text.str();
  }
  CHECK(reassembled == text);

  std::string emoji;
  for (int i = 0; i < 40; ++i) emoji += "😀";  // 80 UTF-16 units
  auto u = split_text(emoji, Alphabet::Ucs2);
  REQUIRE(u.ok());
  REQUIRE(u->size() == 2);
  CHECK((*u)[0].size() == 33 * 4);  // 66 units: the 34th pair would reach 68 > 67

  auto bad = split_text("日本", Alphabet::Gsm7);
  REQUIRE_FALSE(bad.ok());
}
