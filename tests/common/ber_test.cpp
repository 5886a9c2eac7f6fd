#include <doctest/doctest.h>

#include <array>
#include <vector>

#include "ussdgw/ber.h"
#include "ussdgw/tbcd.h"

using namespace ussdgw;

namespace {
std::basic_string<std::uint8_t> hex(std::string_view s) {
  std::basic_string<std::uint8_t> out;
  REQUIRE(from_hex(s, out));
  return out;
}
}  // namespace

TEST_CASE("BER reads definite and indefinite lengths") {
  auto def = hex("6c05a203020101");
  auto t = ber::parse_single(def);
  REQUIRE(t.ok());
  CHECK(t->tag == ber::application(12, true));
  CHECK(t->value.size() == 5);
  CHECK_FALSE(t->indefinite);

  auto indef = hex("6c80a30b02010002010630030201010000");
  auto u = ber::parse_single(indef);
  REQUIRE(u.ok());
  CHECK(u->indefinite);
  CHECK(u->value.size() == 13);
}

TEST_CASE("BER long-form tags and lengths") {
  auto b = hex("9f8a0103aabbcc");  // context [1281], primitive
  auto t = ber::parse_single(b);
  REQUIRE(t.ok());
  CHECK(t->tag == ber::context(1281));
  CHECK(t->value.size() == 3);
  auto l = hex("0481030102 03");
  REQUIRE(ber::parse_single(l).ok());
}

TEST_CASE("BER rejects what would read out of bounds, with the offset") {
  auto b = hex("300904010f0403aa");
  auto t = ber::parse_single(b);
  REQUIRE_FALSE(t.ok());
  CHECK(t.error().offset_in(b) == 1);
  auto trunc = hex("30");
  CHECK_FALSE(ber::parse_single(trunc).ok());
  auto noeoc = hex("3080040100");
  CHECK_FALSE(ber::parse_single(noeoc).ok());
  auto prim_indef = hex("0480");
  CHECK_FALSE(ber::parse_single(prim_indef).ok());
}

TEST_CASE("BER nesting limit stops deep indefinite input") {
  std::basic_string<std::uint8_t> deep;
  for (int i = 0; i < 200; ++i) { deep.push_back(0x30); deep.push_back(0x80); }
  for (int i = 0; i < 200; ++i) { deep.push_back(0); deep.push_back(0); }
  auto t = ber::parse_single(deep);
  REQUIRE_FALSE(t.ok());
  CHECK(std::string_view(t.error().what) == "BER: nesting too deep");
}

TEST_CASE("BER integer and OID values") {
  for (std::int64_t v : {0L, 1L, 127L, 128L, -1L, -128L, -129L, 255L, 65535L, 1L << 40}) {
    std::array<std::uint8_t, 16> buf{};
    ber::Writer w(buf);
    w.put_integer(ber::kInteger, v);
    REQUIRE(w.ok());
    auto t = ber::parse_single(w.bytes());
    REQUIRE(t.ok());
    CHECK(*ber::to_integer(*t) == v);
  }
  auto oid = hex("04000001001302");
  auto s = ber::oid_to_string(oid);
  REQUIRE(s.ok());
  CHECK(s->view() == "0.4.0.0.1.0.19.2");
  FixedVector<std::uint8_t, 32> back;
  REQUIRE(ber::oid_from_string("0.0.17.773.1.1.1", back));
  CHECK(to_hex(Bytes(back.begin(), back.size())) == "00118605010101");
}

TEST_CASE("BER writer produces minimal lengths for long contents") {
  std::array<std::uint8_t, 512> buf{};
  ber::Writer w(buf);
  auto m = w.open(ber::kSequence);
  std::vector<std::uint8_t> payload(200, 0xab);
  w.put(ber::kOctetString, payload);
  w.close(m);
  REQUIRE(w.ok());
  auto out = w.bytes();
  CHECK(out[0] == 0x30);
  CHECK(out[1] == 0x81);
  CHECK(out[2] == 203);
  CHECK(out[3] == 0x04);
  CHECK(out[4] == 0x81);
  CHECK(out[5] == 200);
  std::array<std::uint8_t, 8> tiny{};
  ber::Writer small(tiny);
  small.put(ber::kOctetString, payload);
  CHECK_FALSE(small.ok());
}

TEST_CASE("TBCD and AddressString") {
  auto a = hex("917267415827f2");
  auto r = decode_address_string(a);
  REQUIRE(r.ok());
  CHECK(r->nai == 1);
  CHECK(r->npi == 1);
  CHECK(r->digits.view() == "27761485722");
  std::array<std::uint8_t, 20> out{};
  CHECK(encode_address_string(*r, out.data(), out.size()) == a.size());
  CHECK(to_hex(Bytes(out.data(), a.size())) == "917267415827f2");
  auto bad = hex("91f21f");
  CHECK_FALSE(decode_address_string(bad).ok());
}
