// The component sub-layer (Q.774 §3.2.2): invoke ids, invoke timers per
// class, answers and queued Rejects.
#include <doctest/doctest.h>

#include <chrono>
#include <set>

#include "gateway/tcap/component_sublayer.h"

using namespace ussdgw;
using namespace ussdgw::dialogue;
using namespace std::chrono_literals;

namespace {
const ComponentSublayer::Time t0{std::chrono::hours(1)};
}

TEST_CASE("our invoke ids avoid the peer's and our outstanding ones, up to the bound") {
  ComponentSublayer c;
  auto cls = c.add_timer_class(30s);
  c.grow_to(2);
  c.open(0, tcap::InvokeId{1});
  std::set<std::int8_t> ids;
  for (std::uint32_t k = 0; k < kMaxPendingInvokes; ++k) {
    auto id = c.new_invoke_id(0);
    REQUIRE(id);
    CHECK(id->value != 1);
    CHECK(ids.insert(id->value).second);
    c.start_invoke(0, *id, cls, t0);
  }
  CHECK_FALSE(c.new_invoke_id(0));  // kMaxPendingInvokes outstanding
  // An answer frees one; a non-last result does not.
  CHECK(c.answer(0, tcap::InvokeId{*ids.begin()}, false));
  CHECK_FALSE(c.new_invoke_id(0));
  CHECK(c.answer(0, tcap::InvokeId{*ids.begin()}, true));
  CHECK(c.new_invoke_id(0));
  // An answer to an invoke we never sent is not accepted (the caller Rejects it).
  CHECK_FALSE(c.answer(0, tcap::InvokeId{99}, true));
  // Without a peer invoke (an initiator's first invoke), id 1 is ours to take.
  c.open(1, std::nullopt);
  CHECK(c.new_invoke_id(1)->value == 1);
}

TEST_CASE("invoke timers: one class per duration, the earliest fires first") {
  ComponentSublayer c;
  auto slow = c.add_timer_class(60s);
  auto fast = c.add_timer_class(10s);
  c.grow_to(3);
  for (std::uint32_t s = 0; s < 3; ++s) c.open(s, std::nullopt);
  c.start_invoke(0, *c.new_invoke_id(0), slow, t0);
  c.start_invoke(1, *c.new_invoke_id(1), fast, t0 + 1s);
  auto id2 = *c.new_invoke_id(2);
  c.start_invoke(2, id2, fast, t0 + 2s);
  CHECK(c.next_deadline() == t0 + 11s);
  CHECK_FALSE(c.pop_expired(t0 + 10s));
  CHECK(c.pop_expired(t0 + 11s) == 1u);
  // Answered in time: its timer is gone.
  CHECK(c.answer(2, id2, true));
  CHECK(c.next_deadline() == t0 + 60s);
  CHECK_FALSE(c.pop_expired(t0 + 59s));
  // A Reject of our invoke ends it too; closing a transaction stops the rest.
  c.close(0);
  CHECK_FALSE(c.next_deadline());
}

TEST_CASE("queued Rejects go out first, once") {
  ComponentSublayer c;
  c.add_timer_class(30s);
  c.grow_to(1);
  c.open(0, tcap::InvokeId{1});
  tcap::Reject r{tcap::InvokeId{5}, tcap::ProblemType::ReturnResult, 0};
  c.queue_reject(0, r);
  for (std::uint32_t k = 0; k < kMaxQueuedRejects + 2; ++k) c.queue_reject(0, r);  // bounded
  CHECK(c.queued_rejects(0) == kMaxQueuedRejects);
  tcap::Component extra{tcap::Invoke{tcap::InvokeId{2}, std::nullopt, tcap::OpCode::make_local(60), std::nullopt}, {}};
  auto out = c.take(0, &extra);
  REQUIRE(out.size() == kMaxQueuedRejects + 1);
  CHECK(out.front().reject());
  CHECK(out.back().invoke());
  CHECK(c.queued_rejects(0) == 0);
  CHECK(c.take(0, nullptr).empty());
}
