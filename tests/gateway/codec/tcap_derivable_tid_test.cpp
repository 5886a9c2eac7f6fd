// Issue 7 #1: the transaction ids the decoder still derives from a message
// whose transaction portion is broken, so that the dialogue layer can answer
// with a P-Abort (Q.774 §3.2.1.2: "if the originating transaction ID is
// derivable, a TC-P-ABORT is sent"; only a message without one is discarded).
#include <doctest/doctest.h>

#include "gateway/codec/tcap.h"
#include "vectors.h"

using namespace ussdgw;
using namespace tcap_test;

namespace {

tcap::MessageError decode_error(const Octets& in) {
  tcap::MessageError why;
  auto m = tcap::decode_message(span(in), &why);
  REQUIRE(!m.ok());
  return why;
}

// A well-formed BEGIN (otid 0a0b0c0d, AARQ for networkUnstructuredSsContext-v2,
// one invoke of op 59), used to cut at chosen places.
const Octets kBegin = hex(
    "623548040a0b0c0d"
    "6b1e281c060700118605010101a011600f80020780a109060704000001001302"
    "6c0da10b02010102013b300304010f");

}  // namespace

TEST_CASE("the sample BEGIN is well formed") {
  tcap::MessageError why;
  auto m = tcap::decode_message(span(kBegin), &why);
  REQUIRE(m.ok());
  CHECK(m->otid->value() == 0x0a0b0c0d);
}

TEST_CASE("BEGIN truncated inside its dialogue portion: badly formatted, otid derived") {
  // The outer length still claims the whole message (what a truncating
  // transport produces; the gateway logged "length exceeds enclosing data").
  auto e = decode_error(kBegin.substr(0, 20));
  CHECK(e.where == tcap::MessageError::Where::TransactionPortion);
  CHECK(e.cause == tcap::PAbortCause::BadlyFormattedTransactionPortion);
  CHECK(e.type == tcap::MessageType::Begin);
  REQUIRE(e.otid);
  CHECK(e.otid->value() == 0x0a0b0c0d);
  CHECK_FALSE(e.dtid);
}

TEST_CASE("BEGIN truncated inside its component portion: badly formatted, otid derived") {
  auto e = decode_error(kBegin.substr(0, kBegin.size() - 5));
  CHECK(e.cause == tcap::PAbortCause::BadlyFormattedTransactionPortion);
  REQUIRE(e.otid);
  CHECK(e.otid->value() == 0x0a0b0c0d);
}

TEST_CASE("CONTINUE truncated after its tids: both derived") {
  auto e = decode_error(hex("6520480411223344490455667788 6c10a1"));
  CHECK(e.cause == tcap::PAbortCause::BadlyFormattedTransactionPortion);
  CHECK(e.type == tcap::MessageType::Continue);
  REQUIRE(e.otid);
  CHECK(e.otid->value() == 0x11223344);
  REQUIRE(e.dtid);
  CHECK(e.dtid->value() == 0x55667788);
}

TEST_CASE("END truncated: its dtid is derived, it has no otid") {
  auto e = decode_error(hex("64204904556677886c10"));
  REQUIRE(e.dtid);
  CHECK(e.dtid->value() == 0x55667788);
  CHECK_FALSE(e.otid);
}

TEST_CASE("unknown message type with a readable otid: unrecognizedMessageType and the otid") {
  auto e = decode_error(hex("6a06480401020304"));
  CHECK(e.cause == tcap::PAbortCause::UnrecognizedMessageType);
  CHECK_FALSE(e.type);
  REQUIRE(e.otid);
  CHECK(e.otid->value() == 0x01020304);
  CHECK_FALSE(e.dtid);  // the message's meaning is unknown: no dialogue is touched
  // Also when the rest of the message is broken or cut.
  e = decode_error(hex("6a40480401020304 6b"));
  CHECK(e.cause == tcap::PAbortCause::UnrecognizedMessageType);
  REQUIRE(e.otid);
  CHECK(e.otid->value() == 0x01020304);
}

TEST_CASE("no otid derivable: nothing reported") {
  // Cut inside the otid itself.
  CHECK_FALSE(decode_error(kBegin.substr(0, 6)).otid);
  // Only the tag and a length.
  CHECK_FALSE(decode_error(hex("6236")).otid);
  // A length header that is itself cut (long form announcing 2 octets).
  CHECK_FALSE(decode_error(hex("6282")).otid);
  // Unknown type whose first element is not an otid.
  CHECK_FALSE(decode_error(hex("6a06490401020304")).otid);
  // An otid of 5 octets is not an otid (Q.773: SIZE (1..4)).
  CHECK_FALSE(decode_error(hex("6a0748050102030405")).otid);
  // Zero-length otid.
  CHECK_FALSE(decode_error(hex("62204800")).otid);
}
