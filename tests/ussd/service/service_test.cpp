// USSD pull stories (DESIGN.md flow 1): an MSC opens a dialogue with
// processUnstructuredSS-Request, the gateway asks the customer and answers.
// Each story checks what went out on the SS7 side and what was recorded in
// the SQLite file.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "gateway_fixture.h"

using namespace ussdsvc_test;
using storage::SessionOutcome;
using storage::StepAction;
using storage::StepOutcome;

namespace {

constexpr std::uint32_t kOtid = 0x0a0b0c01;

}  // namespace

TEST_CASE("when the customer replies at once then the subscriber gets the text in an END") {
  TestGateway gw;
  auto& demo = gw.demo(Behaviour::AnswerAtOnce);
  gw.add_customer("acme", demo.url());
  gw.route_service_code("*100", "acme");
  gw.start();

  gw.begin(kOtid);
  Sent end = gw.wait_sent(1);

  CHECK(end.type == tcap::MessageType::End);
  CHECK(end.dtid == kOtid);
  CHECK(end.has_aare);  // first answer of the dialogue: AARE accepted
  CHECK(end.component == tcap::ComponentType::ReturnResultLast);
  CHECK(end.op == 59);
  CHECK(end.dcs == 0x0f);
  CHECK(end.text == "OK");

  auto body = nlohmann::json::parse(demo.last_request()->body);
  CHECK(body["session_id"] == "gw-1");
  CHECK(body["step"] == 1);
  CHECK(body["imsi"] == kImsi);
  CHECK(body["msisdn"] == kMsisdn);
  CHECK(body["service_code"] == "*100#");
  CHECK(body["text"] == "*100#");

  auto s = gw.session(1);
  CHECK(s.outcome == SessionOutcome::Completed);
  REQUIRE(s.start.customer.has_value());
  CHECK(s.start.customer->value == "acme");
  CHECK(s.start.imsi->digits == std::string_view(kImsi));
  CHECK(s.start.msisdn->digits == std::string_view(kMsisdn));
  CHECK(s.start.service_code == "*100#");
  CHECK(s.start.calling_gt == std::string_view(kMscGt));
  CHECK(s.start.called_gt == std::string_view(kGatewayGt));
  CHECK(s.start.tcap_otid == *TransactionId::from_bytes(tcap::TransactionId::from_u32(kOtid).bytes()));
  auto steps = gw.steps(1);
  REQUIRE(steps.size() == 1);
  CHECK(steps[0].step == 1);
  CHECK(steps[0].request_text == "*100#");
  CHECK(steps[0].dcs == 0x0f);
  CHECK(steps[0].action == StepAction::Reply);
  CHECK(steps[0].response_text == std::optional<std::string>("OK"));
  CHECK(steps[0].outcome == StepOutcome::Answered);
  CHECK(steps[0].customer_latency.has_value());
  CHECK_FALSE(steps[0].map_error.has_value());
  CHECK(gw.service->stats().open_sessions == 0);
  CHECK(gw.layer().stats().open == 0);
}

TEST_CASE("when the customer prompts then the subscriber's answer goes to the same session as step 2") {
  TestGateway gw;
  auto& demo = gw.demo(Behaviour::Menu);
  gw.add_customer("acme", demo.url());
  gw.cfg.ussd.default_customer = "acme";
  gw.start();

  gw.begin(kOtid, BeginSpec().without_msisdn().with_origination("447700900777"));
  Sent prompt = gw.wait_sent(1);
  CHECK(prompt.type == tcap::MessageType::Continue);
  CHECK(prompt.dtid == kOtid);
  CHECK(prompt.has_aare);
  CHECK(prompt.component == tcap::ComponentType::Invoke);
  CHECK(prompt.op == 60);
  CHECK(prompt.text == customer_demo::kDemoMenuPrompt);
  // The MSISDN came from MAP-OPEN originationReference this time.
  CHECK(nlohmann::json::parse(demo.last_request()->body)["msisdn"] == "447700900777");

  gw.answer_prompt(kOtid, prompt, "1");
  Sent end = gw.wait_sent(2);
  CHECK(end.type == tcap::MessageType::End);
  CHECK_FALSE(end.has_aare);  // the dialogue was confirmed by the CONTINUE
  CHECK(end.op == 59);
  CHECK(end.text == "Your balance is 42");
  CHECK(demo.last_request()->idempotency_key == "gw-1-2");
  auto body = nlohmann::json::parse(demo.last_request()->body);
  CHECK(body["step"] == 2);
  CHECK(body["text"] == "1");
  CHECK(body["service_code"] == "*100#");

  CHECK(gw.session(1).outcome == SessionOutcome::Completed);
  CHECK(gw.session(1).start.msisdn->digits == std::string_view("447700900777"));
  auto steps = gw.steps(1);
  REQUIRE(steps.size() == 2);
  CHECK(steps[0].action == StepAction::Prompt);
  CHECK(steps[0].response_text == std::optional<std::string>(customer_demo::kDemoMenuPrompt));
  CHECK(steps[1].step == 2);
  CHECK(steps[1].request_text == "1");
  CHECK(steps[1].action == StepAction::Reply);
  CHECK(steps[1].response_text == std::optional<std::string>("Your balance is 42"));
}

TEST_CASE("when the customer is slow then the fallback text is sent inside the step deadline") {
  TestGateway gw;
  auto& demo = gw.demo(Behaviour::AnswerAtOnce);
  demo.set_delay(3s);
  gw.add_customer("acme", demo.url(), 100ms);
  gw.route_service_code("*100", "acme");
  gw.start();

  gw.begin(kOtid);
  Sent end = gw.wait_sent(1);
  CHECK(end.type == tcap::MessageType::End);
  CHECK(end.op == 59);
  CHECK(end.text == kFallbackText);
  CHECK(demo.stats().answers == 0);  // the customer's answer never came in time

  CHECK(gw.session(1).outcome == SessionOutcome::Fallback);
  auto steps = gw.steps(1);
  REQUIRE(steps.size() == 1);
  CHECK(steps[0].outcome == StepOutcome::Timeout);
  CHECK(steps[0].customer_latency == std::optional<std::chrono::milliseconds>(100ms));  // the deadline, to the ms
  CHECK(steps[0].action == StepAction::Fallback);
  CHECK(steps[0].response_text == std::optional<std::string>(kFallbackText));
  CHECK(gw.logged("imsi=234150000000001 session=gw-1 customer=acme: Customer call failed, sending the fallback. Cause: "));
}

TEST_CASE("when the customer is down then its configured fallback MAP error is sent") {
  TestGateway gw;
  auto& c = gw.add_customer("acme", gw.dead_url());
  c.fallback.map_error = "systemFailure";
  gw.route_service_code("*100", "acme");
  gw.start();

  gw.begin(kOtid);
  Sent end = gw.wait_sent(1);
  CHECK(end.type == tcap::MessageType::End);
  CHECK(end.component == tcap::ComponentType::ReturnError);
  CHECK(end.error == 34);

  CHECK(gw.session(1).outcome == SessionOutcome::Fallback);
  auto steps = gw.steps(1);
  REQUIRE(steps.size() == 1);
  CHECK(steps[0].outcome == StepOutcome::ConnectFailed);
  CHECK(steps[0].action == StepAction::Fallback);
  CHECK(steps[0].map_error == std::optional<std::uint8_t>(34));
  CHECK_FALSE(steps[0].response_text.has_value());
}

TEST_CASE("when the customer answers garbage then the fallback text is sent") {
  TestGateway gw;
  auto& demo = gw.demo(Behaviour::Garbage);
  gw.add_customer("acme", demo.url());
  gw.route_service_code("*100", "acme");
  gw.start();

  gw.begin(kOtid);
  Sent end = gw.wait_sent(1);
  CHECK(end.text == kFallbackText);
  CHECK(gw.session(1).outcome == SessionOutcome::Fallback);
  CHECK(gw.steps(1).at(0).outcome == StepOutcome::BadResponse);
}

TEST_CASE("when the customer's text needs UCS2 and fits then it goes out under DCS 0x48") {
  TestGateway gw;
  const std::string text = "Баланс: 42 ₽";
  gw.add_customer("acme", gw.scripted_url(ussd::StepAnswer{ussd::StepAction::Reply, text, std::nullopt}));
  gw.route_service_code("*100", "acme");
  gw.start();

  gw.begin(kOtid);
  Sent end = gw.wait_sent(1);
  CHECK(end.op == 59);
  CHECK(end.dcs == 0x48);
  CHECK(end.string.size() == 24);  // 12 characters, big-endian UTF-16
  CHECK(end.string[0] == 0x04);    // 'Б' U+0411
  CHECK(end.string[1] == 0x11);
  CHECK(end.text == text);
  CHECK(gw.steps(1).at(0).response_text == std::optional<std::string>(text));
}

TEST_CASE("when the customer's text is too long for a USSD string then the fallback is sent and the reason logged") {
  TestGateway gw;
  std::string text;
  for (int i = 0; i < 100; ++i) text += "Ж";  // 200 octets in UCS2, within the relay's 182 characters
  gw.add_customer("acme", gw.scripted_url(ussd::StepAnswer{ussd::StepAction::Reply, text, std::nullopt}));
  gw.route_service_code("*100", "acme");
  gw.start();

  gw.begin(kOtid);
  Sent end = gw.wait_sent(1);
  CHECK(end.op == 59);
  CHECK(end.text == kFallbackText);
  CHECK(gw.logged("customer=acme: Customer text cannot be sent, sending the fallback. Cause: "));

  CHECK(gw.session(1).outcome == SessionOutcome::Fallback);
  auto steps = gw.steps(1);
  REQUIRE(steps.size() == 1);
  CHECK(steps[0].outcome == StepOutcome::Answered);  // the customer did answer
  CHECK(steps[0].action == StepAction::Fallback);
  CHECK(steps[0].response_text == std::optional<std::string>(kFallbackText));
}

TEST_CASE("when the network aborts mid-step then the customer call is cancelled and the session recorded aborted") {
  TestGateway gw;
  auto& demo = gw.demo(Behaviour::AnswerAtOnce);
  demo.set_delay(10s);
  gw.add_customer("acme", demo.url(), 4s);
  gw.route_service_code("*100", "acme");
  gw.start();

  gw.begin(kOtid);
  REQUIRE(gw.run_until([&] { return demo.stats().requests == 1; }));
  // Our transaction id is not visible before we answer; the layer has one
  // dialogue open, and its id is what the session recorded as tcap_dtid.
  gw.store->flush();
  auto opened = gw.store->get_session(SessionId{1});
  REQUIRE(opened.has_value());
  REQUIRE(opened->start.tcap_dtid.has_value());
  std::uint32_t our_tid = 0;
  for (auto o : opened->start.tcap_dtid->bytes()) our_tid = our_tid << 8 | o;

  gw.network_u_abort(our_tid);
  // The cancelled call frees its connection (the relay's tests show the customer sees the hang-up).
  CHECK(demo.stats().cancelled == 1);
  CHECK(gw.sent.empty());  // nothing goes to a dialogue the network aborted
  CHECK(demo.stats().answers == 0);

  auto s = gw.session(1);
  CHECK(s.outcome == SessionOutcome::AbortedByNetwork);
  auto steps = gw.steps(1);
  REQUIRE(steps.size() == 1);
  CHECK(steps[0].outcome == StepOutcome::Cancelled);
  CHECK_FALSE(steps[0].action.has_value());
  CHECK(gw.service->stats().open_sessions == 0);
}

TEST_CASE("when the subscriber's handset refuses the prompt then the PUSSR ends with systemFailure") {
  TestGateway gw;
  auto& demo = gw.demo(Behaviour::Menu);
  gw.add_customer("acme", demo.url());
  gw.route_service_code("*100", "acme");
  gw.start();

  gw.begin(kOtid);
  Sent prompt = gw.wait_sent(1);
  REQUIRE(prompt.op == 60);
  gw.refuse_prompt(kOtid, prompt, 72);  // ussd-Busy from the MS
  Sent end = gw.wait_sent(2);
  CHECK(end.type == tcap::MessageType::End);
  CHECK(end.error == 34);
  CHECK(gw.session(1).outcome == SessionOutcome::AbortedByNetwork);
  CHECK(gw.steps(1).size() == 1);
  CHECK(gw.logged("network returned ussd-Busy(72) for our prompt"));
}

TEST_CASE("when the subscriber never answers the prompt then the dialogue times out and is recorded so") {
  auto layer_cfg = TestGateway::layer_config();
  layer_cfg.invoke_timeout = 100ms;
  TestGateway gw(layer_cfg);
  auto& demo = gw.demo(Behaviour::Menu);
  gw.add_customer("acme", demo.url());
  gw.route_service_code("*100", "acme");
  gw.start();

  gw.begin(kOtid);
  Sent prompt = gw.wait_sent(1);
  REQUIRE(prompt.op == 60);
  Sent abort = gw.wait_sent(2);  // the layer gives up on our USSR and aborts
  CHECK(abort.type == tcap::MessageType::Abort);
  CHECK(gw.session(1).outcome == SessionOutcome::Timeout);
  CHECK(gw.steps(1).size() == 1);  // only the prompt step
  CHECK(gw.service->stats().open_sessions == 0);
  CHECK(gw.logged("Dialogue aborted, session closed"));
}

TEST_CASE("when the customer releases with an error then that MAP error ends the dialogue") {
  TestGateway gw;
  auto& demo = gw.demo(Behaviour::Menu);  // anything but *100# is released with unexpectedDataValue
  gw.add_customer("acme", demo.url());
  gw.cfg.ussd.default_customer = "acme";
  gw.start();

  gw.begin(kOtid, BeginSpec().dialling("*123#"));
  Sent end = gw.wait_sent(1);
  CHECK(end.type == tcap::MessageType::End);
  CHECK(end.component == tcap::ComponentType::ReturnError);
  CHECK(end.error == 36);
  CHECK(gw.session(1).outcome == SessionOutcome::Released);
  auto step = gw.steps(1).at(0);
  CHECK(step.action == StepAction::Release);
  CHECK(step.map_error == std::optional<std::uint8_t>(36));
}

TEST_CASE("when the customer releases without an error then the PUSSR ends with systemFailure") {
  TestGateway gw;
  gw.add_customer("acme", gw.scripted_url(ussd::StepAnswer{ussd::StepAction::Release, "", std::nullopt}));
  gw.cfg.ussd.default_customer = "acme";
  gw.start();

  gw.begin(kOtid);
  Sent end = gw.wait_sent(1);
  CHECK(end.error == 34);
  CHECK(gw.session(1).outcome == SessionOutcome::Released);
}

TEST_CASE("routing: service code, IMSI prefix and default customer, each recorded with the session") {
  TestGateway gw;
  auto& demo = gw.demo(Behaviour::AnswerAtOnce);
  gw.add_customer("bank", demo.url());
  gw.add_customer("iot", demo.url());
  gw.add_customer("other", demo.url());
  gw.route_service_code("*100*5", "bank");
  gw.route_imsi("23415", "iot");
  gw.cfg.ussd.default_customer = "other";
  gw.start();

  gw.begin(1, BeginSpec().dialling("*100*5#"));          // service code (6) beats IMSI prefix (5)
  gw.wait_sent(1);
  gw.begin(2, BeginSpec().dialling("*100#"));            // only the IMSI prefix matches
  gw.wait_sent(2);
  gw.begin(3, BeginSpec().with_imsi("262019999999999"));  // nothing matches: default
  gw.wait_sent(3);
  gw.begin(4, BeginSpec().without_imsi());  // no IMSI at all: default
  gw.wait_sent(4);

  CHECK(gw.session(1).start.customer->value == "bank");
  CHECK(gw.session(2).start.customer->value == "iot");
  CHECK(gw.session(3).start.customer->value == "other");
  CHECK(gw.session(4).start.customer->value == "other");
  CHECK_FALSE(gw.session(4).start.imsi.has_value());
  for (int i = 1; i <= 4; ++i) CHECK(gw.session(i).outcome == SessionOutcome::Completed);
}

TEST_CASE("when no route and no default customer serve the string then the BEGIN is refused") {
  TestGateway gw;
  auto& demo = gw.demo(Behaviour::AnswerAtOnce);
  gw.add_customer("acme", demo.url());
  gw.route_service_code("*100", "acme");
  gw.start();

  gw.begin(kOtid, BeginSpec().dialling("*555#"));
  Sent end = gw.wait_sent(1);
  CHECK(end.type == tcap::MessageType::End);
  CHECK(end.has_aare);
  CHECK(end.error == 34);  // ServiceOptions::no_route_error, systemFailure by default
  CHECK(demo.stats().requests == 0);

  auto s = gw.session(1);
  CHECK(s.outcome == SessionOutcome::Refused);
  CHECK_FALSE(s.start.customer.has_value());
  CHECK(s.start.service_code == "*555#");
  auto step = gw.steps(1).at(0);
  CHECK(step.outcome == StepOutcome::NotRelayed);
  CHECK(step.action == StepAction::Release);
  CHECK(step.map_error == std::optional<std::uint8_t>(34));
  CHECK(gw.logged("Refusing the USSD request with systemFailure. Cause: no route"));
}

TEST_CASE("when the USSD string is in an alphabet we cannot read then unknownAlphabet is answered") {
  TestGateway gw;
  gw.add_customer("acme", gw.dead_url());
  gw.cfg.ussd.default_customer = "acme";
  gw.start();

  // DCS 0x44: 8-bit data (TS 23.038 §5), no character set to read it with.
  gw.begin(kOtid, BeginSpec().with_raw_string(ussd::Dcs{0x44}, {0x2a, 0x31, 0x23}));
  Sent end = gw.wait_sent(1);
  CHECK(end.error == 71);
  CHECK(gw.session(1).outcome == SessionOutcome::Refused);
}

TEST_CASE("when the USSD-Arg does not decode then it is rejected as mistypedParameter; when missing, dataMissing") {
  TestGateway gw;
  gw.add_customer("acme", gw.dead_url());
  gw.cfg.ussd.default_customer = "acme";
  gw.start();

  gw.begin(1, BeginSpec().with_raw_parameter({0x30, 0x03, 0x04, 0x01, 0x0f}));  // no string
  Sent rejected = gw.wait_sent(1);
  CHECK(rejected.type == tcap::MessageType::End);
  CHECK(rejected.has_aare);
  CHECK(rejected.component == tcap::ComponentType::Reject);
  CHECK(rejected.invoke_id == std::optional<std::int8_t>(1));
  CHECK(rejected.problem_type == tcap::ProblemType::Invoke);
  CHECK(rejected.problem == static_cast<std::uint8_t>(tcap::InvokeProblem::MistypedParameter));
  CHECK(gw.logged("Rejecting the invoke with mistypedParameter. Cause: USSD-Arg: "));
  gw.begin(2, BeginSpec().with_raw_parameter({}));  // invoke without parameter
  CHECK(gw.wait_sent(2).error == 35);
  CHECK(gw.session(1).outcome == SessionOutcome::Refused);
  auto step = gw.steps(1).at(0);
  CHECK(step.outcome == StepOutcome::NotRelayed);
  CHECK_FALSE(step.action.has_value());  // a Reject is no MAP answer
  CHECK_FALSE(step.map_error.has_value());
  CHECK(gw.session(2).outcome == SessionOutcome::Refused);
  CHECK(gw.steps(2).at(0).map_error == std::optional<std::uint8_t>(35));
}

TEST_CASE("when a BEGIN carries an operation other than processUnstructuredSS-Request then it is rejected") {
  TestGateway gw;
  gw.add_customer("acme", gw.dead_url());
  gw.cfg.ussd.default_customer = "acme";
  gw.start();

  gw.begin(kOtid, BeginSpec().with_op(60));  // a network-initiated USSR to the gsmSCF
  Sent end = gw.wait_sent(1);
  CHECK(end.type == tcap::MessageType::End);
  CHECK(end.dtid == kOtid);
  CHECK(end.has_aare);
  CHECK(end.component == tcap::ComponentType::Reject);
  CHECK(end.invoke_id == std::optional<std::int8_t>(1));
  CHECK(end.problem_type == tcap::ProblemType::Invoke);
  CHECK(end.problem == static_cast<std::uint8_t>(tcap::InvokeProblem::UnrecognizedOperation));
  CHECK(gw.logged("Rejecting the invoke with unrecognizedOperation. Cause: op 60"));
  CHECK(gw.session(1).outcome == SessionOutcome::Refused);
  CHECK(gw.layer().stats().rejects_sent == 1);
}

TEST_CASE("when the dialogue bound is reached then ussd.busy_text is the answer, or ussd-Busy without one") {
  dialogue::Config lc = TestGateway::layer_config();
  lc.max_dialogues = 1;
  TestGateway gw(lc);
  auto& demo = gw.demo(Behaviour::AnswerAtOnce);
  demo.set_delay(300ms);  // holds the one dialogue open while the next BEGIN comes
  gw.add_customer("acme", demo.url());
  gw.cfg.ussd.default_customer = "acme";
  std::string busy_text;
  SUBCASE("busy_text set: END + ReturnResultLast(59) USSD-Res with it") { busy_text = "Busy, try in 5 min"; }
  SUBCASE("busy_text empty: END + ReturnError ussd-Busy(72)") {}
  gw.cfg.ussd.busy_text = busy_text;
  gw.start();

  gw.begin(1);
  REQUIRE(gw.run_until([&] { return demo.stats().requests == 1; }));
  gw.begin(2, BeginSpec().dialling("*100*9#"));
  Sent busy = gw.wait_sent(1);
  CHECK(busy.type == tcap::MessageType::End);
  CHECK(busy.dtid == std::optional<std::uint32_t>(2));
  CHECK(busy.has_aare);
  if (busy_text.empty()) {
    CHECK(busy.component == tcap::ComponentType::ReturnError);
    CHECK(busy.error == 72);
  } else {
    CHECK(busy.component == tcap::ComponentType::ReturnResultLast);
    CHECK(busy.op == 59);
    CHECK(busy.dcs == 0x0f);
    CHECK(busy.text == busy_text);
  }
  // An operation the service does not serve is rejected as outside overload.
  gw.begin(3, BeginSpec().with_op(61));
  Sent rejected = gw.wait_sent(2);
  CHECK(rejected.component == tcap::ComponentType::Reject);
  CHECK(rejected.problem == static_cast<std::uint8_t>(tcap::InvokeProblem::UnrecognizedOperation));
  CHECK(gw.layer().stats().begins_busy == 2);

  Sent end = gw.wait_sent(3);  // the dialogue that held the slot ends normally
  CHECK(end.dtid == std::optional<std::uint32_t>(1));
  CHECK(end.text == "OK");
  CHECK(demo.stats().requests == 1);
}

TEST_CASE("ussd.no_route_error from the config answers an unrouted BEGIN; ServiceOptions overrides it") {
  TestGateway gw;
  gw.add_customer("acme", gw.dead_url());
  gw.route_service_code("*100", "acme");
  gw.cfg.ussd.no_route_error = "callBarred";
  gw.start();
  gw.begin(1, BeginSpec().dialling("*555#"));
  CHECK(gw.wait_sent(1).error == 13);
  CHECK(gw.steps(1).at(0).map_error == std::optional<std::uint8_t>(13));
  CHECK(gw.logged("Refusing the USSD request with callBarred. Cause: no route"));

  gw.service.reset();
  ussd::ServiceOptions o;
  o.no_route_error = map::MapError::UnexpectedDataValue;
  o.make_channel = [&gw](const ussd::CustomerConfig& cc) -> Expected<std::unique_ptr<relay::CustomerChannel>, std::string> {
    return std::unique_ptr<relay::CustomerChannel>(new FakeChannel(*gw.fakes.at(0), CustomerId{cc.id}));
  };
  auto s = ussd::Service::create(gw.io, gw.clock, gw.cfg, gw.layer(), *gw.store, std::move(o));
  REQUIRE(s.ok());
  gw.service = std::move(s).value();
  gw.begin(2, BeginSpec().dialling("*555#"));
  CHECK(gw.wait_sent(2).error == 36);
}

TEST_CASE("when the gateway stops then running steps finish and later BEGINs are turned away") {
  TestGateway gw;
  auto& demo = gw.demo(Behaviour::AnswerAtOnce);
  demo.set_delay(200ms);
  gw.add_customer("acme", demo.url());
  gw.cfg.ussd.default_customer = "acme";
  gw.start();

  gw.begin(1);
  REQUIRE(gw.run_until([&] { return demo.stats().requests == 1; }));
  bool done = false;
  gw.service->shutdown([&] { done = true; });
  gw.begin(2);  // refused by the layer (P-Abort resourceLimitation)
  Sent refused = gw.wait_sent(1);
  CHECK(refused.type == tcap::MessageType::Abort);

  Sent end = gw.wait_sent(2);
  CHECK(end.type == tcap::MessageType::End);
  CHECK(end.text == "OK");
  REQUIRE(gw.run_until([&] { return done; }));
  CHECK(gw.session(1).outcome == SessionOutcome::Completed);
}

TEST_CASE("a fallback that cannot be sent is a configuration error at start") {
  TestGateway gw;
  auto& c = gw.add_customer("acme", gw.dead_url());
  c.fallback.text = std::string(200, 'x');
  auto s = ussd::Service::create(gw.io, gw.clock, gw.cfg, gw.layer(), *gw.store);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().find("customers[0].fallback.text") != std::string::npos);

  gw.cfg.customers[0].fallback.map_error = "noSuchError";
  auto s2 = ussd::Service::create(gw.io, gw.clock, gw.cfg, gw.layer(), *gw.store);
  REQUIRE_FALSE(s2.ok());
  CHECK(s2.error().find("customers[0].fallback.map_error") != std::string::npos);

  // A TS 29.002 error op 59 may not return (absentSubscriber belongs to op 60).
  gw.cfg.customers[0].fallback.map_error = "absentSubscriber";
  auto s3 = ussd::Service::create(gw.io, gw.clock, gw.cfg, gw.layer(), *gw.store);
  REQUIRE_FALSE(s3.ok());
  CHECK(s3.error().find("one of systemFailure, dataMissing") != std::string::npos);

  gw.cfg.customers[0].fallback.map_error = "ussd-Busy";
  gw.cfg.ussd.no_route_error = "nope";
  auto s4 = ussd::Service::create(gw.io, gw.clock, gw.cfg, gw.layer(), *gw.store);
  REQUIRE_FALSE(s4.ok());
  CHECK(s4.error().rfind("ussd.no_route_error: 'nope'", 0) == 0);

  gw.cfg.ussd.no_route_error = "systemFailure";
  gw.cfg.ussd.busy_text = std::string(81, '\xd0');  // not UTF-8
  auto s5 = ussd::Service::create(gw.io, gw.clock, gw.cfg, gw.layer(), *gw.store);
  REQUIRE_FALSE(s5.ok());
  CHECK(s5.error().rfind("ussd.busy_text: cannot be sent as a USSD string", 0) == 0);
}

// The per-dialogue memory budget is a compile-time fact (static_assert in
// Service::state_bytes_per_session and next to the layer's Slot); the real
// figure, heap included, comes from bench/load_bench.sh.

TEST_CASE("when the customer writes a log line into its answer then it is logged as one escaped line") {
  TestGateway gw;
  auto& demo = gw.demo();
  const std::string forged = "\nussd NOTICE imsi=001010000000001 session=gw-9 customer=acme: forged";
  demo.set_raw_json(nlohmann::json{{"action", forged}, {"text", "x\xff"}}.dump(-1, ' ', false,
                                                                              nlohmann::json::error_handler_t::ignore));
  gw.add_customer("acme", demo.url());
  gw.route_service_code("*100", "acme");
  gw.start();

  gw.begin(kOtid);
  Sent end = gw.wait_sent(1);
  CHECK(end.text == kFallbackText);
  CHECK(gw.steps(1).at(0).outcome == StepOutcome::BadResponse);
  int lines = 0;
  for (const auto& l : gw.logs) {
    CHECK(l.find('\n') == std::string::npos);
    if (l.find("forged") == std::string::npos) continue;
    ++lines;
    CHECK(l.rfind("ussd NOTICE imsi=234150000000001 session=gw-1 customer=acme: Customer call failed", 0) == 0);
    CHECK(l.find("\"\\nussd NOTICE imsi=001010000000001") != std::string::npos);
  }
  CHECK(lines == 1);

  // Invalid UTF-8 and a forged key name, each in its own dialogue.
  for (const std::string& body : {std::string("{\"action\":\"reply\",\"text\":\"\xc3\x28\"}"),
                                  std::string("{\"action\":\"reply\",\"text\":\"x\",\"\\nfake\\u0000\":1}")}) {
    gw.logs.clear();
    demo.set_raw_json(body);
    gw.begin(kOtid + 1 + static_cast<std::uint32_t>(gw.sent.size()));
    gw.wait_sent(gw.sent.size() + 1);
    REQUIRE_FALSE(gw.logs.empty());
    for (const auto& l : gw.logs) {
      CHECK(l.find('\n') == std::string::npos);
      CHECK(l.find('\0') == std::string::npos);
      CHECK(l.find("\xc3\x28") == std::string::npos);
    }
  }
}

TEST_CASE("the customer's think time is recorded as the step's latency, to the millisecond, on the service's clock") {
  TestGateway gw;
  auto& demo = gw.demo(Behaviour::AnswerAtOnce);
  demo.set_delay(1999ms);  // one millisecond inside the 2 s deadline
  gw.add_customer("acme", demo.url(), 2s);
  gw.route_service_code("*100", "acme");
  gw.start();

  const auto wall_before = gw.clock.wall_now();
  gw.begin(kOtid);
  Sent end = gw.wait_sent(1);
  CHECK(end.text == "OK");
  auto steps = gw.steps(1);
  REQUIRE(steps.size() == 1);
  CHECK(steps[0].outcome == StepOutcome::Answered);
  CHECK(steps[0].customer_latency == std::optional<std::chrono::milliseconds>(1999ms));
  CHECK(gw.session(1).start.started_at == wall_before);  // records carry the clock's wall time
}
