// SCCP codec against real captures in ../shared/vectors (read in place).
// Expected values are taken from the tshark decodes and the README tables.
#include <doctest/doctest.h>

#include <array>
#include <map>

#include "gateway/codec/sccp.h"
#include "sccp_vectors.h"

using namespace ussdgw;
using namespace ussdgw::sccp;
using namespace sccp_test;

namespace {

std::optional<Buf> jss7(std::string_view name) {
  auto dir = shared_dir();
  if (!dir) return std::nullopt;
  return hex_vector(*dir / "vectors" / "hex" / "jss7.hex", name);
}

std::optional<Buf> mobi(std::string_view name) {
  auto dir = shared_dir();
  if (!dir) return std::nullopt;
  return hex_vector(*dir / "vectors" / "hex" / "sherzodv_mobi.hex", name);
}

void check_round_trip(const Buf& wire) {
  auto m = decode(wire);
  REQUIRE_MESSAGE(m.ok(), m.error().what);
  std::array<std::uint8_t, 1024> out{};
  auto n = encode(*m, out);
  REQUIRE_MESSAGE(n.ok(), n.error().what);
  CHECK(to_hex(Bytes(out.data(), *n)) == to_hex(wire));
}

}  // namespace

TEST_CASE("S13 jss7 UDT: route on SSN, called SSN 8, calling PC 1 SSN 8") {
  auto v = jss7("sccp_udt_fsm_dialogic");
  if (!shared_dir()) return;
  REQUIRE(v);
  auto m = decode(*v);
  REQUIRE_MESSAGE(m.ok(), m.error().what);
  CHECK(m->type == MessageType::Udt);
  CHECK(message_type_name(m->type) == "udt");
  CHECK(m->protocol_class.cls() == 1);
  CHECK_FALSE(m->protocol_class.return_on_error());  // "No special options"

  CHECK(m->called.ri == RoutingIndicator::OnSsn);
  CHECK(m->called.gti == 0);
  CHECK_FALSE(m->called.pc);
  REQUIRE(m->called.ssn);
  CHECK(m->called.ssn->value == 8);
  CHECK(m->called_raw.size() == 2);  // "Called Party address (2 bytes)"

  CHECK(m->calling.ri == RoutingIndicator::OnSsn);
  REQUIRE(m->calling.pc);
  CHECK(m->calling.pc->value == 1);
  REQUIRE(m->calling.ssn);
  CHECK(m->calling.ssn->value == 8);
  CHECK(m->calling_raw.size() == 4);  // "Calling Party address (4 bytes)"

  // TCAP begin with otid 00020030 follows.
  REQUIRE(m->data.size() > 6);
  CHECK(m->data[0] == 0x62);
  CHECK(to_hex(m->data.subspan(2, 6)) == "480400020030");
  CHECK(m->data.data() >= v->data());  // a span into the input, not a copy
  CHECK(m->data.data() + m->data.size() == v->data() + v->size());
  check_round_trip(*v);
}

TEST_CASE("S13 jss7 XUDT: class 1 + return, hop counter 15, GTI 4 addresses, called after data") {
  auto v = jss7("sccp_xudt_end_mtfsm");
  if (!shared_dir()) return;
  REQUIRE(v);
  auto m = decode(*v);
  REQUIRE_MESSAGE(m.ok(), m.error().what);
  CHECK(m->type == MessageType::Xudt);
  CHECK(message_type_name(m->type) == "xudt");
  CHECK(m->protocol_class.cls() == 1);
  CHECK(m->protocol_class.return_on_error());
  CHECK(m->hop_counter.value == 15);
  CHECK_FALSE(m->segmentation);  // "Pointer to Optional parameter: 0"
  CHECK_FALSE(m->importance);

  for (const Address* a : {&m->called, &m->calling}) {
    CHECK(a->ri == RoutingIndicator::OnGlobalTitle);
    CHECK(a->gti == 4);
    REQUIRE(a->ssn);
    CHECK(a->ssn->value == 8);
    CHECK(a->gt.tt == 0);
    CHECK(a->gt.np == 1);
    CHECK(a->gt.nai == 4);
  }
  CHECK(m->called.gt.digits == "2348030000480");
  CHECK(m->calling.gt.digits == "2348030008180");
  CHECK(m->called_raw.size() == 12);
  // Pointers 43 / 3 / 15: the calling address comes first on the wire.
  CHECK(m->order == WireOrder{Field::Calling, Field::Data, Field::Called});
  // TCAP End, dtid of 3 octets 03b5d7.
  REQUIRE(m->data.size() > 5);
  CHECK(m->data[0] == 0x64);
  CHECK(to_hex(m->data.subspan(2, 5)) == "490303b5d7");
  check_round_trip(*v);
}

TEST_CASE("S14 mobi: AI 0x52 route on SSN with GT; SSN 238 in M3UA raw1") {
  if (!shared_dir()) return;
  auto v = mobi("sccp_raw1_stripped");
  REQUIRE(v);
  auto m = decode(*v);
  REQUIRE_MESSAGE(m.ok(), m.error().what);
  CHECK(m->type == MessageType::Udt);
  CHECK(m->called_raw[0] == 0x52);
  CHECK(m->called.ri == RoutingIndicator::OnSsn);
  CHECK(m->called.gti == 4);
  CHECK(m->called.ssn->value == 6);
  CHECK(m->called.gt.digits == "79028767386");
  CHECK(m->calling.ri == RoutingIndicator::OnGlobalTitle);
  CHECK(m->calling.ssn->value == 8);
  CHECK(m->calling.gt.digits == "79023700508");
  check_round_trip(*v);

  auto raw1 = mobi("m3ua_raw1");
  REQUIRE(raw1);
  auto sccp = sccp_from_m3ua(raw1->data(), raw1->size());
  REQUIRE(sccp);
  auto u = decode(*sccp);
  REQUIRE_MESSAGE(u.ok(), u.error().what);
  CHECK(u->protocol_class.cls() == 1);
  CHECK_FALSE(u->protocol_class.return_on_error());
  CHECK(u->called.ssn->value == 6);
  CHECK(u->called.gt.digits == "99363986116");
  CHECK(u->calling.ssn->value == 238);
  CHECK(u->calling.gt.digits == "99365999991");
  CHECK(u->data[0] == 0x62);
  check_round_trip(*sccp);

  // raw2..raw4 lack the message type octet in the source (see the file's notes).
  for (const char* name : {"sccp_raw2", "sccp_raw3", "sccp_raw4"}) {
    auto r = mobi(name);
    REQUIRE(r);
    Buf with_type = Buf{0x09} + *r;
    auto d = decode(with_type);
    CHECK_MESSAGE(d.ok(), name);
    if (d.ok()) check_round_trip(with_type);
  }
}

namespace {

struct S16 {
  std::vector<EkFrame> frames;
  const EkFrame* at(std::string_view ts) const {
    for (const auto& f : frames)
      if (f.timestamp == ts) return &f;
    return nullptr;
  }
};

std::optional<S16> load_s16() {
  auto dir = shared_dir();
  if (!dir) return std::nullopt;
  return S16{ek_frames(*dir / "vectors" / "hex" / "pycrate_tcapmap_pcapr.json")};
}

Buf sccp_of(const EkFrame* f) {
  REQUIRE(f != nullptr);
  auto s = sccp_from_frame(f->frame);
  REQUIRE(s);
  return *s;
}

}  // namespace

TEST_CASE("S16 pcapr: every SCCP message in the raw frames decodes and re-encodes") {
  auto s16 = load_s16();
  if (!s16) return;
  REQUIRE(s16->frames.size() == 367);  // README: 367 frames
  std::map<std::string, int> by_type;
  int sccp_frames = 0;
  for (const auto& f : s16->frames) {
    auto s = sccp_from_frame(f.frame);
    if (!s) continue;
    ++sccp_frames;
    // Our frame walk agrees with tshark's cut of the SCCP layer. Eight M3UA
    // frames of the 2011 group were exported by tshark only up to SCTP; they
    // are decoded, but not counted below.
    const bool tshark_cut = !f.sccp_ek.empty();
    if (tshark_cut) CHECK(to_hex(*s) == to_hex(f.sccp_ek));
    auto m = decode(*s);
    CHECK_MESSAGE(m.ok(), f.timestamp, " ", (m.ok() ? "" : m.error().what));
    if (!m.ok()) continue;
    if (tshark_cut) ++by_type[std::string(message_type_name(m->type))];
    check_round_trip(*s);
  }
  // tshark's sccp layer in the export: 48 UDT, 1 UDTS, 20 XUDT, 9 XUDTS.
  CHECK(sccp_frames == 86);
  CHECK(by_type["udt"] == 48);
  CHECK(by_type["udts"] == 1);
  CHECK(by_type["xudt"] == 20);
  CHECK(by_type["xudts"] == 9);
}

TEST_CASE("S16 group 2: 2-segment XUDT (frames 14+15) reassembles to the 239-octet TCAP Begin") {
  auto s16 = load_s16();
  if (!s16) return;
  Buf seg1 = sccp_of(s16->at("1200049742044"));
  Buf seg2 = sccp_of(s16->at("1200049742045"));
  auto a = decode(seg1);
  auto b = decode(seg2);
  REQUIRE(a.ok());
  REQUIRE(b.ok());

  CHECK(a->type == MessageType::Xudt);
  CHECK(a->protocol_class.cls() == 1);
  CHECK(a->protocol_class.return_on_error());
  CHECK(a->hop_counter.value == 15);
  CHECK(a->called.gt.digits == "41794947000");
  CHECK(a->calling.gt.digits == "41799797800");
  CHECK(a->called.ssn->value == 8);
  REQUIRE(a->segmentation);
  CHECK(a->segmentation->first);
  CHECK(a->segmentation->class1_selected);
  CHECK(a->segmentation->remaining == 1);
  CHECK(a->segmentation->ref.value == 0x020000);
  REQUIRE(b->segmentation);
  CHECK_FALSE(b->segmentation->first);
  CHECK(b->segmentation->class1_selected);
  CHECK(b->segmentation->remaining == 0);
  CHECK(b->segmentation->ref.value == 0x020000);
  // "[2 Message fragments (239 bytes): #14(208), #15(31)]"
  CHECK(a->data.size() == 208);
  CHECK(b->data.size() == 31);

  Reassembler r;
  const auto t0 = Reassembler::Clock::time_point{} + std::chrono::hours(1);
  auto r1 = r.feed(*a, t0);
  REQUIRE(r1.ok());
  CHECK_FALSE(r1->has_value());
  CHECK(r.pending() == 1);
  auto r2 = r.feed(*b, t0 + std::chrono::milliseconds(1));
  REQUIRE_MESSAGE(r2.ok(), r2.error().what);
  REQUIRE(r2->has_value());
  const auto& whole = **r2;
  CHECK(whole.size() == 239);
  CHECK(whole[0] == 0x62);  // TCAP Begin otid 00000001 ...
  // S16 decode of frame 15: otid 00000002, after the 62 81 ec header.
  CHECK(to_hex(Bytes(whole).subspan(3, 6)) == "480400000002");
  CHECK(r.pending() == 0);
}

TEST_CASE("S16 group 2: XUDTS 'error in message transport', hop counter 13, second segment first") {
  auto s16 = load_s16();
  if (!s16) return;
  Buf last = sccp_of(s16->at("1200049742205"));   // frame 18
  Buf first = sccp_of(s16->at("1200049757850"));  // frame 21
  auto l = decode(last);
  auto f = decode(first);
  REQUIRE(l.ok());
  REQUIRE(f.ok());
  for (const Message* m : {&*l, &*f}) {
    CHECK(m->type == MessageType::Xudts);
    CHECK(message_type_name(m->type) == "xudts");
    CHECK(m->return_cause == ReturnCause::ErrorInMessageTransport);
    CHECK(return_cause_name(m->return_cause) == "error in message transport");
    CHECK(m->hop_counter.value == 13);
    REQUIRE(m->segmentation);
    CHECK(m->segmentation->ref.value == 0x020000);
  }
  CHECK_FALSE(l->segmentation->first);
  CHECK(l->segmentation->remaining == 0);
  CHECK(f->segmentation->first);
  CHECK(f->segmentation->remaining == 1);

  // The returned segments came back in the wrong order: the reassembler
  // must refuse the orphan, then time the lone first segment out.
  Reassembler r;
  const auto t0 = Reassembler::Clock::time_point{} + std::chrono::hours(1);
  auto o = r.feed(*l, t0);
  REQUIRE_FALSE(o.ok());
  CHECK(std::string_view(o.error().what) == "SCCP: segment without a first segment");
  CHECK(o.error().offset_in(last) < last.size());
  auto s = r.feed(*f, t0 + std::chrono::seconds(15));
  REQUIRE(s.ok());
  CHECK_FALSE(s->has_value());
  CHECK(r.pending() == 1);
  CHECK(r.sweep(t0 + std::chrono::seconds(20)) == 0);
  CHECK(r.sweep(t0 + std::chrono::seconds(26)) == 1);
  CHECK(r.pending() == 0);
}

TEST_CASE("S16 group 1: 3-segment XUDT reassembles to a complete TCAP Begin") {
  auto s16 = load_s16();
  if (!s16) return;
  // The first XUDT trio of the 2007 capture (pcapr group 1).
  std::vector<Buf> segs;
  for (const auto& fr : s16->frames) {
    auto s = sccp_from_frame(fr.frame);
    if (s && !s->empty() && (*s)[0] == 0x11) segs.push_back(*s);
    if (segs.size() == 3) break;
  }
  REQUIRE(segs.size() == 3);
  Reassembler r;
  const auto t0 = Reassembler::Clock::time_point{} + std::chrono::hours(1);
  std::optional<std::vector<std::uint8_t>> whole;
  std::uint8_t expect_remaining = 2;
  for (const auto& s : segs) {
    auto m = decode(s);
    REQUIRE(m.ok());
    REQUIRE(m->segmentation);
    CHECK(m->segmentation->remaining == expect_remaining);
    CHECK(m->segmentation->first == (expect_remaining == 2));
    --expect_remaining;
    auto res = r.feed(*m, t0);
    REQUIRE_MESSAGE(res.ok(), res.error().what);
    if (res->has_value()) whole = std::move(**res);
  }
  REQUIRE(whole);
  // The whole user data is one BER element: 62 82 hi lo, content length hi lo.
  REQUIRE(whole->size() > 4);
  CHECK((*whole)[0] == 0x62);
  CHECK((*whole)[1] == 0x82);
  CHECK(whole->size() == 4u + (((*whole)[2] << 8) | (*whole)[3]));
}
