// USSD-Arg / USSD-Res (TS 29.002 §17.7.4) against the shared vectors, read in
// place. Expected values are those of vectors/README.md and decoded/SUMMARY.md.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "ussd/codec/ussd_ops.h"
#include "ussd_vectors.h"

using namespace ussdgw;
using namespace ussdgw::ussd;
using ussd_test::hex;
using ussd_test::Octets;
using ussd_test::span;

namespace {

std::string text_of(Dcs dcs, Bytes s) {
  auto d = decode_text(dcs, s);
  REQUIRE(d.ok());
  return std::string(d->text.view());
}

// Encodes `arg` and checks it reproduces `want` exactly (DER-style vectors).
void check_reencode(const UssdArg& arg, Bytes want) {
  std::uint8_t out[256];
  auto n = encode_ussd_arg(arg, out);
  REQUIRE(n.ok());
  CHECK(to_hex(Bytes(out, *n)) == to_hex(want));
}

}  // namespace

TEST_CASE("U01 Wireshark sample: DCS 0f, *140*0761241377#, msisdn +27761485722") {
  const auto dir = shared_dir();
  if (!dir) return;
  const auto ws = ussd_test::load_hex(*dir, "wireshark_sample_ussd.hex");
  const Octets& tcap = ws.at("tcap_pycrate");
  auto param = ussd_test::tcap_first_param(span(tcap));
  REQUIRE(param.has_value());

  auto arg = decode_ussd_arg(*param);
  REQUIRE(arg.ok());
  CHECK(arg->dcs == Dcs{0x0F});
  CHECK(to_hex(arg->string) == "aa180da682dd6c31192d36bbdd46");
  CHECK(text_of(arg->dcs, arg->string) == "*140*0761241377#");
  REQUIRE(arg->msisdn.has_value());
  CHECK(arg->msisdn->digits.view() == "27761485722");
  CHECK(arg->msisdn_format == NumberFormat{1, 1});
  CHECK_FALSE(arg->alerting_pattern.has_value());
  check_reencode(*arg, *param);
}

TEST_CASE("U06 #3 osmocom unstructuredSS-Notify arg: forty-two, alertingPattern 0x42") {
  const auto dir = shared_dir();
  if (!dir) return;
  const auto osmo = ussd_test::load_hex(*dir, "osmocom.hex");
  const Octets& raw = osmo.at("ussd_notify_arg_forty_two");
  auto arg = decode_ussd_arg(span(raw));
  REQUIRE(arg.ok());
  CHECK(arg->dcs == Dcs{0x0F});
  CHECK(text_of(arg->dcs, arg->string) == "forty-two");
  REQUIRE(arg->alerting_pattern.has_value());
  CHECK(arg->alerting_pattern->value == 0x42);
  CHECK_FALSE(arg->msisdn.has_value());
  check_reencode(*arg, span(raw));

  SUBCASE("GSUP PUSSR invoke component: *100#") {
    auto p = ussd_test::component_param(span(osmo.at("gsup_pussr_invoke_component")));
    REQUIRE(p.has_value());
    auto a = decode_ussd_arg(*p);
    REQUIRE(a.ok());
    CHECK(text_of(a->dcs, a->string) == "*100#");
  }
  SUBCASE("GSM 04.80 returnResult op 60: USSD-Res \"2\"") {
    auto p = ussd_test::component_param(span(osmo.at("gsm0480_facility_rr_ussr_component")));
    REQUIRE(p.has_value());
    auto r = decode_ussd_res(*p);
    REQUIRE(r.ok());
    CHECK(r->dcs == Dcs{0x0F});
    CHECK(text_of(r->dcs, r->string) == "2");
  }
}

TEST_CASE("jss7 USSD parameters") {
  const auto dir = shared_dir();
  if (!dir) return;
  const auto j = ussd_test::load_hex(*dir, "jss7.hex");
  SUBCASE("processUnstructuredSS-Request arg *234#") {
    const Octets& raw = j.at("pussr_arg");
    auto a = decode_ussd_arg(span(raw));
    REQUIRE(a.ok());
    CHECK(text_of(a->dcs, a->string) == "*234#");
    check_reencode(*a, span(raw));
  }
  SUBCASE("processUnstructuredSS-Request result: Your balance = 350") {
    const Octets& raw = j.at("pussr_res");
    auto r = decode_ussd_res(span(raw));
    REQUIRE(r.ok());
    CHECK(text_of(r->dcs, r->string) == "Your balance = 350");
    std::uint8_t out[64];
    auto n = encode_ussd_res(*r, out);
    REQUIRE(n.ok());
    CHECK(to_hex(Bytes(out, *n)) == to_hex(span(raw)));
  }
  SUBCASE("unstructuredSS-Request arg: the menu text") {
    const Octets& raw = j.at("ussr_arg");
    auto a = decode_ussd_arg(span(raw));
    REQUIRE(a.ok());
    CHECK(text_of(a->dcs, a->string) == "USSD String : Hello World <CR> 1. Balance <CR> 2. Texts Remaining");
    check_reencode(*a, span(raw));
  }
  SUBCASE("TC-BEGIN trace, indefinite and definite component portion: *213#") {
    for (const char* key : {"tcbegin1_indef", "tcbegin1_def"}) {
      CAPTURE(key);
      auto p = ussd_test::tcap_first_param(span(j.at(key)));
      REQUIRE(p.has_value());
      auto a = decode_ussd_arg(*p);
      REQUIRE(a.ok());
      CHECK(text_of(a->dcs, a->string) == "*213#");
    }
  }
}

TEST_CASE("U05 VBN: unpacked ASCII under DCS 0x0F decodes without crashing") {
  const auto dir = shared_dir();
  if (!dir) return;
  const auto v = ussd_test::load_hex(*dir, "vbn_test.hex");
  const Octets& m3ua = v.at("m3ua_data_ussr_begin_nokia");
  // README: TCAP Begin otid 29960d24; the message starts 2 octets before it.
  const std::uint8_t otid[] = {0x48, 0x04, 0x29, 0x96, 0x0d, 0x24};
  auto it = std::search(m3ua.begin(), m3ua.end(), std::begin(otid), std::end(otid));
  REQUIRE(it != m3ua.end());
  const auto off = static_cast<std::size_t>(it - m3ua.begin()) - 2;
  auto p = ussd_test::tcap_first_param(span(m3ua).subspan(off));
  REQUIRE(p.has_value());
  auto a = decode_ussd_arg(*p);
  REQUIRE(a.ok());
  CHECK(a->dcs == Dcs{0x0F});
  CHECK(to_hex(a->string) == "3834383638373934373836");
  auto d = decode_text(a->dcs, a->string);
  CHECK(d.ok());  // junk text, as tshark shows; the point is no crash
}

TEST_CASE("extension elements: alertingPattern by position, unknown ones skipped") {
  SUBCASE("msisdn then unknown elements") {
    // 04010f | 04042a1c6e04 | 80 03 912143 (msisdn) | 85 01 00 (unknown) | 04 01 07 (unknown)
    const auto ok = hex("301404010f04042a1c6e04800391214385010004 0107");
    auto a = decode_ussd_arg(span(ok));
    REQUIRE(a.ok());
    CHECK(text_of(a->dcs, a->string) == "*88#");
    REQUIRE(a->msisdn.has_value());
    CHECK(a->msisdn->digits.view() == "1234");
    CHECK_FALSE(a->alerting_pattern.has_value());  // the later 04 is not in alertingPattern's place
  }
  SUBCASE("an unknown element before an OCTET STRING") {
    const auto raw = hex("300f04010f04042a1c6e04830100040107");
    auto a = decode_ussd_arg(span(raw));
    REQUIRE(a.ok());
    CHECK_FALSE(a->alerting_pattern.has_value());
  }
  SUBCASE("alertingPattern and msisdn together round-trip") {
    UssdArg arg;
    const auto s = hex("aa180c3602");
    arg.string = span(s);
    arg.alerting_pattern = AlertingPattern{0x02};
    arg.msisdn = Msisdn{Digits("27761485722")};
    std::uint8_t out[64];
    auto n = encode_ussd_arg(arg, out);
    REQUIRE(n.ok());
    CHECK(to_hex(Bytes(out, *n)) == "301604010f0405aa180c3602040102800791" "7267415827f2");
    auto back = decode_ussd_arg(Bytes(out, *n));
    REQUIRE(back.ok());
    CHECK(back->alerting_pattern->value == 0x02);
    CHECK(back->msisdn->digits.view() == "27761485722");
  }
  SUBCASE("USSD-Res extension elements are skipped") {
    // a0 03 80 01 30 is a constructed unknown element
    const auto raw = hex("300b04010f040132a003800130");
    auto r = decode_ussd_res(span(raw));
    REQUIRE(r.ok());
    CHECK(text_of(r->dcs, r->string) == "2");
  }
}

TEST_CASE("malformed USSD-Arg is refused with a USSD error, never a crash") {
  struct {
    const char* hex;
    const char* why;
  } const bad[] = {
      {"", "empty"},
      {"3003040109", "truncated"},
      {"310704010f04022a1c", "SET instead of SEQUENCE"},
      {"300704020f0f04012a", "two-octet DCS"},
      {"300504010f0400", "empty string"},
      {"300304010f", "no string"},
      {"300704010f04012a00", "trailing octet inside"},
      {"300604010f04012a00", "trailing octet after the SEQUENCE"},
      {"300a04010f04012a04020102", "two-octet alertingPattern"},
      {"300804010f04012a8000", "empty msisdn"},
      {"300604010f24012a", "constructed string"},
  };
  for (const auto& b : bad) {
    CAPTURE(b.why);
    const auto raw = hex(b.hex);
    auto a = decode_ussd_arg(span(raw));
    CHECK_FALSE(a.ok());
  }
  auto missing = decode_ussd_arg(span(hex("300304010f")));
  REQUIRE_FALSE(missing.ok());
  CHECK(std::string(missing.error().what) == "USSD: missing ussd-String");

  Octets big = hex("3081a704010f0481a1");
  big.resize(big.size() + 161, 0x2a);
  auto too_long = decode_ussd_arg(span(big));
  REQUIRE_FALSE(too_long.ok());
  CHECK(std::string(too_long.error().what) == "USSD: ussd-String longer than 160 octets");
  CHECK(too_long.error().offset_in(span(big)) == 6);

  // Every truncation of a valid arg fails cleanly.
  const auto good = hex("301c04010f040eaa180da682dd6c31192d36bbdd468007917267415827f2");
  for (std::size_t n = 0; n < good.size(); ++n) CHECK_FALSE(decode_ussd_arg(Bytes(good.data(), n)).ok());
}

TEST_CASE("encoders check sizes and buffers; notify has no result") {
  const auto s = hex("2a1c6e04");
  UssdRes r{kDcsGsm7, span(s)};
  std::uint8_t small[5];
  CHECK_FALSE(encode_ussd_res(r, small).ok());
  std::uint8_t out[300];
  auto n = encode_ussd_res(r, out);
  REQUIRE(n.ok());
  CHECK(to_hex(Bytes(out, *n)) == "300904010f04042a1c6e04");

  UssdArg empty;
  CHECK_FALSE(encode_ussd_arg(empty, out).ok());
  Octets big(161, 0x2a);
  UssdArg longer{kDcsGsm7, span(big), {}, {}, {}};
  CHECK_FALSE(encode_ussd_arg(longer, out).ok());
  UssdArg bad_msisdn{kDcsGsm7, span(s), {}, Msisdn{Digits("12345678901234567")}, {}};
  CHECK_FALSE(encode_ussd_arg(bad_msisdn, out).ok());

  // A full 160-octet string needs a two-octet length (81 a0 / 81 a6).
  Octets full(160, 0x2a);
  UssdArg max{kDcsGsm7, span(full), {}, {}, {}};
  auto m = encode_ussd_arg(max, out);
  REQUIRE(m.ok());
  auto back = decode_ussd_arg(Bytes(out, *m));
  REQUIRE(back.ok());
  CHECK(back->string.size() == 160);

  CHECK(check_notify_result(Bytes()).ok());
  CHECK_FALSE(check_notify_result(span(s)).ok());
}

TEST_CASE("text -> USSD-Arg -> bytes -> USSD-Arg -> text round trips") {
  const char* texts[] = {"*100#", "0123456", "012345\r", "Balance: 12.50\xE2\x82\xAC {ok}",
                         "\xD0\x91\xD0\xB0\xD0\xBB\xD0\xB0\xD0\xBD\xD1\x81: 5", "\xF0\x9F\x98\x80 hi"};
  for (const char* t : texts) {
    CAPTURE(t);
    std::uint8_t str[kMaxUssdStringOctets];
    auto e = encode_text(t, str);
    REQUIRE(e.ok());
    UssdArg arg{e->dcs, Bytes(str, e->octets), {}, Msisdn{Digits("491701234567")}, {}};
    std::uint8_t out[256];
    auto n = encode_ussd_arg(arg, out);
    REQUIRE(n.ok());
    auto back = decode_ussd_arg(Bytes(out, *n));
    REQUIRE(back.ok());
    CHECK(back->dcs == e->dcs);
    CHECK(back->msisdn->digits.view() == "491701234567");
    CHECK(text_of(back->dcs, back->string) == std::string(t));
  }
}

TEST_CASE("mutated USSD-Args decode or fail cleanly (in-tree fuzz; real fuzzers run under ASan)") {
  const auto good = hex("301c04010f040eaa180da682dd6c31192d36bbdd468007917267415827f2");
  std::uint32_t x = 7;
  int decoded = 0;
  for (int round = 0; round < 5000; ++round) {
    Octets m = good;
    for (int k = 0; k < 3; ++k) {
      x = x * 1664525u + 1013904223u;
      m[(x >> 8) % m.size()] = static_cast<std::uint8_t>(x >> 24);
    }
    auto a = decode_ussd_arg(span(m));
    if (!a.ok()) continue;
    ++decoded;
    auto d = decode_text(a->dcs, a->string);
    if (d.ok()) CHECK(d->text.size() <= gsm7::Utf8Text::capacity());
  }
  CHECK(decoded > 0);
}
