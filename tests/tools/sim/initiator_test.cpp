// The initiator engine against a fake transport and a manual clock: what it
// sends is checked by decoding it with the project's codecs, what it gets is
// built with them (the gateway's side of TS 29.002 §15.3 / Q.774).
#include <doctest/doctest.h>

#include <vector>

#include "gateway/codec/map_dialogue.h"
#include "gateway/codec/map_names.h"
#include "gateway/codec/tcap.h"
#include "tools/sim/initiator.h"
#include "ussd/codec/ussd_ops.h"
#include "ussd/codec/ussd_text.h"

using namespace ussdgw;
using namespace ussdgw::sim;
using namespace std::chrono_literals;

namespace {

struct FakeSender : TcapSender {
  std::vector<std::vector<std::uint8_t>> sent;
  bool refuse = false;
  bool send_tcap(Bytes b) override {
    if (refuse) return false;
    sent.emplace_back(b.begin(), b.end());
    return true;
  }
};

struct Recorder : InitiatorObserver {
  std::vector<std::string> sent_texts, prompts;
  std::vector<Outcome> outcomes;
  void on_sent(const DialogueRef&, std::string_view t) override { sent_texts.emplace_back(t); }
  void on_prompt(const DialogueRef&, PromptKind, std::string_view t) override { prompts.emplace_back(t); }
  void on_finished(const DialogueRef&, const Outcome& o) override { outcomes.push_back(o); }
};

DialogueSpec menu_spec() {
  DialogueSpec s;
  s.imsi.digits.assign("234150000000001");
  s.msisdn = Msisdn{Digits("447700900001")};
  s.dial = "*100#";
  s.answers = {"1"};
  s.timeout = 5s;
  return s;
}

std::vector<std::uint8_t> ussd_arg(std::string_view text) {
  std::array<std::uint8_t, 160> str{};
  auto enc = ussd::encode_text(text, str);
  REQUIRE(enc);
  ussd::UssdArg a;
  a.dcs = enc->dcs;
  a.string = Bytes(str.data(), enc->octets);
  std::array<std::uint8_t, 200> out{};
  auto n = ussd::encode_ussd_arg(a, out);
  REQUIRE(n);
  return {out.begin(), out.begin() + static_cast<std::ptrdiff_t>(*n)};
}

std::vector<std::uint8_t> ussd_res(std::string_view text) {
  std::array<std::uint8_t, 160> str{};
  auto enc = ussd::encode_text(text, str);
  REQUIRE(enc);
  std::array<std::uint8_t, 200> out{};
  auto n = ussd::encode_ussd_res(ussd::UssdRes{enc->dcs, Bytes(str.data(), enc->octets)}, out);
  REQUIRE(n);
  return {out.begin(), out.begin() + static_cast<std::ptrdiff_t>(*n)};
}

std::vector<std::uint8_t> encode(const tcap::Message& m, std::vector<tcap::Component> comps = {}) {
  std::array<std::uint8_t, 512> out{};
  auto r = tcap::encode_message(out, m, comps);
  REQUIRE(r);
  return {r->begin(), r->end()};
}

tcap::TransactionId tid(std::uint32_t v) { return tcap::TransactionId::from_u32(v); }
const auto kGwTid = tid(0xabcdef01);

tcap::DialoguePortion aare_v2() {
  auto ac = map::ac::kNetworkUnstructuredSsV2;
  return tcap::make_aare(Bytes(ac), tcap::AssociateResult::Accepted, tcap::DiagnosticSource::ServiceUser, 0);
}

// The gateway's prompt: CONTINUE + AARE + invoke unstructuredSS-Request.
std::vector<std::uint8_t> prompt(std::uint32_t our_otid, std::string_view text, std::int8_t invoke_id = 5) {
  auto arg = ussd_arg(text);
  tcap::Component c;
  c.body = tcap::Invoke{tcap::InvokeId{invoke_id}, std::nullopt, tcap::OpCode::make_local(60), Bytes(arg)};
  return encode(tcap::make_continue(kGwTid, tid(our_otid), aare_v2()), {c});
}

std::vector<std::uint8_t> final_end(std::uint32_t our_otid, std::string_view text) {
  auto res = ussd_res(text);
  tcap::Component c;
  c.body = tcap::ReturnResult{tcap::InvokeId{1}, true, tcap::OpCode::make_local(59), Bytes(res)};
  return encode(tcap::make_end(tid(our_otid)), {c});
}

struct Fixture {
  FakeSender net;
  Recorder obs;
  Initiator eng{InitiatorConfig{8, true}, net, obs};
  Clock::time_point t0 = Clock::time_point{} + 1000s;
};

}  // namespace

TEST_CASE("the BEGIN carries AARQ networkUnstructuredSsContext-v2, MAP-OPEN and processUnstructuredSS-Request") {
  Fixture f;
  auto d = prepare(menu_spec());
  REQUIRE(d);
  auto otid = f.eng.start(*d, 7, f.t0);
  REQUIRE(otid);
  REQUIRE(f.net.sent.size() == 1);
  auto m = tcap::decode_message(f.net.sent[0]);
  REQUIRE(m);
  CHECK(m->type == tcap::MessageType::Begin);
  REQUIRE(m->otid);
  CHECK(m->otid->value() == *otid);
  REQUIRE(m->dialogue);
  CHECK(m->dialogue->type == tcap::DialoguePduType::Aarq);
  CHECK(m->dialogue->ac_dotted() == "0.4.0.0.1.0.19.2");
  REQUIRE(m->dialogue->user_information);
  auto open = map::decode_user_information(*m->dialogue->user_information);
  REQUIRE(open);
  CHECK(open->type == map::DialoguePduType::Open);
  REQUIRE(open->destination_reference);
  auto dest = decode_address_string(*open->destination_reference);
  REQUIRE(dest);
  CHECK(dest->npi == static_cast<std::uint8_t>(Npi::E212));  // IMSI as E.212 AddressString
  CHECK(dest->digits == "234150000000001");
  REQUIRE(open->origination_reference);
  auto orig = decode_address_string(*open->origination_reference);
  REQUIRE(orig);
  CHECK(orig->digits == "447700900001");

  auto comps = m->components();
  auto c = comps.next();
  REQUIRE(c);
  REQUIRE(c->invoke());
  CHECK(c->invoke()->op.is_local(59));
  REQUIRE(c->invoke()->parameter);
  auto arg = ussd::decode_ussd_arg(*c->invoke()->parameter);
  REQUIRE(arg);
  auto text = ussd::decode_text(arg->dcs, arg->string);
  REQUIRE(text);
  CHECK(text->text == "*100#");
  REQUIRE(arg->msisdn);
  CHECK(arg->msisdn->digits == "447700900001");
  CHECK(f.obs.sent_texts == std::vector<std::string>{"*100#"});
  CHECK(f.eng.active() == 1);

  // A second dialogue gets a different otid in the same pre-encoded BEGIN.
  auto otid2 = f.eng.start(*d, 8, f.t0);
  REQUIRE(otid2);
  CHECK(*otid2 != *otid);
  CHECK(f.net.sent[1].size() == f.net.sent[0].size());
}

TEST_CASE("a prompt is answered with CONTINUE + returnResultLast(60), then the END gives the final text") {
  Fixture f;
  auto d = prepare(menu_spec());
  REQUIRE(d);
  auto otid = *f.eng.start(*d, 0, f.t0);
  f.eng.on_tcap(prompt(otid, "1. Balance 2. Profile", 5), f.t0 + 10ms);
  CHECK(f.obs.prompts == std::vector<std::string>{"1. Balance 2. Profile"});
  REQUIRE(f.net.sent.size() == 2);
  auto m = tcap::decode_message(f.net.sent[1]);
  REQUIRE(m);
  CHECK(m->type == tcap::MessageType::Continue);
  CHECK(m->otid->value() == otid);
  CHECK(*m->dtid == kGwTid);   // the gateway's tid from its CONTINUE (Q.774 §3.2.1)
  CHECK_FALSE(m->dialogue);    // the AARQ only goes in the BEGIN
  auto comps = m->components();
  auto c = comps.next();
  REQUIRE(c);
  REQUIRE(c->return_result());
  CHECK(c->return_result()->invoke_id.value == 5);
  CHECK(c->return_result()->last);
  REQUIRE(c->return_result()->op);
  CHECK(c->return_result()->op->is_local(60));
  auto res = ussd::decode_ussd_res(*c->return_result()->parameter);
  REQUIRE(res);
  CHECK(ussd::decode_text(res->dcs, res->string)->text == "1");
  CHECK(f.obs.sent_texts.back() == "1");

  f.eng.on_tcap(final_end(otid, "Your balance is 42"), f.t0 + 30ms);
  REQUIRE(f.obs.outcomes.size() == 1);
  CHECK(f.obs.outcomes[0].kind == OutcomeKind::kEnd);
  CHECK(f.obs.outcomes[0].text == "Your balance is 42");
  CHECK(f.obs.outcomes[0].steps == 2);
  CHECK(f.obs.outcomes[0].latency == 30ms);
  CHECK(f.eng.active() == 0);

  // A late duplicate matches nothing.
  f.eng.on_tcap(final_end(otid, "again"), f.t0 + 40ms);
  CHECK(f.eng.unmatched() == 1);
  CHECK(f.obs.outcomes.size() == 1);
}

TEST_CASE("a returnError is reported with its MAP name") {
  Fixture f;
  auto d = prepare(menu_spec());
  auto otid = *f.eng.start(*d, 0, f.t0);
  tcap::Component c;
  c.body = tcap::ReturnError{tcap::InvokeId{1}, tcap::ErrorCode::make_local(72), std::nullopt};
  f.eng.on_tcap(encode(tcap::make_end(tid(otid), aare_v2()), {c}), f.t0 + 1ms);
  REQUIRE(f.obs.outcomes.size() == 1);
  CHECK(f.obs.outcomes[0].kind == OutcomeKind::kMapError);
  CHECK(f.obs.outcomes[0].map_error == 72);
  CHECK(f.obs.outcomes[0].text == "ussd-Busy(72)");
}

TEST_CASE("aborts from the gateway are described") {
  Fixture f;
  auto d = prepare(menu_spec());
  auto otid = *f.eng.start(*d, 0, f.t0);
  SUBCASE("P-Abort") {
    f.eng.on_tcap(encode(tcap::make_p_abort(tid(otid), tcap::PAbortCause::ResourceLimitation)), f.t0 + 1ms);
    REQUIRE(f.obs.outcomes.size() == 1);
    CHECK(f.obs.outcomes[0].kind == OutcomeKind::kAbort);
    CHECK(f.obs.outcomes[0].text.find("p-abort") == 0);
  }
  SUBCASE("AC refused with the supported version in the AARE") {
    auto ac = map::ac::kNetworkUnstructuredSsV2;
    auto aare = tcap::make_aare(Bytes(ac), tcap::AssociateResult::RejectPermanent,
                                tcap::DiagnosticSource::ServiceUser,
                                static_cast<std::uint8_t>(tcap::UserDiagnostic::AcNotSupported));
    f.eng.on_tcap(encode(tcap::make_u_abort(tid(otid), aare)), f.t0 + 1ms);
    REQUIRE(f.obs.outcomes.size() == 1);
    CHECK(f.obs.outcomes[0].kind == OutcomeKind::kAbort);
    CHECK(f.obs.outcomes[0].text == "u-abort ac-refused offers networkUnstructuredSsContext-v2");
  }
}

TEST_CASE("no answer: timeout after the configured time, and our U-ABORT releases the gateway's side") {
  Fixture f;
  auto d = prepare(menu_spec());
  auto otid = *f.eng.start(*d, 0, f.t0);
  REQUIRE(f.eng.next_deadline() == f.t0 + 5s);
  f.eng.expire(f.t0 + 4999ms);
  CHECK(f.obs.outcomes.empty());
  // The prompt re-arms the timer from the moment we answered.
  f.eng.on_tcap(prompt(otid, "menu"), f.t0 + 1s);
  CHECK(f.eng.next_deadline() == f.t0 + 6s);
  f.eng.expire(f.t0 + 5500ms);
  CHECK(f.obs.outcomes.empty());
  f.eng.expire(f.t0 + 6s);
  REQUIRE(f.obs.outcomes.size() == 1);
  CHECK(f.obs.outcomes[0].kind == OutcomeKind::kTimeout);
  REQUIRE(f.net.sent.size() == 3);  // BEGIN, answer, U-ABORT
  auto m = tcap::decode_message(f.net.sent[2]);
  REQUIRE(m);
  CHECK(m->type == tcap::MessageType::Abort);
  CHECK(*m->dtid == kGwTid);
  CHECK_FALSE(f.eng.next_deadline());
}

TEST_CASE("abort-after sends TC-U-ABORT with MAP user abort instead of answering") {
  Fixture f;
  auto spec = menu_spec();
  spec.abort_after = 1;
  auto d = prepare(spec);
  auto otid = *f.eng.start(*d, 0, f.t0);
  f.eng.on_tcap(prompt(otid, "menu"), f.t0 + 1ms);
  REQUIRE(f.obs.outcomes.size() == 1);
  CHECK(f.obs.outcomes[0].kind == OutcomeKind::kLocalAbort);
  auto m = tcap::decode_message(f.net.sent.back());
  REQUIRE(m);
  CHECK(m->type == tcap::MessageType::Abort);
  REQUIRE(m->dialogue);
  CHECK(m->dialogue->type == tcap::DialoguePduType::Abrt);
  auto ua = map::decode_user_information(*m->dialogue->user_information);
  REQUIRE(ua);
  CHECK(ua->type == map::DialoguePduType::UserAbort);
}

TEST_CASE("a prompt beyond the scripted answers ends the dialogue") {
  Fixture f;
  auto spec = menu_spec();
  spec.answers.clear();
  auto d = prepare(spec);
  auto otid = *f.eng.start(*d, 0, f.t0);
  f.eng.on_tcap(prompt(otid, "menu"), f.t0 + 1ms);
  REQUIRE(f.obs.outcomes.size() == 1);
  CHECK(f.obs.outcomes[0].kind == OutcomeKind::kProtocol);
  CHECK(tcap::decode_message(f.net.sent.back())->type == tcap::MessageType::Abort);
}

TEST_CASE("special BEGINs: malformed, unknown operation, AC version 3") {
  SUBCASE("malformed: the transaction portion is broken but the otid is readable") {
    auto spec = menu_spec();
    spec.action = Action::kMalformed;
    auto d = prepare(spec);
    REQUIRE(d);
    Fixture f;
    auto otid = *f.eng.start(*d, 0, f.t0);
    tcap::MessageError why;
    auto m = tcap::decode_message(f.net.sent[0], &why);
    CHECK_FALSE(m);
    CHECK(why.cause == tcap::PAbortCause::BadlyFormattedTransactionPortion);
    REQUIRE(why.otid);
    CHECK(why.otid->value() == otid);
  }
  SUBCASE("unknown operation") {
    auto spec = menu_spec();
    spec.action = Action::kUnknownOperation;
    auto d = prepare(spec);
    REQUIRE(d);
    auto m = tcap::decode_message(d->begin);
    REQUIRE(m);
    auto c = m->components().next();
    REQUIRE(c);
    CHECK(c->invoke()->op.is_local(127));
    CHECK(map::operation_name(127).empty());
  }
  SUBCASE("AC version 3") {
    auto spec = menu_spec();
    spec.ac_version = 3;
    auto d = prepare(spec);
    REQUIRE(d);
    CHECK(tcap::decode_message(d->begin)->dialogue->ac_dotted() == "0.4.0.0.1.0.19.3");
  }
}

TEST_CASE("the table bounds concurrency and a refused send is an outcome") {
  FakeSender net;
  Recorder obs;
  Initiator eng(InitiatorConfig{2, false}, net, obs);
  auto d = prepare(menu_spec());
  auto t = Clock::now();
  CHECK(eng.start(*d, 0, t));
  CHECK(eng.start(*d, 0, t));
  CHECK_FALSE(eng.start(*d, 0, t));  // full
  CHECK(eng.active() == 2);
  Initiator eng2(InitiatorConfig{2, false}, net, obs);
  net.refuse = true;
  CHECK_FALSE(eng2.start(*d, 0, t));
  REQUIRE(obs.outcomes.size() == 1);
  CHECK(obs.outcomes[0].kind == OutcomeKind::kSendFailed);
  CHECK(eng2.active() == 0);
}
