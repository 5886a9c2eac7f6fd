// SCCP codec: addresses, encoders, malformed input, LUDT, segmentation and
// reassembly, with expected octets worked out from Q.713 / Q.714.
#include <doctest/doctest.h>

#include <array>
#include <numeric>

#include "gateway/codec/sccp.h"
#include "sccp_vectors.h"

using namespace ussdgw;
using namespace ussdgw::sccp;
using sccp_test::Buf;
using sccp_test::hex;

namespace {

// A UDT built by hand from Q.713 §4.10: class 0x81, pointers 3/5/9,
// called AI 0x42 SSN 8 (route on SSN), calling AI 0x43 PC 0x0102 SSN 6,
// data 3 octets.
//   09 81 03 05 09 | 02 42 08 | 04 43 02 01 06 | 03 aa bb cc
Buf sample_udt() { return hex("098103050902420804430201060" "3aabbcc"); }

std::size_t err_offset(const Result<Message>& r, const Buf& in) {
  REQUIRE_FALSE(r.ok());
  return r.error().offset_in(in);
}

}  // namespace

TEST_CASE("hand-built UDT decodes field by field") {
  Buf in = sample_udt();
  auto m = decode(in);
  REQUIRE_MESSAGE(m.ok(), m.error().what);
  CHECK(m->type == MessageType::Udt);
  CHECK(m->protocol_class == ProtocolClass::make(1, true));
  CHECK(m->called.ssn == Ssn{8});
  CHECK(m->calling.pc == PointCode{0x0102});
  CHECK(m->calling.ssn == Ssn{6});
  CHECK(to_hex(m->data) == "aabbcc");
  std::array<std::uint8_t, 64> out{};
  auto n = encode(*m, out);
  REQUIRE(n.ok());
  CHECK(to_hex(Bytes(out.data(), *n)) == to_hex(in));
}

TEST_CASE("malformed input gives errors pointing at the offending octet") {
  const Buf good = sample_udt();

  SUBCASE("empty") { CHECK_FALSE(decode(Buf{}).ok()); }
  SUBCASE("unsupported type (CR 0x01)") {
    Buf b = good;
    b[0] = 0x01;
    CHECK(err_offset(decode(b), b) == 0);
  }
  SUBCASE("class 2 in a UDT") {
    Buf b = good;
    b[1] = 0x02;
    CHECK(err_offset(decode(b), b) == 1);
  }
  SUBCASE("truncated in the pointers: offset is the end") {
    Buf b = good.substr(0, 4);
    CHECK(err_offset(decode(b), b) == 4);
  }
  SUBCASE("zero pointer to the calling address") {
    Buf b = good;
    b[3] = 0;
    auto r = decode(b);
    CHECK(err_offset(r, b) == 3);
    CHECK(std::string_view(r.error().what) == "SCCP: zero pointer to a mandatory parameter");
  }
  SUBCASE("pointer beyond the end") {
    Buf b = good;
    b[4] = 0x40;
    auto r = decode(b);
    CHECK(err_offset(r, b) == 4);
    CHECK(std::string_view(r.error().what) == "SCCP: pointer beyond end of message");
  }
  SUBCASE("data length beyond the end: points at the length octet") {
    Buf b = good;
    b[13] = 4;
    CHECK(err_offset(decode(b), b) == 13);
  }
  SUBCASE("message cut inside the data") {
    Buf b = good.substr(0, good.size() - 1);
    CHECK(err_offset(decode(b), b) == 13);
  }
  SUBCASE("empty calling address") {
    // calling length 0, data moved up: 09 81 03 05 05 | 02 42 08 | 00 | 01 aa
    Buf b = hex("0981030505024208000" "1aa");
    auto r = decode(b);
    CHECK(err_offset(r, b) == 9);
    CHECK(std::string_view(r.error().what) == "SCCP: empty address");
  }
  SUBCASE("address says PC present but has only one octet after the indicator") {
    // calling = 02 41 01: AI 0x41 (PC present) then a single octet
    Buf b = hex("09810305070242080241010" "1aa");
    auto r = decode(b);
    CHECK(err_offset(r, b) == 11);  // one past the calling address
  }
  SUBCASE("XUDT optional pointer beyond the end") {
    Buf b = hex("1181" "0f" "04060809" "024208" "024206" "01aa" "ff");
    b[6] = 0x40;
    CHECK(err_offset(decode(b), b) == 6);
  }
  SUBCASE("XUDT optional part without end of optional parameters") {
    Buf b = hex("1181" "0f" "04060809" "024208" "024206" "01aa" "1201" "03");
    auto r = decode(b);
    CHECK(err_offset(r, b) == b.size());
  }
  SUBCASE("segmentation parameter with the wrong length") {
    Buf b = hex("1181" "0f" "04060809" "024208" "024206" "01aa" "100380000000");
    CHECK(err_offset(decode(b), b) == 16);
  }
}

TEST_CASE("decode never reads out of bounds: every prefix and many one-octet mutations") {
  Buf base = hex("1181" "0f" "04061114" "024208" "0b1206001104" "214365870900" "03aabbcc" "1004c1123456" "120103" "00");
  // called 3 octets, calling 12 (GT 12345678900), data 4, optional part
  // with segmentation and importance.
  REQUIRE(decode(base).ok());
  for (std::size_t n = 0; n < base.size(); ++n) {
    Buf p = base.substr(0, n);
    (void)decode(p);  // under ASan/UBSan this catches over-reads
  }
  for (std::size_t i = 0; i < base.size(); ++i) {
    for (std::uint8_t v : {0x00, 0x01, 0x02, 0x10, 0x7f, 0x80, 0xfe, 0xff}) {
      Buf b = base;
      b[i] = v;
      auto r = decode(b);
      if (!r.ok()) CHECK(r.error().offset_in(b) <= b.size());
    }
  }
}

TEST_CASE("address: GTI 1 to 4 and unknown values are kept") {
  std::array<std::uint8_t, 64> out{};
  auto round = [&](const Buf& v) {
    auto a = decode_address(v);
    REQUIRE_MESSAGE(a.ok(), a.error().what);
    auto n = encode_address(*a, out);
    REQUIRE(n.ok());
    CHECK(to_hex(Bytes(out.data(), *n)) == to_hex(v));
    return *a;
  };
  SUBCASE("GTI 1: odd/even + NAI, digits 12345 (odd, filler 0)") {
    // AI 0x04|0x02 (GTI 1, SSN): 06 08 | 84 | 21 43 05
    auto a = round(hex("0608" "84" "214305"));
    CHECK(a.gti == 1);
    CHECK(a.gt.nai == 4);
    CHECK(a.gt.digits == "12345");
  }
  SUBCASE("GTI 2: TT only, even digit count") {
    auto a = round(hex("08" "07" "2143"));
    CHECK(a.gti == 2);
    CHECK(a.gt.tt == 7);
    CHECK(a.gt.digits == "1234");
  }
  SUBCASE("GTI 3: TT + NP/ES, even BCD") {
    auto a = round(hex("0c" "00" "12" "214365"));
    CHECK(a.gti == 3);
    CHECK(a.gt.np == 1);
    CHECK(a.gt.es == 2);
    CHECK(a.gt.digits == "123456");
  }
  SUBCASE("GTI 4 with PC and SSN, digit nibbles b and f survive") {
    auto a = round(hex("13" "0920" "92" "00" "11" "04" "b1f2"));
    CHECK(a.pc == PointCode{0x2009});
    CHECK(a.ssn == Ssn{0x92});
    CHECK(a.gt.digits == "1b2");
    CHECK(a.gt.filler == 0x0f);
  }
  SUBCASE("GTI 4 with a non-BCD encoding scheme: octets kept as they are") {
    auto a = round(hex("12" "08" "00" "13" "04" "414243"));
    CHECK(a.gt.es == 3);
    CHECK(a.gt.digits.empty());
    CHECK(a.gt.opaque.size() == 3);
  }
  SUBCASE("spare GTI 5: kept opaque") {
    auto a = round(hex("16" "08" "010203"));
    CHECK(a.gti == 5);
    CHECK(a.gt.opaque.size() == 3);
  }
  SUBCASE("national bit") {
    auto a = round(hex("c2" "08"));
    CHECK(a.national);
    CHECK(a.ri == RoutingIndicator::OnSsn);
  }
  SUBCASE("builders: GT route with SSN gives AI 0x12, SSN route with PC 0x43") {
    auto n = encode_address(Address::global_title("27820000001", Ssn{6}), out);
    REQUIRE(n.ok());
    CHECK(to_hex(Bytes(out.data(), *n)) == "1206001104" "722800000001");
    n = encode_address(Address::subsystem(Ssn{8}, PointCode{1}), out);
    REQUIRE(n.ok());
    CHECK(to_hex(Bytes(out.data(), *n)) == "43010008");
  }
  SUBCASE("encoder refuses a 15-bit point code and a non-digit") {
    CHECK_FALSE(encode_address(Address::subsystem(Ssn{8}, PointCode{0x4000}), out).ok());
    CHECK_FALSE(encode_address(Address::global_title("12x", Ssn{8}), out).ok());
  }
  SUBCASE("odd encoding scheme with no digits is an error") {
    CHECK_FALSE(decode_address(hex("12" "08" "00" "11" "04")).ok());
  }
}

TEST_CASE("encoders: UDT, XUDT with segmentation, UDTS and XUDTS, overflow") {
  const Address called = Address::global_title("27820000001", Ssn{6});
  const Address calling = Address::global_title("27820000003", Ssn{8});
  const Buf data = hex("6203480101");
  std::array<std::uint8_t, 128> out{};

  auto n = encode_udt(called, calling, data, ProtocolClass::make(1, true), out);
  REQUIRE(n.ok());
  // 09 81 03 0e 19 | 0b <called 11> | 0b <calling 11> | 05 <data>  (Q.713 §4.10)
  CHECK(to_hex(Bytes(out.data(), *n)) ==
        "0981030e19" "0b12060011047228000000" "01" "0b12080011047228000000" "03" "05" "6203480101");

  Segmentation seg{true, true, 1, LocalReference{0x123456}};
  n = encode_xudt(called, calling, data, ProtocolClass::make(1, true), HopCounter{15}, seg, out);
  REQUIRE(n.ok());
  Bytes x(out.data(), *n);
  CHECK(x[0] == 0x11);
  CHECK(x[2] == 0x0f);
  // pointers 4 / 15 / 26 as in the S16 XUDTs with 11-octet addresses; the
  // optional part follows the data: 4th pointer at octet 6 -> octet 6+p.
  CHECK(to_hex(x.subspan(3, 3)) == "040f1a");
  CHECK(x[6 + x[6]] == 0x10);
  CHECK(to_hex(x.subspan(x.size() - 7)) == "1004c156341200");  // reference least significant first
  auto back = decode(x);
  REQUIRE(back.ok());
  CHECK(back->segmentation == seg);
  CHECK(back->called.gt.digits == "27820000001");

  // UDTS / XUDTS return the message: addresses swapped, cause in octet 2.
  auto orig = decode(x);
  REQUIRE(orig.ok());
  Message svc = make_service(*orig, ReturnCause::SubsystemFailure, HopCounter{13});
  std::array<std::uint8_t, 128> out2{};
  auto s = encode(svc, out2);
  REQUIRE(s.ok());
  auto sd = decode(Bytes(out2.data(), *s));
  REQUIRE(sd.ok());
  CHECK(sd->type == MessageType::Xudts);
  CHECK(out2[1] == 0x03);
  CHECK(out2[2] == 13);
  CHECK(sd->called.gt.digits == "27820000003");
  CHECK(sd->calling.gt.digits == "27820000001");
  CHECK(sd->segmentation == seg);
  CHECK(to_hex(sd->data) == to_hex(data));

  Message udt = make_udt(called, calling, data, ProtocolClass::make(0, true));
  Message udts = make_service(udt, ReturnCause::NoTranslationForAddress);
  s = encode(udts, out2);
  REQUIRE(s.ok());
  CHECK(out2[0] == 0x0a);
  CHECK(out2[1] == 0x01);
  CHECK(out2[2] == 0x03);  // no hop counter in UDTS: pointers start at octet 3
  auto ud = decode(Bytes(out2.data(), *s));
  REQUIRE(ud.ok());
  CHECK(ud->return_cause == ReturnCause::NoTranslationForAddress);
  CHECK(message_type_name(ud->type) == "udts");

  // Every buffer size short of the full message reports overflow.
  auto full = encode_udt(called, calling, data, ProtocolClass::make(1, true), out);
  REQUIRE(full.ok());
  for (std::size_t cap = 0; cap < *full; ++cap)
    CHECK_FALSE(encode_udt(called, calling, data, ProtocolClass::make(1, true), std::span(out.data(), cap)).ok());

  // UDT data longer than a one-octet length cannot be encoded.
  Buf big(300, 0x55);
  std::array<std::uint8_t, 512> large{};
  CHECK_FALSE(encode_udt(called, calling, big, ProtocolClass::make(0, false), large).ok());
}

TEST_CASE("LUDT: two-octet pointers and data length, least significant octet first") {
  // Q.713 §4.20 laid out by hand: type, class, hop counter, four 2-octet
  // pointers, called (1-octet length), calling, long data (2-octet length
  // 0x012c = 300), optional part with importance and end of optional.
  // A 2-octet pointer counts from its second octet (Wireshark packet-sccp.c
  // VARIABLE_POINTER and jss7 both add 1): called at 3+1+7 = 11.
  Buf b = hex("13" "01" "0a" "0700" "0800" "0b00" "3701" "024208" "0443020106" "2c01");
  b += Buf(300, 0x5a);
  b += hex("120104" "00");
  // pointer 4 at octets 9-10 -> optional part at 10 + 0x137 = 321
  REQUIRE(b.size() == 325);
  auto m = decode(b);
  REQUIRE_MESSAGE(m.ok(), m.error().what);
  CHECK(m->type == MessageType::Ludt);
  CHECK(message_type_name(m->type) == "ludt");
  CHECK(m->hop_counter.value == 10);
  CHECK(m->data.size() == 300);
  CHECK(m->importance == std::uint8_t{4});
  CHECK(m->calling.pc == PointCode{0x0102});
  std::array<std::uint8_t, 512> out{};
  auto n = encode(*m, out);
  REQUIRE(n.ok());
  CHECK(to_hex(Bytes(out.data(), *n)) == to_hex(b));

  Buf bad = b;
  bad[7] = 0xff;  // data pointer 0x01ff: beyond the end
  bad[8] = 0x01;
  CHECK(err_offset(decode(bad), bad) == 7);
}

TEST_CASE("unknown optional parameters are skipped") {
  // XUDT with an unknown optional parameter 0x55 before the segmentation one.
  Buf b = hex("1101" "0f" "04060809" "024208" "024206" "01aa" "5502abcd" "1004801122330" "0");
  auto m = decode(b);
  REQUIRE_MESSAGE(m.ok(), m.error().what);
  REQUIRE(m->segmentation);
  CHECK(m->segmentation->ref.value == 0x332211);
  CHECK(m->segmentation->first);
  CHECK_FALSE(m->segmentation->class1_selected);
}

TEST_CASE("names of return causes (Q.713 Table 18)") {
  CHECK(return_cause_name(ReturnCause::NoTranslationForNature) == "no translation for an address of such nature");
  CHECK(return_cause_name(ReturnCause::SubsystemCongestion) == "subsystem congestion");
  CHECK(return_cause_name(ReturnCause::HopCounterViolation) == "hop counter violation");
  CHECK(return_cause_name(ReturnCause::SegmentationFailure) == "segmentation failure");
  CHECK(return_cause_name(static_cast<ReturnCause>(0x40)) == "spare");
  CHECK(message_type_name(static_cast<MessageType>(0x01)) == "unknown");
}

// ---------------------------------------------------------------------------
// Segmentation and reassembly
// ---------------------------------------------------------------------------

namespace {

Message xudt_template() {
  return make_xudt(Address::global_title("41794947000", Ssn{8}), Address::global_title("41799797800", Ssn{8}), {},
                   ProtocolClass::make(1, true), HopCounter{15});
}

const auto kT0 = Reassembler::Clock::time_point{} + std::chrono::hours(1);

}  // namespace

TEST_CASE("segment() splits, encodes, decodes and reassembles to the same payload") {
  std::vector<std::uint8_t> payload(500);
  std::iota(payload.begin(), payload.end(), std::uint8_t{0});
  std::array<Message, kMaxSegments> segs{};
  auto n = segment(xudt_template(), payload, LocalReference{0x020000}, 200, segs);
  REQUIRE(n.ok());
  REQUIRE(*n == 3);
  CHECK(segs[0].segmentation->first);
  CHECK(segs[0].segmentation->remaining == 2);
  CHECK(segs[1].segmentation->remaining == 1);
  CHECK_FALSE(segs[2].segmentation->first);
  CHECK(segs[2].segmentation->remaining == 0);
  CHECK(segs[2].data.size() == 100);

  Reassembler r;
  std::optional<std::vector<std::uint8_t>> whole;
  std::vector<std::array<std::uint8_t, 272>> wire(*n);
  for (std::size_t i = 0; i < *n; ++i) {
    auto len = encode(segs[i], wire[i]);
    REQUIRE_MESSAGE(len.ok(), len.error().what);
    auto m = decode(Bytes(wire[i].data(), *len));
    REQUIRE(m.ok());
    CHECK(m->protocol_class.cls() == 1);
    CHECK(m->segmentation->class1_selected);
    CHECK(m->segmentation->ref.value == 0x020000);
    auto res = r.feed(*m, kT0);
    REQUIRE(res.ok());
    CHECK(res->has_value() == (i + 1 == *n));
    if (res->has_value()) whole = **res;
  }
  REQUIRE(whole);
  CHECK(*whole == payload);

  SUBCASE("class 0 user: segments still go in class 1, C bit clear") {
    Message t = xudt_template();
    t.protocol_class = ProtocolClass::make(0, false);
    REQUIRE(segment(t, payload, LocalReference{1}, 200, segs).ok());
    CHECK(segs[0].protocol_class.cls() == 1);
    CHECK_FALSE(segs[0].segmentation->class1_selected);
  }
  SUBCASE("fits in one: a single XUDT without the segmentation parameter") {
    auto one = segment(xudt_template(), Bytes(payload).first(50), LocalReference{1}, 200, segs);
    REQUIRE(one.ok());
    CHECK(*one == 1);
    CHECK_FALSE(segs[0].segmentation);
  }
  SUBCASE("more than 16 segments, too few slots, zero size: errors") {
    CHECK_FALSE(segment(xudt_template(), payload, LocalReference{1}, 31, segs).ok());
    CHECK_FALSE(segment(xudt_template(), payload, LocalReference{1}, 200, std::span(segs).first(2)).ok());
    CHECK_FALSE(segment(xudt_template(), payload, LocalReference{1}, 0, segs).ok());
  }
}

TEST_CASE("reassembler: gaps, repeats, separate keys, bounds and time-out") {
  std::vector<std::uint8_t> payload(60, 0x33);
  std::array<Message, kMaxSegments> segs{};
  REQUIRE(segment(xudt_template(), payload, LocalReference{7}, 20, segs).ok());  // 3 segments
  // Build keys the way a decoded message would carry them.
  std::array<std::uint8_t, 64> calling_a{}, calling_b{};
  auto na = encode_address(Address::global_title("111", Ssn{8}), calling_a);
  auto nb = encode_address(Address::global_title("222", Ssn{8}), calling_b);
  REQUIRE(na.ok());
  REQUIRE(nb.ok());
  auto with_key = [&](Message m, bool b) {
    m.calling_raw = b ? Bytes(calling_b.data(), *nb) : Bytes(calling_a.data(), *na);
    return m;
  };

  SUBCASE("missing middle segment: error, partial discarded") {
    Reassembler r;
    REQUIRE(r.feed(with_key(segs[0], false), kT0).ok());
    auto e = r.feed(with_key(segs[2], false), kT0);
    REQUIRE_FALSE(e.ok());
    CHECK(std::string_view(e.error().what) == "SCCP: segment out of sequence");
    CHECK(r.pending() == 0);
  }
  SUBCASE("repeated segment: error") {
    Reassembler r;
    REQUIRE(r.feed(with_key(segs[0], false), kT0).ok());
    REQUIRE(r.feed(with_key(segs[1], false), kT0).ok());
    CHECK_FALSE(r.feed(with_key(segs[1], false), kT0).ok());
  }
  SUBCASE("same local reference from two calling addresses: kept apart") {
    Reassembler r;
    for (int i = 0; i < 3; ++i) {
      auto ra = r.feed(with_key(segs[i], false), kT0);
      auto rb = r.feed(with_key(segs[i], true), kT0);
      REQUIRE(ra.ok());
      REQUIRE(rb.ok());
      CHECK(ra->has_value() == (i == 2));
      CHECK(rb->has_value() == (i == 2));
    }
    CHECK(r.pending() == 0);
  }
  SUBCASE("bounded number of partial messages") {
    Reassembler r(Reassembler::Config{1, 4096, std::chrono::seconds(10)});
    REQUIRE(r.feed(with_key(segs[0], false), kT0).ok());
    auto e = r.feed(with_key(segs[0], true), kT0);
    REQUIRE_FALSE(e.ok());
    CHECK(std::string_view(e.error().what) == "SCCP: too many messages being reassembled");
    CHECK(r.pending() == 1);
  }
  SUBCASE("bounded message size") {
    Reassembler r(Reassembler::Config{4, 30, std::chrono::seconds(10)});
    REQUIRE(r.feed(with_key(segs[0], false), kT0).ok());
    CHECK_FALSE(r.feed(with_key(segs[1], false), kT0).ok());
    CHECK(r.pending() == 0);
  }
  SUBCASE("time-out sweep uses the caller's clock") {
    Reassembler r;  // T(reass) 10 s
    REQUIRE(r.feed(with_key(segs[0], false), kT0).ok());
    REQUIRE(r.feed(with_key(segs[0], true), kT0 + std::chrono::seconds(5)).ok());
    CHECK(r.sweep(kT0 + std::chrono::seconds(10)) == 0);
    CHECK(r.sweep(kT0 + std::chrono::seconds(11)) == 1);
    CHECK(r.pending() == 1);
    CHECK(r.sweep(kT0 + std::chrono::seconds(16)) == 1);
    // A late segment after the sweep is an orphan.
    CHECK_FALSE(r.feed(with_key(segs[1], false), kT0 + std::chrono::seconds(17)).ok());
  }
  SUBCASE("UDT and unsegmented XUDT are refused") {
    Reassembler r;
    Message u = make_udt(Address::subsystem(Ssn{8}), Address::subsystem(Ssn{8}), payload, ProtocolClass{});
    CHECK_FALSE(r.feed(u, kT0).ok());
    CHECK_FALSE(r.feed(xudt_template(), kT0).ok());
  }
}
