// The USSD step's JSON without sockets: request JSON, answer validation.
#include <chrono>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "ussd/service/step_codec.h"

using namespace ussdgw::ussd;
using ussdgw::SessionId;

namespace {

StepRequest step_one() {
  StepRequest r;
  r.session = SessionId{163};
  r.step = StepNumber{1};
  r.imsi = ussdgw::Imsi{ussdgw::Digits("234150000000001")};
  r.service_code = "*100#";
  r.text = "*100#";
  r.dcs = 0x0f;
  r.calling_gt = GlobalTitle{ussdgw::Digits("447700900100")};
  r.called_gt = GlobalTitle{ussdgw::Digits("447700900999")};
  r.received_at = std::chrono::system_clock::time_point{} + std::chrono::milliseconds(1'714'564'800'250);
  return r;
}

std::string reason_of(std::string_view body) {
  auto r = parse_step_answer(body);
  REQUIRE_FALSE(r.ok());
  return r.error();
}

}  // namespace

TEST_CASE("request body carries every documented field, missing MSISDN as null") {
  auto req = encode_step_request(step_one(), "gw1-");
  CHECK(req.idempotency_key == "gw1-163-1");
  auto j = nlohmann::json::parse(req.body);
  CHECK(j["version"] == 1);
  CHECK(j["session_id"] == "gw1-163");
  CHECK(j["step"] == 1);
  CHECK(j["imsi"] == "234150000000001");
  CHECK(j["msisdn"].is_null());
  CHECK(j["service_code"] == "*100#");
  CHECK(j["text"] == "*100#");
  CHECK(j["dcs"] == 15);
  CHECK(j["network"]["calling_gt"] == "447700900100");
  CHECK(j["network"]["called_gt"] == "447700900999");
  CHECK(j["time"] == "2024-05-01T12:00:00.250Z");
}

TEST_CASE("request body round-trips through the demo server's parser, UTF-8 text intact") {
  StepRequest r = step_one();
  r.text = "Баланс ✓";
  auto received = parse_step_request(encode_step_request(r, "gw1-").body);
  REQUIRE(received.ok());
  CHECK(received->session_id == "gw1-163");
  const StepRequest* back = &received->request;
  CHECK(back->step == r.step);
  CHECK(back->imsi == r.imsi);
  CHECK_FALSE(back->msisdn.has_value());
  CHECK(back->text == r.text);
  CHECK(back->received_at == r.received_at);
  CHECK(back->called_gt == r.called_gt);
}

TEST_CASE("idempotency key is session-step") {
  CHECK(session_label("gw1-", SessionId{163}) == "gw1-163");
  CHECK(idempotency_key("gw1-163", StepNumber{2}) == "gw1-163-2");
}

TEST_CASE("valid answers: reply, prompt, release with and without error") {
  auto reply = parse_step_answer(R"({"action":"reply","text":"Your balance is 42"})");
  REQUIRE(reply.ok());
  CHECK(reply->action == StepAction::Reply);
  CHECK(reply->text == "Your balance is 42");

  auto prompt = parse_step_answer(R"({"action":"prompt","text":"1. Balance 2. Profile"})");
  REQUIRE(prompt.ok());
  CHECK(prompt->action == StepAction::Prompt);

  auto release = parse_step_answer(R"({"action":"release","error":"ussd-Busy"})");
  REQUIRE(release.ok());
  CHECK(release->action == StepAction::Release);
  CHECK(release->error == MapErrorName::UssdBusy);

  auto empty_release = parse_step_answer(R"({"action":"release","text":"","error":null})");
  REQUIRE(empty_release.ok());
  CHECK_FALSE(empty_release->error.has_value());
}

TEST_CASE("answers that break the schema are refused with a reason") {
  CHECK(reason_of("<html>").find("not JSON") != std::string::npos);
  CHECK(reason_of("[1,2]").find("not a JSON object") != std::string::npos);
  CHECK(reason_of(R"({"text":"x"})").find("'action' missing") != std::string::npos);
  CHECK(reason_of(R"({"action":7})").find("not a string") != std::string::npos);
  CHECK(reason_of(R"({"action":"dance","text":"x"})").find("\"dance\"") != std::string::npos);
  CHECK(reason_of(R"({"action":"reply"})").find("non-empty 'text'") != std::string::npos);
  CHECK(reason_of(R"({"action":"prompt","text":""})").find("non-empty 'text'") != std::string::npos);
  CHECK(reason_of(R"({"action":"reply","text":"x","error":"systemFailure"})").find("only allowed with 'release'") !=
        std::string::npos);
  CHECK(reason_of(R"({"action":"release","error":"teapot"})").find("\"teapot\"") != std::string::npos);
  CHECK(reason_of(R"({"action":"release","text":"bye"})").find("carries no text") != std::string::npos);
  CHECK(reason_of(R"({"action":"release","eror":"systemFailure"})").find("unknown key \"eror\"") != std::string::npos);
  CHECK(reason_of(std::string(R"({"action":"reply","text":")") + std::string(183, 'a') + "\"}").find("183") !=
        std::string::npos);
  CHECK(reason_of("{\"action\":\"reply\",\"text\":\"\xff\xfe\"}").find("not JSON") != std::string::npos);
  // A number no double holds makes nlohmann throw out_of_range, not
  // parse_error: it used to escape and end the gateway (fuzz_step_answer).
  CHECK(reason_of("2e29919").find("not JSON") != std::string::npos);
  CHECK(reason_of(R"({"action":"reply","text":"x","n":1e99999})").find("not JSON") != std::string::npos);
}

TEST_CASE("182 characters is the longest text accepted, counted in characters not octets") {
  std::string text;
  for (int i = 0; i < 182; ++i) text += "é";  // 2 octets each
  auto r = parse_step_answer(nlohmann::json{{"action", "reply"}, {"text", text}}.dump());
  CHECK(r.ok());
}

TEST_CASE("answer encoding round-trips") {
  StepAnswer a{StepAction::Release, "", MapErrorName::UnexpectedDataValue};
  auto back = parse_step_answer(encode_step_answer(a));
  REQUIRE(back.ok());
  CHECK(back.value() == a);
}

TEST_CASE("what a customer wrote comes back in a reason only quoted: no newline, no raw invalid UTF-8") {
  // A forged log line in an action value, a key name and an error value.
  const std::string forged = "\nussd NOTICE imsi=001010000000001: forged";
  for (const std::string& body :
       {nlohmann::json{{"action", forged}, {"text", "x"}}.dump(),
        nlohmann::json{{"action", "reply"}, {"text", "x"}, {forged, 1}}.dump(),
        nlohmann::json{{"action", "release"}, {"error", forged}}.dump(),
        std::string("{\"action\":\"reply\",\"text\":\"\xff\n\"}"),
        std::string("{\"action\n\xc3\x28")}) {
    const std::string why = reason_of(body);
    CAPTURE(why);
    CHECK(why.find('\n') == std::string::npos);
    CHECK(why.find('\xff') == std::string::npos);
    CHECK(why.find('\xc3') == std::string::npos);
  }
  CHECK(reason_of(nlohmann::json{{"action", forged}, {"text", "x"}}.dump())
            .find("\"\\nussd NOTICE imsi=001010000000001: forged\"") != std::string::npos);
}
