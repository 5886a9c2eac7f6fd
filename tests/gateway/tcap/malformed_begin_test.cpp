// Issue 7 #1: a malformed message whose originating transaction id can be
// derived is answered with a P-Abort to it (Q.774 §3.2.1.2 and the TSL's
// handling of a badly formatted transaction portion); only a message with
// no derivable otid is discarded.
#include "fixture.h"

using namespace dlg_test;

namespace {

// A BEGIN as the network sends it, cut after `keep` octets; the outer length
// still claims the whole message.
Octets truncated_begin(std::uint32_t otid, std::size_t cut_from_end) {
  Octets b = begin_msg(otid);
  b.resize(b.size() - cut_from_end);
  return b;
}

// Offset of the first octet of the component portion (`6c`) in a BEGIN from begin_msg().
std::size_t component_portion_at(const Octets& b) {
  auto m = tcap::decode_message(Bytes(b));
  REQUIRE(m.ok());
  REQUIRE(m->component_portion);
  return static_cast<std::size_t>(m->component_portion->data() - b.data()) - 2;
}

void check_p_abort(Fixture& f, std::uint32_t dtid, tcap::PAbortCause cause) {
  REQUIRE(f.sent.size() == 1);
  auto m = f.last();
  CHECK(m.type == tcap::MessageType::Abort);
  REQUIRE(m.dtid);
  CHECK(m.dtid->value() == dtid);
  REQUIRE(m.p_abort_cause);
  CHECK(*m.p_abort_cause == cause);
  CHECK(f.user.begins.empty());
  CHECK(f.layer->stats().open == 0);
  CHECK(f.layer->stats().p_aborts_sent == 1);
}

}  // namespace

TEST_CASE("BEGIN truncated inside its dialogue portion: P-Abort badlyFormattedTransactionPortion to its otid") {
  Fixture f;
  Octets full = begin_msg(0x0a0b0c0d);
  // otid at 2..7, dialogue portion from 8: keep 12 octets of it.
  f.receive(Octets(full.begin(), full.begin() + 20));
  check_p_abort(f, 0x0a0b0c0d, tcap::PAbortCause::BadlyFormattedTransactionPortion);
}

TEST_CASE("BEGIN truncated inside its component portion: P-Abort badlyFormattedTransactionPortion to its otid") {
  Fixture f;
  Octets full = begin_msg(0x01020304);
  std::size_t at = component_portion_at(full);
  REQUIRE(at + 6 < full.size());
  f.receive(truncated_begin(0x01020304, full.size() - (at + 6)));
  check_p_abort(f, 0x01020304, tcap::PAbortCause::BadlyFormattedTransactionPortion);
}

TEST_CASE("unknown message type with a readable otid: P-Abort unrecognizedMessageType") {
  Fixture f;
  Octets m = begin_msg(0x0badf00d);
  m[0] = 0x6a;  // [APPLICATION 10]: no TCAP message type (Q.773 §4.2.1)
  f.receive(m);
  check_p_abort(f, 0x0badf00d, tcap::PAbortCause::UnrecognizedMessageType);
}

TEST_CASE("no derivable otid: discarded, nothing sent") {
  Fixture f;
  SUBCASE("cut inside the otid") { f.receive(truncated_begin(0x01020304, begin_msg(1).size() - 5)); }
  SUBCASE("unknown message type whose first element is not an otid") { f.receive(hex("6a06490401020304")); }
  SUBCASE("only a tag") { f.receive(hex("62")); }
  CHECK(f.sent.empty());
  CHECK(f.user.begins.empty());
  CHECK(f.layer->stats().p_aborts_sent == 0);
}
