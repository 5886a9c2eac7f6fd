// Reassembly of segmented XUDT (Q.714 §4.1.1.3) on a ManualClock: segments
// are built with the codec's own segmentation (Q.714 §4.1.1.2), fed as raw
// octets, and what comes out (the whole message, or the XUDTS with its
// return cause) is checked by decoding it again.
#include <doctest/doctest.h>

#include <array>
#include <vector>

#include "gateway/ss7/reassembly.h"
#include "ussdgw/manual_clock.h"

using namespace ussdgw;
using namespace ussdgw::ss7;
using namespace std::chrono_literals;

namespace {

constexpr std::uint32_t kOpc = 1;

struct Recorder : ReassemblyHandler {
  struct Whole {
    std::vector<std::uint8_t> data;
    std::optional<sccp::Ssn> called_ssn;
    std::uint32_t opc;
  };
  struct Failed {
    ReassemblyFailure why;
    std::optional<std::vector<std::uint8_t>> xudts;
  };
  std::vector<Whole> wholes;
  std::vector<Failed> failures;
  void on_reassembled(const sccp::Message& first, std::vector<std::uint8_t> data, std::uint32_t opc) override {
    wholes.push_back({std::move(data), first.called.ssn, opc});
  }
  void on_failed(ReassemblyFailure why, std::optional<std::vector<std::uint8_t>> xudts, std::uint32_t) override {
    failures.push_back({why, std::move(xudts)});
  }
};

std::vector<std::uint8_t> payload(std::size_t n) {
  std::vector<std::uint8_t> p(n);
  for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<std::uint8_t>(i * 7 + 1);
  return p;
}

// `count` encoded XUDT segments of `data`, from GT 49172000001/SSN 8 to GT
// 447700900123/SSN 147, return on error as asked, local reference `ref`.
std::vector<std::vector<std::uint8_t>> segments(const std::vector<std::uint8_t>& data, std::size_t count,
                                                bool return_on_error = true, std::uint32_t ref = 0x020000) {
  auto called = sccp::Address::global_title("447700900123", sccp::Ssn{147});
  auto calling = sccp::Address::global_title("49172000001", sccp::Ssn{8});
  auto tmpl = sccp::make_xudt(called, calling, {}, sccp::ProtocolClass::make(0, return_on_error), sccp::HopCounter{15});
  std::array<sccp::Message, sccp::kMaxSegments> msgs;
  std::size_t per = (data.size() + count - 1) / count;
  auto n = sccp::segment(tmpl, data, sccp::LocalReference{ref}, per, msgs);
  REQUIRE(n.ok());
  REQUIRE(*n == count);
  std::vector<std::vector<std::uint8_t>> out;
  for (std::size_t i = 0; i < *n; ++i) {
    std::vector<std::uint8_t> buf(512);
    auto len = sccp::encode(msgs[i], buf);
    REQUIRE(len.ok());
    buf.resize(*len);
    out.push_back(std::move(buf));
  }
  return out;
}

struct Fixture {
  ManualClock clock;
  Recorder rec;
  ReassemblyConfig cfg;
  std::unique_ptr<Reassembler> r;
  explicit Fixture(ReassemblyConfig c = {}) : cfg(c) { r = std::make_unique<Reassembler>(clock, cfg, rec); }
  void feed(const std::vector<std::uint8_t>& raw) {
    auto m = sccp::decode(raw);
    REQUIRE(m.ok());
    REQUIRE(m->segmentation.has_value());
    r->feed(raw, *m, kOpc);
  }
};

// The return cause of an encoded XUDTS, after checking it is one.
sccp::ReturnCause cause_of(const std::vector<std::uint8_t>& xudts) {
  auto m = sccp::decode(xudts);
  REQUIRE(m.ok());
  REQUIRE(m->type == sccp::MessageType::Xudts);
  return m->return_cause;
}

}  // namespace

TEST_CASE("when two segments arrive in order then the whole message is delivered once") {
  Fixture f;
  auto data = payload(300);
  auto segs = segments(data, 2);
  f.feed(segs[0]);
  CHECK(f.rec.wholes.empty());
  CHECK(f.r->partials() == 1);
  f.feed(segs[1]);
  REQUIRE(f.rec.wholes.size() == 1);
  CHECK(f.rec.wholes[0].data == data);
  CHECK(f.rec.wholes[0].called_ssn == sccp::Ssn{147});
  CHECK(f.rec.wholes[0].opc == kOpc);
  CHECK(f.rec.failures.empty());
  CHECK(f.r->partials() == 0);
  CHECK(f.r->held_bytes() == 0);
  CHECK(f.clock.armed_timers() == 0);
}

TEST_CASE("when a single segment (first, none remaining) arrives then it is whole at once") {
  Fixture f;
  auto data = payload(40);
  auto segs = segments(data, 1);
  // segment() leaves a one-segment payload without the parameter; add it.
  auto m = sccp::decode(segs[0]);
  REQUIRE(m.ok());
  auto one = *m;
  one.segmentation = sccp::Segmentation{true, false, 0, sccp::LocalReference{5}};
  std::vector<std::uint8_t> buf(512);
  auto n = sccp::encode(one, buf);
  REQUIRE(n.ok());
  buf.resize(*n);
  f.feed(buf);
  REQUIRE(f.rec.wholes.size() == 1);
  CHECK(f.rec.wholes[0].data == data);
}

TEST_CASE("when messages from two callers interleave then each is reassembled on its own key") {
  Fixture f;
  auto a = payload(200);
  auto b = std::vector<std::uint8_t>(200, 0xab);
  auto sa = segments(a, 2, true, 1);
  auto sb = segments(b, 2, true, 2);
  f.feed(sa[0]);
  f.feed(sb[0]);
  f.feed(sb[1]);
  f.feed(sa[1]);
  REQUIRE(f.rec.wholes.size() == 2);
  CHECK(f.rec.wholes[0].data == b);
  CHECK(f.rec.wholes[1].data == a);
}

TEST_CASE("when segments arrive out of order then nothing is delivered and segmentation failure is returned") {
  Fixture f;
  auto segs = segments(payload(300), 3);
  f.feed(segs[0]);
  f.feed(segs[2]);  // remaining 0 where 1 was expected
  CHECK(f.rec.wholes.empty());
  REQUIRE(f.rec.failures.size() == 1);
  CHECK(f.rec.failures[0].why == ReassemblyFailure::kOutOfSequence);
  REQUIRE(f.rec.failures[0].xudts.has_value());
  CHECK(cause_of(*f.rec.failures[0].xudts) == sccp::ReturnCause::SegmentationFailure);
  CHECK(f.r->partials() == 0);
  // The late middle segment now has no reassembly to join.
  f.feed(segs[1]);
  REQUIRE(f.rec.failures.size() == 2);
  CHECK(f.rec.failures[1].why == ReassemblyFailure::kNoFirstSegment);
  CHECK(f.rec.wholes.empty());
}

TEST_CASE("when a later segment comes first then it is refused and the message is not delivered") {
  Fixture f;
  auto segs = segments(payload(300), 2);
  f.feed(segs[1]);
  f.feed(segs[0]);
  REQUIRE(f.rec.failures.size() == 1);
  CHECK(f.rec.failures[0].why == ReassemblyFailure::kNoFirstSegment);
  CHECK(f.rec.wholes.empty());
  CHECK(f.r->partials() == 1);  // the first segment now waits for a second that already went
  f.clock.tick(10s);
  REQUIRE(f.rec.failures.size() == 2);
  CHECK(f.rec.failures[1].why == ReassemblyFailure::kTimeout);
}

TEST_CASE("when the last segment is duplicated then the message is delivered once and the copy refused") {
  Fixture f;
  auto data = payload(300);
  auto segs = segments(data, 2);
  f.feed(segs[0]);
  f.feed(segs[1]);
  f.feed(segs[1]);
  CHECK(f.rec.wholes.size() == 1);
  REQUIRE(f.rec.failures.size() == 1);
  CHECK(f.rec.failures[0].why == ReassemblyFailure::kNoFirstSegment);
}

TEST_CASE("when the first segment is duplicated then the reassembly is given up") {
  Fixture f;
  auto segs = segments(payload(300), 2);
  f.feed(segs[0]);
  f.feed(segs[0]);
  CHECK(f.r->partials() == 0);
  REQUIRE(f.rec.failures.size() == 2);  // the partial message and the repeated segment
  CHECK(f.rec.failures[0].why == ReassemblyFailure::kOutOfSequence);
  f.feed(segs[1]);
  CHECK(f.rec.wholes.empty());
}

TEST_CASE("when the last segment never comes then T(reassembly) returns the first segment with error in message transport") {
  ReassemblyConfig c;
  c.timeout = 10s;
  Fixture f(c);
  auto segs = segments(payload(300), 2);
  f.feed(segs[0]);
  CHECK(f.clock.armed_timers() == 1);
  f.clock.tick(9s);
  CHECK(f.rec.failures.empty());
  f.clock.tick(1s);
  REQUIRE(f.rec.failures.size() == 1);
  CHECK(f.rec.failures[0].why == ReassemblyFailure::kTimeout);
  REQUIRE(f.rec.failures[0].xudts.has_value());
  CHECK(cause_of(*f.rec.failures[0].xudts) == sccp::ReturnCause::ErrorInMessageTransport);
  CHECK(f.r->partials() == 0);
  CHECK(f.r->held_bytes() == 0);
  // Q.714 §4.2: the first segment goes back to its sender, addresses swapped.
  auto ret = sccp::decode(*f.rec.failures[0].xudts);
  auto orig = sccp::decode(segs[0]);
  REQUIRE(ret.ok());
  REQUIRE(orig.ok());
  CHECK(ret->called.ssn == orig->calling.ssn);
  CHECK(ret->calling.ssn == orig->called.ssn);
  CHECK(std::equal(ret->data.begin(), ret->data.end(), orig->data.begin(), orig->data.end()));
  CHECK(ret->segmentation == orig->segmentation);
  // Too late: the second segment finds nothing.
  f.feed(segs[1]);
  CHECK(f.rec.wholes.empty());
}

TEST_CASE("when the messages held would exceed the byte bound then the reassembly is refused") {
  ReassemblyConfig c;
  c.max_held_bytes = 500;  // the first segment (octets + data) fits, the second does not
  Fixture f(c);
  auto segs = segments(payload(600), 3);
  f.feed(segs[0]);
  CHECK(f.r->partials() == 1);
  CHECK(f.r->held_bytes() <= c.max_held_bytes);
  f.feed(segs[1]);
  CHECK(f.r->partials() == 0);
  REQUIRE(f.rec.failures.size() == 1);
  CHECK(f.rec.failures[0].why == ReassemblyFailure::kTooLong);
  REQUIRE(f.rec.failures[0].xudts.has_value());
  CHECK(cause_of(*f.rec.failures[0].xudts) == sccp::ReturnCause::ErrorInLocalProcessing);
  CHECK(f.r->held_bytes() == 0);
}

TEST_CASE("when too many messages are in reassembly then a new one is refused") {
  ReassemblyConfig c;
  c.max_partials = 2;
  Fixture f(c);
  for (std::uint32_t ref = 1; ref <= 3; ++ref) f.feed(segments(payload(300), 2, true, ref)[0]);
  CHECK(f.r->partials() == 2);
  REQUIRE(f.rec.failures.size() == 1);
  CHECK(f.rec.failures[0].why == ReassemblyFailure::kTooMany);
}

TEST_CASE("when the sender did not ask for return on error then a failure sends nothing back") {
  Fixture f;
  auto segs = segments(payload(300), 2, /*return_on_error=*/false);
  f.feed(segs[0]);
  f.clock.tick(f.cfg.timeout);
  REQUIRE(f.rec.failures.size() == 1);
  CHECK_FALSE(f.rec.failures[0].xudts.has_value());
}

TEST_CASE("return causes follow Q.713 Table 18") {
  CHECK(static_cast<int>(return_cause(ReassemblyFailure::kTimeout)) == 0x08);
  CHECK(static_cast<int>(return_cause(ReassemblyFailure::kOutOfSequence)) == 0x0E);
  CHECK(static_cast<int>(return_cause(ReassemblyFailure::kNoFirstSegment)) == 0x0E);
  CHECK(static_cast<int>(return_cause(ReassemblyFailure::kTooLong)) == 0x09);
}
