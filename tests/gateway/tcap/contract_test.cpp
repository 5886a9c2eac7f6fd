// The layer's promises to its TC users and to instances sharing a service
// address: a request says whether its message was handed on, and every
// transaction id names the instance that allocated it.
#include "fixture.h"

using namespace dlg_test;
using ussdgw::dialogue::Config;

namespace {

// Each request of the TC-user interface, on dialogue `id`.
struct Request {
  const char* name;
  std::function<bool(dialogue::DialogueLayer&, LocalTid)> call;
};
std::vector<Request> requests() {
  return {
      {"continue_invoke",
       [](dialogue::DialogueLayer& l, LocalTid id) { return l.continue_invoke(id, tcap::OpCode::make_local(60), kUssdArg); }},
      {"end_result",
       [](dialogue::DialogueLayer& l, LocalTid id) {
         return l.end_result(id, tcap::InvokeId{1}, tcap::OpCode::make_local(59), kUssdRes);
       }},
      {"end_error",
       [](dialogue::DialogueLayer& l, LocalTid id) {
         return l.end_error(id, tcap::InvokeId{1}, map::MapError::SystemFailure);
       }},
      {"end_reject",
       [](dialogue::DialogueLayer& l, LocalTid id) {
         return l.end_reject(id, tcap::InvokeId{1}, tcap::InvokeProblem::UnrecognizedOperation);
       }},
      {"u_abort",
       [](dialogue::DialogueLayer& l, LocalTid id) { return l.u_abort(id, map::UserAbortChoice::UserSpecificReason); }},
  };
}

}  // namespace

TEST_CASE("a request returns true when the Sender took its message") {
  for (const auto& r : requests()) {
    CAPTURE(r.name);
    Fixture f;
    auto id = f.open(0x100);
    CHECK(r.call(*f.layer, id));
    CHECK(f.sent.size() == 1);
  }
}

TEST_CASE("a request returns false when the Sender refuses its message, and the dialogue is gone") {
  for (const auto& r : requests()) {
    CAPTURE(r.name);
    Fixture f;
    auto id = f.open(0x200);
    f.send_ok = false;
    CHECK_FALSE(r.call(*f.layer, id));
    CHECK(f.layer->stats().send_failures == 1);
    CHECK(f.layer->stats().open == 0);
    // Nothing more can be sent on it, even with the Sender back.
    f.send_ok = true;
    CHECK_FALSE(f.layer->end_error(id, tcap::InvokeId{1}, map::MapError::SystemFailure));
    CHECK(f.sent.empty());
  }
}

TEST_CASE("a request returns false when the dialogue no longer exists") {
  for (const auto& r : requests()) {
    CAPTURE(r.name);
    Fixture f;
    auto id = f.open(0x300);
    f.receive(encode(tcap::make_p_abort(id.wire(), tcap::PAbortCause::ResourceLimitation)));
    REQUIRE(f.user.aborts.size() == 1);
    CHECK_FALSE(r.call(*f.layer, id));
    CHECK_FALSE(r.call(*f.layer, LocalTid{0x0abcdef1}));  // never allocated
    CHECK(f.sent.empty());
  }
}

TEST_CASE("the configured instance number is in every local tid, on the wire too") {
  Config cfg;
  cfg.instance = 3;
  Fixture f(cfg);
  auto id = f.open(0x400);
  CHECK(id.instance() == 3);
  REQUIRE(f.layer->continue_invoke(id, tcap::OpCode::make_local(60), kUssdArg));
  auto m = f.last();
  REQUIRE(m.otid);
  CHECK(m.otid->size() == 4);
  CHECK((m.otid->value() >> 28) == 3u);
  CHECK(m.otid->value() == id.value);
}

TEST_CASE("a message for a dialogue of another instance takes the unknown-dialogue path") {
  Fixture f;  // instance 0
  auto id = f.open(0x500);
  CHECK(id.instance() == 0);
  // The same slot and generation under instance 7: not this instance's dialogue.
  std::uint32_t foreign = id.value | (7u << LocalTid::kInstanceShift);
  f.receive(continue_msg(0x500, foreign, {rrl(2, 60, std::nullopt)}));
  auto m = f.last();
  CHECK(m.type == tcap::MessageType::Abort);
  CHECK(*m.p_abort_cause == tcap::PAbortCause::UnrecognizedTransactionId);
  CHECK(f.layer->stats().unknown_tid == 1);
  CHECK(f.user.components.empty());
  CHECK(f.layer->stats().open == 1);  // ours is untouched
}

TEST_CASE("time is the layer's Clock: nothing fires before its deadline, however long the test takes") {
  Config cfg;
  cfg.idle_timeout = 60s;
  Fixture f(cfg);
  f.open(0x600);
  f.tick(59s);
  CHECK(f.user.aborts.empty());
  f.tick(1s);
  CHECK(f.user.aborts.size() == 1);
}
