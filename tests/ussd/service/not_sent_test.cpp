// What the record says is what happened on the wire (issue 7 item 13): when
// the SS7 sender refuses the answer (the link is down), the session is
// recorded `not_sent` and its step has no action, whatever the gateway meant
// to send (final text, prompt, fallback, refusal).
#include <doctest/doctest.h>

#include "gateway_fixture.h"

using namespace ussdsvc_test;
using storage::SessionOutcome;
using storage::StepOutcome;

namespace {

constexpr std::uint32_t kOtid = 0x0a0b0c01;

// Begins a dialogue with the link down and runs until the service has
// closed the session it opened for it.
void begin_with_link_down(TestGateway& gw, const BeginSpec& spec = {}) {
  gw.link_down = true;
  gw.begin(kOtid, spec);
  REQUIRE_MESSAGE(gw.run_until([&] { return gw.service->stats().begins == 1 && gw.service->stats().open_sessions == 0; }),
                  "the session was not closed");
  CHECK(gw.sent.empty());
  CHECK(gw.layer().stats().open == 0);
  // Counted as not sent, not as a dialogue the network took away.
  CHECK(gw.service->stats().not_sent == 1);
  CHECK(gw.service->stats().aborted == 0);
}

// Customer "acme" answers "OK" at once for *100.
FakeCustomer& start_with_answering_customer(TestGateway& gw) {
  auto& demo = gw.demo(Behaviour::AnswerAtOnce);
  gw.add_customer("acme", demo.url());
  gw.route_service_code("*100", "acme");
  gw.start();
  return demo;
}

}  // namespace

TEST_CASE("when the final text cannot be sent then the session is recorded not_sent, not completed") {
  TestGateway gw;
  auto& demo = start_with_answering_customer(gw);

  begin_with_link_down(gw);
  CHECK(demo.stats().requests == 1);
  CHECK(gw.session(1).outcome == SessionOutcome::NotSent);
  auto steps = gw.steps(1);
  REQUIRE(steps.size() == 1);
  CHECK(steps[0].outcome == StepOutcome::Answered);  // the customer did answer
  CHECK_FALSE(steps[0].action.has_value());          // nothing went out
  CHECK_FALSE(steps[0].response_text.has_value());
  CHECK(gw.logged("Final answer not sent"));
}

TEST_CASE("when the customer is down and the fallback cannot be sent then the session is not_sent, not fallback") {
  TestGateway gw;
  auto& c = gw.add_customer("acme", gw.dead_url());
  c.fallback.map_error = "systemFailure";
  gw.route_service_code("*100", "acme");
  gw.start();

  begin_with_link_down(gw);
  CHECK(gw.session(1).outcome == SessionOutcome::NotSent);
  auto steps = gw.steps(1);
  REQUIRE(steps.size() == 1);
  CHECK(steps[0].outcome == StepOutcome::ConnectFailed);
  CHECK_FALSE(steps[0].action.has_value());
  CHECK_FALSE(steps[0].map_error.has_value());
}

TEST_CASE("when the customer's prompt cannot be sent then the session is not_sent") {
  TestGateway gw;
  gw.add_customer("acme", gw.scripted_url(ussd::StepAnswer{ussd::StepAction::Prompt, "1 yes, 2 no", std::nullopt}));
  gw.route_service_code("*100", "acme");
  gw.start();

  begin_with_link_down(gw);
  CHECK(gw.session(1).outcome == SessionOutcome::NotSent);
  auto steps = gw.steps(1);
  REQUIRE(steps.size() == 1);
  CHECK_FALSE(steps[0].action.has_value());
  CHECK_FALSE(steps[0].response_text.has_value());
  CHECK(gw.logged("Prompt not sent, session closed"));
}

TEST_CASE("when a refusal cannot be sent then the session is not_sent, not refused") {
  TestGateway gw;
  start_with_answering_customer(gw);

  gw.link_down = true;
  gw.begin(kOtid, BeginSpec().dialling("*555#"));  // no route
  gw.io.poll();
  CHECK(gw.sent.empty());
  CHECK(gw.session(1).outcome == SessionOutcome::NotSent);
  CHECK(gw.service->stats().refused == 1);
  CHECK(gw.service->stats().not_sent == 1);
  CHECK(gw.service->stats().aborted == 0);
  auto step = gw.steps(1).at(0);
  CHECK(step.outcome == StepOutcome::NotRelayed);
  CHECK_FALSE(step.action.has_value());
}

TEST_CASE("when the link is up again then the next session is answered and recorded as usual") {
  TestGateway gw;
  start_with_answering_customer(gw);

  begin_with_link_down(gw);
  gw.link_down = false;
  gw.begin(kOtid + 1);
  Sent end = gw.wait_sent(1);
  CHECK(end.type == tcap::MessageType::End);
  CHECK(gw.session(1).outcome == SessionOutcome::NotSent);
  CHECK(gw.session(2).outcome == SessionOutcome::Completed);
  CHECK(gw.service->stats().not_sent == 1);
}
