// SIGTRAN framing (gateway/codec/sigtran.h) and the transport layer of the
// decoder: round trips, the vectors' header values, and malformed input.
#include <doctest/doctest.h>

#include <array>
#include <string>
#include <vector>

#include "gateway/codec/sigtran.h"
#include "tools/decode/decoder.h"

using namespace ussdgw;
using namespace ussdgw::sigtran;

namespace {
std::basic_string<std::uint8_t> hex(std::string_view h) {
  std::basic_string<std::uint8_t> b;
  REQUIRE(from_hex(h, b));
  return b;
}
}  // namespace

TEST_CASE("M3UA DATA encodes and decodes back, with and without routing context") {
  const std::uint8_t sccp[] = {0x09, 0x81, 0x03, 0x05, 0x07, 0x01, 0x42};
  ProtocolData pd{PointCode{3927}, PointCode{3889}, kSiSccp, 3, 0, 5, Bytes(sccp, sizeof sccp)};
  for (auto rc : {std::optional<RoutingContext>{}, std::optional<RoutingContext>{RoutingContext{100}}}) {
    std::array<std::uint8_t, 64> buf{};
    const std::size_t n = encode_m3ua_data(pd, rc, buf);
    REQUIRE(n == m3ua_data_size(sizeof sccp, rc.has_value()));
    CHECK(n % 4 == 0);
    auto m = decode_m3ua(Bytes(buf.data(), n));
    REQUIRE(m.ok());
    CHECK(m->is_data());
    CHECK(m->routing_context == rc);
    CHECK(m->data->opc == PointCode{3927});
    CHECK(m->data->dpc == PointCode{3889});
    CHECK(m->data->ni == 3);
    CHECK(m->data->sls == 5);
    CHECK(std::basic_string<std::uint8_t>(m->data->payload.begin(), m->data->payload.end()) ==
          std::basic_string<std::uint8_t>(sccp, sizeof sccp));
  }
  std::array<std::uint8_t, 8> small{};
  CHECK(encode_m3ua_data(pd, std::nullopt, small) == 0);
}

TEST_CASE("M3UA non-DATA classes are recognised; malformed headers are errors with offsets") {
  auto beat = hex("0100030300000008");  // ASPSM BEAT, RFC 4666 §3.5.5
  auto m = decode_m3ua(Bytes(beat.data(), beat.size()));
  REQUIRE(m.ok());
  CHECK_FALSE(m->is_data());
  CHECK(std::string(m3ua_message_name(m->msg_class, m->msg_type)) == "BEAT");

  auto too_long = hex("0100010100000040");
  auto e = decode_m3ua(Bytes(too_long.data(), too_long.size()));
  REQUIRE_FALSE(e.ok());
  CHECK(e.error().offset_in(Bytes(too_long.data(), too_long.size())) == 4);

  auto no_pd = hex("0100010100000010000600080000000a");  // DATA with only a routing context
  CHECK_FALSE(decode_m3ua(Bytes(no_pd.data(), no_pd.size())).ok());
  auto bad_tlv = hex("01000101000000100210000200000000");  // parameter length 2 < 4
  CHECK_FALSE(decode_m3ua(Bytes(bad_tlv.data(), bad_tlv.size())).ok());
}

TEST_CASE("MTP3 routing label matches PROTOCOL-NOTES example (U01 MTP3)") {
  auto b = hex("832862042109");
  auto m = decode_mtp3(Bytes(b.data(), b.size()));
  REQUIRE(m.ok());
  CHECK(m->ni == 2);
  CHECK(m->si == 3);
  CHECK(m->dpc == PointCode{8744});
  CHECK(m->opc == PointCode{1041});
  CHECK(m->sls == 2);
  std::array<std::uint8_t, 8> out{};
  CHECK(encode_mtp3(*m, out) == 6);
  CHECK(std::basic_string<std::uint8_t>(out.data(), 6) == b);
  CHECK_FALSE(decode_mtp3(Bytes(b.data(), 4)).ok());
}

TEST_CASE("M2PA user data and link status (RFC 4165)") {
  auto ud = hex("01000b0100000017" "00000001" "00000002" "01" "03b8d10000" "09");
  auto m = decode_m2pa(Bytes(ud.data(), ud.size()));
  REQUIRE(m.ok());
  CHECK(m->is_user_data());
  CHECK(m->bsn == 1);
  CHECK(m->fsn == 2);
  REQUIRE(m->mtp3.size() == 6);
  auto ls = hex("01000b0200000014" "00ffffff" "00ffffff" "00000001");
  auto l = decode_m2pa(Bytes(ls.data(), ls.size()));
  REQUIRE(l.ok());
  CHECK(l->link_status == 1u);
  CHECK_FALSE(decode_m2pa(Bytes(ls.data(), 10)).ok());
}

TEST_CASE("IPA framing: encode, decode, stream sizing") {
  const std::uint8_t payload[] = {0x09, 0x00, 0x03};
  std::array<std::uint8_t, 8> buf{};
  REQUIRE(encode_ipa(kIpaSccp, Bytes(payload, 3), buf) == 6);
  CHECK(buf[0] == 0);
  CHECK(buf[1] == 3);
  CHECK(buf[2] == 0xFD);
  CHECK(ipa_frame_size(Bytes(buf.data(), 2)) == std::nullopt);
  CHECK(ipa_frame_size(Bytes(buf.data(), 3)) == 6u);
  auto m = decode_ipa(Bytes(buf.data(), 6));
  REQUIRE(m.ok());
  CHECK(m->stream == kIpaSccp);
  CHECK(m->payload.size() == 3);
  CHECK_FALSE(decode_ipa(Bytes(buf.data(), 5)).ok());
}

namespace {
// An Ethernet/IPv4/TCP frame carrying `payload` on port 5000.
std::vector<std::uint8_t> tcp_frame(std::uint32_t seq, const std::vector<std::uint8_t>& payload) {
  std::vector<std::uint8_t> f(14, 0);
  f[12] = 0x08;
  std::vector<std::uint8_t> ip = {0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2};
  const std::size_t total = 20 + 20 + payload.size();
  ip[2] = static_cast<std::uint8_t>(total >> 8);
  ip[3] = static_cast<std::uint8_t>(total);
  std::vector<std::uint8_t> tcp = {0x9c, 0x40, 0x13, 0x88, static_cast<std::uint8_t>(seq >> 24),
                                   static_cast<std::uint8_t>(seq >> 16), static_cast<std::uint8_t>(seq >> 8),
                                   static_cast<std::uint8_t>(seq), 0, 0, 0, 0, 0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0};
  f.insert(f.end(), ip.begin(), ip.end());
  f.insert(f.end(), tcp.begin(), tcp.end());
  f.insert(f.end(), payload.begin(), payload.end());
  return f;
}
}  // namespace

TEST_CASE("TCP: one IPA message split over segments, and two in one segment") {
  // A minimal but complete SCCP UDT with an empty TCAP: class 0, SSN-only addresses.
  const std::vector<std::uint8_t> sccp = {0x09, 0x00, 0x03, 0x05, 0x07, 0x02, 0x42, 0x08, 0x02, 0x42, 0x06, 0x00};
  std::vector<std::uint8_t> ipa = {0x00, static_cast<std::uint8_t>(sccp.size()), 0xFD};
  ipa.insert(ipa.end(), sccp.begin(), sccp.end());

  std::vector<nlohmann::json> out;
  decode::Options opt;
  decode::Decoder d(opt, [&](const nlohmann::json& j) { out.push_back(j); });
  const std::vector<std::uint8_t> first(ipa.begin(), ipa.begin() + 5), rest(ipa.begin() + 5, ipa.end());
  auto f1 = tcp_frame(100, first);
  auto f2 = tcp_frame(105, rest);
  d.decode_frame(decode::FrameNo{1}, decode::linktype::kEthernet, Bytes(f1.data(), f1.size()));
  CHECK(out.empty());
  d.decode_frame(decode::FrameNo{2}, decode::linktype::kEthernet, Bytes(f2.data(), f2.size()));
  REQUIRE(out.size() == 1);
  CHECK(out[0]["frame"] == 2);
  CHECK(out[0]["ipa"]["stream"] == 253);
  CHECK(out[0]["sccp"]["called"]["ssn"] == 8);

  std::vector<std::uint8_t> two = ipa;
  two.insert(two.end(), ipa.begin(), ipa.end());
  auto f3 = tcp_frame(static_cast<std::uint32_t>(100 + ipa.size()), two);
  d.decode_frame(decode::FrameNo{3}, decode::linktype::kEthernet, Bytes(f3.data(), f3.size()));
  REQUIRE(out.size() == 3);
  CHECK(out[1]["frame"] == 3);
  CHECK(out[2]["frame"] == 3);
}

TEST_CASE("truncated frames of every link type never crash and report an error or a skip") {
  std::vector<nlohmann::json> out;
  decode::Options opt;
  opt.all = true;
  decode::Decoder d(opt, [&](const nlohmann::json& j) { out.push_back(j); });
  const std::uint8_t junk[] = {0x45, 0x00, 0x00, 0xff, 0x01, 0x02, 0x03};
  for (int lt : {0, 1, 12, 101, 113, 139, 140, 141, 228, 229, 276, 999})
    for (std::size_t n = 0; n <= sizeof junk; ++n) {
      out.clear();
      d.decode_frame(decode::FrameNo{1}, lt, Bytes(junk, n));
      CHECK(out.size() >= 1);
    }
}
