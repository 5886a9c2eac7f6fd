// TCAP dialogue layer, responder side: Q.771/Q.774 behaviour and the MAP
// rules of TS 29.002 §12.1, driven through the fake Sender and TC user.
#include <set>

#include "fixture.h"

using namespace dlg_test;
using ussdgw::dialogue::AbortReason;
using ussdgw::dialogue::Config;
using ussdgw::dialogue::DialogueLayer;

namespace {

std::uint32_t our_tid(const tcap::Message& m) { return m.otid->value(); }

void check_aare_accepted(const tcap::Message& m) {
  REQUIRE(m.dialogue);
  CHECK(m.dialogue->type == tcap::DialoguePduType::Aare);
  CHECK(m.dialogue->result == tcap::AssociateResult::Accepted);
  CHECK(std::string(m.dialogue->ac_dotted().view()) == "0.4.0.0.1.0.19.2");
}

// An END whose only component is ReturnResultLast(invokeId, op 59) carrying
// `param`, with the dialogue accepted (AARE).
void check_end_with_ussd_result(Fixture& f, const tcap::Message& m, std::uint32_t dtid, int invoke_id,
                                const Octets& param) {
  CHECK(m.type == tcap::MessageType::End);
  CHECK(m.dtid->value() == dtid);
  check_aare_accepted(m);
  auto comps = f.components_of(m);
  REQUIRE(comps.size() == 1);
  auto* rr = comps[0].return_result();
  REQUIRE(rr);
  CHECK(rr->last);
  CHECK(rr->invoke_id.value == invoke_id);
  REQUIRE(rr->op);
  CHECK(rr->op->is_local(59));
  REQUIRE(rr->parameter);
  CHECK(Octets(rr->parameter->begin(), rr->parameter->end()) == param);
}

}  // namespace

TEST_CASE("one-step pull: BEGIN then end_result gives END with AARE accepted and the result") {
  Fixture f;
  f.receive(begin_msg(0x0a0b0c01));
  REQUIRE(f.user.begins.size() == 1);
  const auto& b = f.user.begins[0];
  CHECK(b.op == 59);
  CHECK(b.invoke_id == 1);
  CHECK(b.parameter == kUssdArg);
  CHECK(b.info.remote_tid == tcap::TransactionId::from_u32(0x0a0b0c01));
  CHECK(std::string(b.info.ac.view()) == "0.4.0.0.1.0.19.2");
  CHECK(b.info.ac_version == 2);
  CHECK(b.info.destination_reference == std::string_view("26200000000001"));
  CHECK(b.info.origination_reference == std::string_view("27761485722"));
  CHECK(b.info.remote == net_address());
  CHECK(b.info.local == gw_address());
  CHECK(f.sent.empty());
  CHECK(f.layer->stats().open == 1);

  REQUIRE(f.layer->end_result(b.info.id, tcap::InvokeId{1}, tcap::OpCode::make_local(59), kUssdRes));
  REQUIRE(f.sent.size() == 1);
  check_end_with_ussd_result(f, f.last(), 0x0a0b0c01, 1, kUssdRes);
  CHECK(f.layer->stats().open == 0);
  // The dialogue is gone: further requests fail.
  CHECK_FALSE(f.layer->end_result(b.info.id, tcap::InvokeId{1}, tcap::OpCode::make_local(59), kUssdRes));
}

TEST_CASE("prompt: CONTINUE with AARE and op 60, the answer reaches the user, END has no dialogue portion") {
  Fixture f;
  auto id = f.open(0x11223344);
  REQUIRE(f.layer->continue_invoke(id, tcap::OpCode::make_local(60), kUssdArg));
  auto c = f.last();
  CHECK(c.type == tcap::MessageType::Continue);
  CHECK(c.dtid->value() == 0x11223344);
  CHECK(our_tid(c) == id.value);
  check_aare_accepted(c);
  auto comps = f.components_of(c);
  REQUIRE(comps.size() == 1);
  REQUIRE(comps[0].invoke());
  CHECK(comps[0].invoke()->op.is_local(60));
  std::int8_t ours = comps[0].invoke()->invoke_id.value;
  CHECK(ours != 1);  // distinct from the network's BEGIN invoke id

  f.receive(continue_msg(0x11223344, id.value, {rrl(ours, 60, Bytes(kUssdRes))}));
  REQUIRE(f.user.components.size() == 1);
  CHECK(f.user.components[0].type == tcap::ComponentType::ReturnResultLast);
  CHECK(f.user.components[0].invoke_id == ours);
  CHECK_FALSE(f.user.components[0].end);
  CHECK(f.sent.size() == 1);  // nothing sent back for a good answer

  REQUIRE(f.layer->end_result(id, tcap::InvokeId{1}, tcap::OpCode::make_local(59), kUssdRes));
  auto e = f.last();
  CHECK(e.type == tcap::MessageType::End);
  CHECK_FALSE(e.dialogue);
  CHECK(f.layer->stats().open == 0);
}

TEST_CASE("AC v3 offered: ABORT with AARE reject-permanent naming v2 (S10 #4 structure)") {
  Fixture f;
  f.receive(begin_msg(0x02b0d1c4, 3));
  CHECK(f.user.begins.empty());
  REQUIRE(f.sent.size() == 1);
  // go-tcap 4_abort_dtid_version_mismatch with AC 19.2 in place of 20.2.
  CHECK(f.last_hex() ==
        "6732490402b0d1c46b2a2828060700118605010101a01d611b80020780a109060704000001001302a203020101a305a103020102");
  CHECK(f.layer->stats().ac_refused == 1);
  CHECK(f.layer->stats().open == 0);
}

TEST_CASE("unknown AC: ABORT with AARE reject naming the AC received") {
  Fixture f;
  f.receive(begin_msg(0x01020304, 3, 1, map::ac::kShortMsgGateway));
  auto m = f.last();
  CHECK(m.type == tcap::MessageType::Abort);
  REQUIRE(m.dialogue);
  CHECK(m.dialogue->type == tcap::DialoguePduType::Aare);
  CHECK(m.dialogue->result == tcap::AssociateResult::RejectPermanent);
  CHECK(m.dialogue->diagnostic == static_cast<std::uint8_t>(tcap::UserDiagnostic::AcNotSupported));
  CHECK(std::string(m.dialogue->ac_dotted().view()) == "0.4.0.0.1.0.20.3");
  CHECK(f.user.begins.empty());
}

TEST_CASE("BEGIN without dialogue portion (MAP v1): U-ABORT without dialogue portion") {
  Fixture f;
  f.receive(encode(tcap::make_begin(tcap::TransactionId::from_u32(0x2b00da99)), {invoke(1, 59, Bytes(kUssdArg))}));
  auto m = f.last();
  CHECK(m.type == tcap::MessageType::Abort);
  CHECK(m.dtid->value() == 0x2b00da99);
  CHECK_FALSE(m.p_abort_cause);
  CHECK_FALSE(m.dialogue);
  CHECK(f.user.begins.empty());
}

TEST_CASE("BEGIN without components: refused with ABRT carrying a MAP provider abort") {
  Fixture f;
  std::array<std::uint8_t, 7> ac = map::ac::kNetworkUnstructuredSsV2;
  f.receive(encode(tcap::make_begin(tcap::TransactionId::from_u32(7), tcap::make_aarq(ac))));
  auto m = f.last();
  CHECK(m.type == tcap::MessageType::Abort);
  REQUIRE(m.dialogue);
  CHECK(m.dialogue->type == tcap::DialoguePduType::Abrt);
  auto pdu = map::decode_user_information(*m.dialogue->user_information);
  REQUIRE(pdu.ok());
  CHECK(pdu->type == map::DialoguePduType::ProviderAbort);
  CHECK(f.user.begins.empty());
}

TEST_CASE("BEGIN whose first component is a ReturnResult: END with AARE and a Reject") {
  Fixture f;
  std::array<std::uint8_t, 7> ac = map::ac::kNetworkUnstructuredSsV2;
  f.receive(encode(tcap::make_begin(tcap::TransactionId::from_u32(8), tcap::make_aarq(ac)), {rrl(5, 60, std::nullopt)}));
  auto m = f.last();
  CHECK(m.type == tcap::MessageType::End);
  check_aare_accepted(m);
  auto comps = f.components_of(m);
  REQUIRE(comps.size() == 1);
  REQUIRE(comps[0].reject());
  CHECK(comps[0].reject()->type == tcap::ProblemType::ReturnResult);
  CHECK(comps[0].reject()->invoke_id->value == 5);
  CHECK(f.user.begins.empty());
}

TEST_CASE("dialogue bound reached: END with AARE accepted and ussd-Busy for the first invoke") {
  Config cfg;
  cfg.max_dialogues = 2;
  Fixture f(cfg);
  f.open(1);
  f.open(2);
  f.receive(begin_msg(3, 2, 9));
  CHECK(f.user.begins.size() == 2);
  auto m = f.last();
  CHECK(m.type == tcap::MessageType::End);
  CHECK(m.dtid->value() == 3);
  check_aare_accepted(m);
  auto comps = f.components_of(m);
  REQUIRE(comps.size() == 1);
  auto* re = comps[0].return_error();
  REQUIRE(re);
  CHECK(re->invoke_id.value == 9);
  CHECK(re->code.is_local(72));
  CHECK_FALSE(re->parameter);
  CHECK(f.layer->stats().begins_busy == 1);
  CHECK(f.layer->stats().open == 2);
}

TEST_CASE("network P-Abort mid-dialogue: on_abort with the cause, dialogue freed") {
  Fixture f;
  auto id = f.open(0x55);
  REQUIRE(f.layer->continue_invoke(id, tcap::OpCode::make_local(60), kUssdArg));
  f.receive(encode(tcap::make_p_abort(tcap::TransactionId::from_u32(id.value), tcap::PAbortCause::ResourceLimitation)));
  REQUIRE(f.user.aborts.size() == 1);
  CHECK(f.user.aborts[0].id == id);
  CHECK(f.user.aborts[0].reason == AbortReason::NetworkPAbort);
  CHECK(f.user.aborts[0].p_abort_cause == tcap::PAbortCause::ResourceLimitation);
  CHECK(f.layer->stats().open == 0);
  CHECK_FALSE(f.layer->end_result(id, tcap::InvokeId{1}, tcap::OpCode::make_local(59), kUssdRes));
  // The invoke timer was cancelled with the dialogue: nothing more happens.
  f.tick(Config{}.invoke_timeout + Config{}.idle_timeout);
  CHECK(f.user.aborts.size() == 1);
  CHECK(f.sent.size() == 1);
}

TEST_CASE("network U-Abort with MAP-UserAbortInfo: on_abort carries the MAP PDU") {
  Fixture f;
  auto id = f.open(0x66);
  REQUIRE(f.layer->continue_invoke(id, tcap::OpCode::make_local(60), kUssdArg));
  std::array<std::uint8_t, 64> ui{};
  auto u = map::encode_user_information(ui, map::make_user_abort(map::UserAbortChoice::ResourceUnavailable, 0));
  REQUIRE(u.ok());
  f.receive(encode(tcap::make_u_abort(tcap::TransactionId::from_u32(id.value),
                                      tcap::make_abrt(tcap::AbortSource::ServiceUser, *u))));
  REQUIRE(f.user.aborts.size() == 1);
  CHECK(f.user.aborts[0].reason == AbortReason::NetworkUAbort);
  REQUIRE(f.user.aborts[0].map_type);
  CHECK(*f.user.aborts[0].map_type == map::DialoguePduType::UserAbort);
  CHECK(f.user.aborts[0].user_abort_choice == map::UserAbortChoice::ResourceUnavailable);
  CHECK(f.layer->stats().open == 0);
  CHECK(f.layer->stats().aborts_in == 1);
}

TEST_CASE("idle timeout: U-Abort sent and on_abort(IdleTimeout)") {
  Fixture f(short_timers());
  auto id = f.open(0x77);
  f.tick(19ms);
  CHECK(f.user.aborts.empty());
  f.tick(1ms);
  REQUIRE(f.user.aborts.size() == 1);
  CHECK(f.user.aborts[0].id == id);
  CHECK(f.user.aborts[0].reason == AbortReason::IdleTimeout);
  auto m = f.last();
  CHECK(m.type == tcap::MessageType::Abort);
  CHECK(m.dtid->value() == 0x77);
  REQUIRE(m.dialogue);
  CHECK(m.dialogue->type == tcap::DialoguePduType::Abrt);
  CHECK(f.layer->stats().idle_timeouts == 1);
  CHECK(f.layer->stats().open == 0);
}

TEST_CASE("invoke timeout: U-Abort with MAP user abort sent and on_abort(InvokeTimeout)") {
  Config cfg;
  cfg.invoke_timeout = 20ms;
  Fixture f(cfg);
  auto id = f.open(0x88);
  REQUIRE(f.layer->continue_invoke(id, tcap::OpCode::make_local(60), kUssdArg));
  f.tick(19ms);
  CHECK(f.user.aborts.empty());
  f.tick(1ms);
  REQUIRE(f.user.aborts.size() == 1);
  CHECK(f.user.aborts[0].id == id);
  CHECK(f.user.aborts[0].reason == AbortReason::InvokeTimeout);
  auto m = f.last();
  CHECK(m.type == tcap::MessageType::Abort);
  CHECK(m.dtid->value() == 0x88);
  auto pdu = map::decode_user_information(*m.dialogue->user_information);
  REQUIRE(pdu.ok());
  CHECK(pdu->type == map::DialoguePduType::UserAbort);
  CHECK(f.layer->stats().invoke_timeouts == 1);
}

TEST_CASE("an answered invoke stops its timer") {
  Config cfg;
  cfg.invoke_timeout = 20ms;
  cfg.idle_timeout = 200ms;
  Fixture f(cfg);
  auto id = f.open(0x99);
  REQUIRE(f.layer->continue_invoke(id, tcap::OpCode::make_local(60), kUssdArg));
  auto ours = f.components_of(f.last())[0].invoke()->invoke_id.value;
  f.receive(continue_msg(0x99, id.value, {rrl(ours, 60, Bytes(kUssdRes))}));
  // Only the (longer) idle timer remains; it is what ends the dialogue.
  f.tick(199ms);
  CHECK(f.user.aborts.empty());
  f.tick(1ms);
  REQUIRE(f.user.aborts.size() == 1);
  CHECK(f.user.aborts[0].reason == AbortReason::IdleTimeout);
  CHECK(f.layer->stats().invoke_timeouts == 0);
}

TEST_CASE("CONTINUE for an unknown dtid: P-Abort unrecognizedTransactionID; END/ABORT discarded") {
  Fixture f;
  f.receive(continue_msg(0xaabbccdd, 0x12345678, {rrl(1, 60, Bytes(kUssdRes))}));
  auto m = f.last();
  CHECK(m.type == tcap::MessageType::Abort);
  CHECK(m.dtid->value() == 0xaabbccdd);
  REQUIRE(m.p_abort_cause);
  CHECK(*m.p_abort_cause == tcap::PAbortCause::UnrecognizedTransactionId);
  f.receive(encode(tcap::make_end(tcap::TransactionId::from_u32(0x12345678)), {rrl(1, 60, std::nullopt)}));
  f.receive(encode(tcap::make_p_abort(tcap::TransactionId::from_u32(0x12345678), tcap::PAbortCause::ResourceLimitation)));
  CHECK(f.sent.size() == 1);
  CHECK(f.layer->stats().unknown_tid == 3);
}

TEST_CASE("malformed transaction portion: P-Abort with the decoder's cause, only when an otid is readable") {
  Fixture f;
  SUBCASE("element that does not belong: incorrectTransactionPortion") {
    f.receive(hex("6209480401020304 4a0100"));
    auto m = f.last();
    CHECK(m.dtid->value() == 0x01020304);
    CHECK(*m.p_abort_cause == tcap::PAbortCause::IncorrectTransactionPortion);
  }
  SUBCASE("broken BER after the otid: badlyFormattedTransactionPortion") {
    f.receive(hex("6209480401020304 6c05a1"));
    auto m = f.last();
    CHECK(m.dtid->value() == 0x01020304);
    CHECK(*m.p_abort_cause == tcap::PAbortCause::BadlyFormattedTransactionPortion);
  }
  SUBCASE("unrecognized message type with a readable otid: unrecognizedMessageType (issue 7 #1)") {
    f.receive(hex("6906480401020304"));
    auto m = f.last();
    CHECK(m.dtid->value() == 0x01020304);
    CHECK(*m.p_abort_cause == tcap::PAbortCause::UnrecognizedMessageType);
  }
  SUBCASE("unrecognized message type, no otid readable: discarded") {
    f.receive(hex("6906490401020304"));
    CHECK(f.sent.empty());
  }
  CHECK(f.user.begins.empty());
  CHECK(f.layer->stats().open == 0);
}

TEST_CASE("malformed component inside a CONTINUE: Reject sent and the dialogue lives on") {
  Fixture f;
  auto id = f.open(0x1234);
  REQUIRE(f.layer->continue_invoke(id, tcap::OpCode::make_local(60), kUssdArg));
  // An invoke with an invoke id and nothing else: readable boundaries, bad contents.
  tcap::Message c = tcap::make_continue(tcap::TransactionId::from_u32(0x1234), tcap::TransactionId::from_u32(id.value));
  std::array<std::uint8_t, 64> buf{};
  Octets bad = hex("a103020107");
  c.component_portion = Bytes(bad);
  auto enc = tcap::encode_message_raw(buf, c);
  REQUIRE(enc.ok());
  f.receive(Octets(enc->begin(), enc->end()));
  CHECK(f.user.components.empty());
  auto m = f.last();
  CHECK(m.type == tcap::MessageType::Continue);
  CHECK_FALSE(m.dialogue);
  auto comps = f.components_of(m);
  REQUIRE(comps.size() == 1);
  REQUIRE(comps[0].reject());
  CHECK(comps[0].reject()->type == tcap::ProblemType::General);
  CHECK(f.layer->stats().rejects_sent == 1);
  // Still open: the user can end it normally.
  CHECK(f.layer->end_result(id, tcap::InvokeId{1}, tcap::OpCode::make_local(59), kUssdRes));
  CHECK(f.last().type == tcap::MessageType::End);
}

TEST_CASE("ReturnResult for an unknown invoke id: Reject unrecognizedInvokeID, not delivered") {
  Fixture f;
  auto id = f.open(0x4321);
  REQUIRE(f.layer->continue_invoke(id, tcap::OpCode::make_local(60), kUssdArg));
  f.receive(continue_msg(0x4321, id.value, {rrl(77, 60, Bytes(kUssdRes))}));
  CHECK(f.user.components.empty());
  auto comps = f.components_of(f.last());
  REQUIRE(comps.size() == 1);
  REQUIRE(comps[0].reject());
  CHECK(comps[0].reject()->type == tcap::ProblemType::ReturnResult);
  CHECK(comps[0].reject()->code == static_cast<std::uint8_t>(tcap::ReturnResultProblem::UnrecognizedInvokeId));
  CHECK(comps[0].reject()->invoke_id->value == 77);
  CHECK(f.layer->stats().open == 1);
}

TEST_CASE("a further Invoke from the network goes to the user; END closes after delivery") {
  Fixture f;
  auto id = f.open(0x4444);
  REQUIRE(f.layer->continue_invoke(id, tcap::OpCode::make_local(60), kUssdArg));
  auto ours = f.components_of(f.last())[0].invoke()->invoke_id.value;
  f.receive(encode(tcap::make_end(tcap::TransactionId::from_u32(id.value)),
                   {rrl(ours, 60, Bytes(kUssdRes)), invoke(3, 61, Bytes(kUssdArg))}));
  REQUIRE(f.user.components.size() == 2);
  CHECK(f.user.components[0].end);
  CHECK(f.user.components[1].type == tcap::ComponentType::Invoke);
  CHECK(f.layer->stats().open == 0);
  CHECK(f.sent.size() == 1);
}

TEST_CASE("UDTS notice for our CONTINUE: on_abort(Undeliverable)") {
  Fixture f;
  auto id = f.open(0x5151);
  REQUIRE(f.layer->continue_invoke(id, tcap::OpCode::make_local(60), kUssdArg));
  ss7::Notice n{f.sent.back().called, f.sent.back().calling, 3, f.sent.back().data};
  f.layer->on_notice(std::move(n));
  REQUIRE(f.user.aborts.size() == 1);
  CHECK(f.user.aborts[0].id == id);
  CHECK(f.user.aborts[0].reason == AbortReason::Undeliverable);
  CHECK(f.layer->stats().open == 0);
  CHECK(f.layer->stats().undeliverable == 1);
}

TEST_CASE("shutdown: a dialogue ended in the grace period vs one that is aborted") {
  Config cfg = short_timers();
  cfg.idle_timeout = 60s;
  cfg.shutdown_grace = 30ms;
  Fixture f(cfg);
  bool done = false;

  SUBCASE("the user ends it in time: no abort, done") {
    auto id = f.open(0x1);
    f.layer->shutdown([&] { done = true; });
    // New BEGINs are refused while stopping.
    f.receive(begin_msg(0x2));
    CHECK(*f.last().p_abort_cause == tcap::PAbortCause::ResourceLimitation);
    CHECK(f.user.begins.size() == 1);
    REQUIRE(f.layer->end_result(id, tcap::InvokeId{1}, tcap::OpCode::make_local(59), kUssdRes));
    CHECK_FALSE(done);  // never called from inside a request: it may destroy the layer
    f.clock.run_due();
    CHECK(done);
    CHECK(f.user.aborts.empty());
    CHECK(f.last().type == tcap::MessageType::End);
  }
  SUBCASE("the user does not: U-Abort and on_abort(Shutdown), then done") {
    auto id = f.open(0x3);
    f.layer->shutdown([&] { done = true; });
    f.tick(29ms);
    CHECK_FALSE(done);
    CHECK(f.user.aborts.empty());
    f.tick(1ms);
    CHECK(done);
    REQUIRE(f.user.aborts.size() == 1);
    CHECK(f.user.aborts[0].id == id);
    CHECK(f.user.aborts[0].reason == AbortReason::Shutdown);
    auto m = f.last();
    CHECK(m.type == tcap::MessageType::Abort);
    CHECK(m.dtid->value() == 0x3);
  }
  SUBCASE("nothing open: done at once") {
    f.layer->shutdown([&] { done = true; });
    CHECK_FALSE(done);
    f.clock.run_due();
    CHECK(done);
  }
  CHECK(f.layer->stats().open == 0);
}

TEST_CASE("local tids are not reused immediately") {
  Config cfg;
  cfg.max_dialogues = 4;  // a small table: slots are reused quickly, tids not
  cfg.tid_quarantine = 0ms;
  Fixture f(cfg);
  std::set<std::uint32_t> seen;
  for (std::uint32_t k = 0; k < 5000; ++k) {
    auto id = f.open(k + 1);
    CHECK(id.value != 0);
    CHECK(seen.insert(id.value).second);
    REQUIRE(f.layer->end_result(id, tcap::InvokeId{1}, tcap::OpCode::make_local(59), kUssdRes));
  }
  // A late message for a closed dialogue does not reach a new one.
  auto fresh = f.open(0x9999);
  f.receive(continue_msg(0x777, *seen.begin(), {rrl(2, 60, std::nullopt)}));
  CHECK(*f.last().p_abort_cause == tcap::PAbortCause::UnrecognizedTransactionId);
  CHECK(f.layer->stats().open == 1);
  CHECK(f.layer->u_abort(fresh, map::UserAbortChoice::UserSpecificReason));
}

TEST_CASE("10,000 concurrent dialogues opened and ended") {
  Config cfg;
  cfg.max_dialogues = 20000;
  Fixture f(cfg);
  f.sent.reserve(10000);
  std::vector<LocalTid> ids;
  std::set<std::uint32_t> distinct;
  for (std::uint32_t k = 0; k < 10000; ++k) {
    ids.push_back(f.open(0x10000000 + k));
    distinct.insert(ids.back().value);
  }
  CHECK(distinct.size() == 10000);
  auto st = f.layer->stats();
  CHECK(st.open == 10000);
  CHECK(f.sent.empty());
  for (std::uint32_t k = 0; k < 10000; ++k)
    REQUIRE(f.layer->end_result(ids[k], tcap::InvokeId{1}, tcap::OpCode::make_local(59), kUssdRes));
  CHECK(f.sent.size() == 10000);
  CHECK(tcap::decode_message(Bytes(f.sent[1234].data))->dtid->value() == 0x10000000 + 1234);
  st = f.layer->stats();
  CHECK(st.open == 0);
  CHECK(st.begins == 10000);
  // The slot's size is a static_assert next to Slot (dialogue_layer.cpp).
  CHECK(st.slots >= 10000);
}

TEST_CASE("send failure on a request: false, and the dialogue is gone") {
  Fixture f;
  auto id = f.open(0x31);
  f.send_ok = false;
  CHECK_FALSE(f.layer->continue_invoke(id, tcap::OpCode::make_local(60), kUssdArg));
  CHECK(f.layer->stats().send_failures == 1);
  CHECK(f.layer->stats().open == 0);
}

TEST_CASE("the user may end the dialogue from inside on_begin") {
  Fixture f;
  f.user.on_begin_hook = [&](const ussdgw::dialogue::DialogueInfo& d, const tcap::Invoke& inv) {
    CHECK(f.layer->end_error(d.id, inv.invoke_id, map::MapError::UnknownAlphabet));
  };
  f.receive(begin_msg(0x42));
  auto m = f.last();
  CHECK(m.type == tcap::MessageType::End);
  check_aare_accepted(m);
  auto comps = f.components_of(m);
  REQUIRE(comps.size() == 1);
  CHECK(comps[0].return_error()->code.is_local(71));
  CHECK(f.layer->stats().open == 0);
}

TEST_CASE("u_abort: ABRT with MAP-UserAbortInfo (TS 29.002 §7.3.4)") {
  Fixture f;
  auto id = f.open(0x43);
  REQUIRE(f.layer->u_abort(id, map::UserAbortChoice::ApplicationProcedureCancellation, 6));
  auto m = f.last();
  CHECK(m.type == tcap::MessageType::Abort);
  CHECK(m.dialogue->type == tcap::DialoguePduType::Abrt);
  CHECK(m.dialogue->abort_source == tcap::AbortSource::ServiceUser);
  auto pdu = map::decode_user_information(*m.dialogue->user_information);
  REQUIRE(pdu.ok());
  CHECK(pdu->user_abort_choice == map::UserAbortChoice::ApplicationProcedureCancellation);
  CHECK(pdu->user_abort_reason == 6);
  CHECK(f.layer->stats().open == 0);
}

TEST_CASE("end_reject as the first answer: END with AARE accepted and the Reject (Q.774 §3.2.2.3)") {
  Fixture f;
  auto id = f.open(0x0badcafe);
  REQUIRE(f.layer->end_reject(id, tcap::InvokeId{1}, tcap::InvokeProblem::UnrecognizedOperation));
  REQUIRE(f.sent.size() == 1);
  auto m = f.last();
  CHECK(m.type == tcap::MessageType::End);
  CHECK(m.dtid->value() == 0x0badcafe);
  check_aare_accepted(m);
  auto comps = f.components_of(m);
  REQUIRE(comps.size() == 1);
  auto* rj = comps[0].reject();
  REQUIRE(rj);
  REQUIRE(rj->invoke_id);
  CHECK(rj->invoke_id->value == 1);
  CHECK(rj->type == tcap::ProblemType::Invoke);
  CHECK(rj->code == static_cast<std::uint8_t>(tcap::InvokeProblem::UnrecognizedOperation));
  // a4 { 02 01 01, 81 01 01 }: invokeID 1, invoke problem [1] unrecognizedOperation.
  CHECK(hex_of(comps[0].raw) == "a406020101810101");
  CHECK(f.layer->stats().rejects_sent == 1);
  CHECK(f.layer->stats().open == 0);
  CHECK_FALSE(f.layer->end_reject(id, tcap::InvokeId{1}, tcap::ProblemType::Invoke, 2));
  CHECK(f.layer->stats().rejects_sent == 1);
}

TEST_CASE("end_reject after a CONTINUE: END without dialogue portion, any problem type") {
  Fixture f;
  auto id = f.open(0x77);
  REQUIRE(f.layer->continue_invoke(id, tcap::OpCode::make_local(60), kUssdArg));
  REQUIRE(f.layer->end_reject(id, tcap::InvokeId{1}, tcap::ProblemType::Invoke,
                              static_cast<std::uint8_t>(tcap::InvokeProblem::MistypedParameter)));
  auto m = f.last();
  CHECK(m.type == tcap::MessageType::End);
  CHECK_FALSE(m.dialogue);
  auto comps = f.components_of(m);
  REQUIRE(comps.size() == 1);
  REQUIRE(comps[0].reject());
  CHECK(comps[0].reject()->code == static_cast<std::uint8_t>(tcap::InvokeProblem::MistypedParameter));
  CHECK(f.layer->stats().open == 0);
}

TEST_CASE("dialogue bound reached with a busy_answer callback: a result, or a Reject, chosen per invoke") {
  Config cfg;
  cfg.max_dialogues = 1;
  Fixture f(cfg);
  std::vector<std::int64_t> asked;
  dialogue::AcRegistration reg{map::ac::kNetworkUnstructuredSs, 2, map::MapError::UssdBusy, &f.user, {}};
  reg.busy_answer = [&](const tcap::Invoke& inv) {
    asked.push_back(inv.op.local);
    dialogue::BusyAnswer a;
    if (inv.op.is_local(59)) {
      a.kind = dialogue::BusyAnswer::Kind::Result;
      a.op = tcap::OpCode::make_local(59);
      a.parameter = kUssdRes;
    } else {
      a.kind = dialogue::BusyAnswer::Kind::Reject;
    }
    return a;
  };
  f.layer->register_user(reg);
  f.open(1);
  CHECK(asked.empty());  // not asked while below the bound

  SUBCASE("op 59: END with AARE accepted and ReturnResultLast(59) with the user's parameter") {
    f.receive(begin_msg(2, 2, 7));
    check_end_with_ussd_result(f, f.last(), 2, 7, kUssdRes);
    CHECK(asked == std::vector<std::int64_t>{59});
  }
  SUBCASE("another op: END with AARE accepted and Reject unrecognizedOperation") {
    auto ac = map::ac_oid(map::ac::kNetworkUnstructuredSs, 2);
    auto m0 = tcap::make_begin(tcap::TransactionId::from_u32(3), tcap::make_aarq(ac));
    f.receive(encode(m0, {invoke(4, 61, Bytes(kUssdArg))}));
    auto m = f.last();
    CHECK(m.type == tcap::MessageType::End);
    check_aare_accepted(m);
    auto comps = f.components_of(m);
    REQUIRE(comps.size() == 1);
    auto* rj = comps[0].reject();
    REQUIRE(rj);
    CHECK(rj->invoke_id->value == 4);
    CHECK(rj->type == tcap::ProblemType::Invoke);
    CHECK(rj->code == static_cast<std::uint8_t>(tcap::InvokeProblem::UnrecognizedOperation));
    CHECK(f.layer->stats().rejects_sent == 1);
  }
  CHECK(f.user.begins.size() == 1);
  CHECK(f.layer->stats().begins_busy == 1);
  CHECK(f.layer->stats().open == 1);
}
