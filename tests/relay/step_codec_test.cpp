// The wire contract without sockets: request JSON, answer validation,
// signature, URL parsing.
#include <chrono>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "relay/http/customer_url.h"
#include "relay/http/signature.h"
#include "relay/http/step_codec.h"

using namespace ussdgw::relay;

namespace {

StepRequest step_one() {
  StepRequest r;
  r.session = SessionId{"gw1-00a3"};
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

std::string reason_of(std::string_view body, std::string_view type = "application/json") {
  auto r = parse_step_answer(type, body);
  REQUIRE_FALSE(r.ok());
  return r.error();
}

}  // namespace

TEST_CASE("request body carries every documented field, missing MSISDN as null") {
  auto j = nlohmann::json::parse(encode_step_request(step_one()));
  CHECK(j["version"] == 1);
  CHECK(j["session_id"] == "gw1-00a3");
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
  auto back = parse_step_request(encode_step_request(r));
  REQUIRE(back.ok());
  CHECK(back->session == r.session);
  CHECK(back->step == r.step);
  CHECK(back->imsi == r.imsi);
  CHECK_FALSE(back->msisdn.has_value());
  CHECK(back->text == r.text);
  CHECK(back->received_at == r.received_at);
  CHECK(back->called_gt == r.called_gt);
}

TEST_CASE("idempotency key is session-step") {
  CHECK(idempotency_key(SessionId{"gw1-00a3"}, StepNumber{2}) == "gw1-00a3-2");
}

TEST_CASE("valid answers: reply, prompt, release with and without error") {
  auto reply = parse_step_answer("application/json; charset=utf-8", R"({"action":"reply","text":"Your balance is 42"})");
  REQUIRE(reply.ok());
  CHECK(reply->action == StepAction::Reply);
  CHECK(reply->text == "Your balance is 42");

  auto prompt = parse_step_answer("Application/JSON", R"({"action":"prompt","text":"1. Balance 2. Profile"})");
  REQUIRE(prompt.ok());
  CHECK(prompt->action == StepAction::Prompt);

  auto release = parse_step_answer("application/json", R"({"action":"release","error":"ussd-Busy"})");
  REQUIRE(release.ok());
  CHECK(release->action == StepAction::Release);
  CHECK(release->error == MapErrorName::UssdBusy);

  auto empty_release = parse_step_answer("application/json", R"({"action":"release","text":"","error":null})");
  REQUIRE(empty_release.ok());
  CHECK_FALSE(empty_release->error.has_value());
}

TEST_CASE("answers that break the schema are refused with a reason") {
  CHECK(reason_of("<html>").find("not JSON") != std::string::npos);
  CHECK(reason_of(R"({"action":"reply","text":"x"})", "text/plain").find("content type") != std::string::npos);
  CHECK(reason_of("[1,2]").find("not a JSON object") != std::string::npos);
  CHECK(reason_of(R"({"text":"x"})").find("'action' missing") != std::string::npos);
  CHECK(reason_of(R"({"action":7})").find("not a string") != std::string::npos);
  CHECK(reason_of(R"({"action":"dance","text":"x"})").find("'dance'") != std::string::npos);
  CHECK(reason_of(R"({"action":"reply"})").find("non-empty 'text'") != std::string::npos);
  CHECK(reason_of(R"({"action":"prompt","text":""})").find("non-empty 'text'") != std::string::npos);
  CHECK(reason_of(R"({"action":"reply","text":"x","error":"systemFailure"})").find("only allowed with 'release'") !=
        std::string::npos);
  CHECK(reason_of(R"({"action":"release","error":"teapot"})").find("'teapot'") != std::string::npos);
  CHECK(reason_of(R"({"action":"release","text":"bye"})").find("carries no text") != std::string::npos);
  CHECK(reason_of(R"({"action":"release","eror":"systemFailure"})").find("unknown key 'eror'") != std::string::npos);
  CHECK(reason_of(std::string(R"({"action":"reply","text":")") + std::string(183, 'a') + "\"}").find("183") !=
        std::string::npos);
  CHECK(reason_of("{\"action\":\"reply\",\"text\":\"\xff\xfe\"}").find("not JSON") != std::string::npos);
}

TEST_CASE("182 characters is the longest text accepted, counted in characters not octets") {
  std::string text;
  for (int i = 0; i < 182; ++i) text += "é";  // 2 octets each
  auto r = parse_step_answer("application/json", nlohmann::json{{"action", "reply"}, {"text", text}}.dump());
  CHECK(r.ok());
}

TEST_CASE("answer encoding round-trips") {
  StepAnswer a{StepAction::Release, "", MapErrorName::UnexpectedDataValue};
  auto back = parse_step_answer("application/json", encode_step_answer(a));
  REQUIRE(back.ok());
  CHECK(back.value() == a);
}

TEST_CASE("HMAC-SHA256 matches RFC 4231 test case 2") {
  CHECK(hmac_sha256_hex("Jefe", "what do ya want for nothing?") ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("signature covers timestamp and body; any change breaks it") {
  std::string body = R"({"step":1})";
  std::string sig = sign_request("k", "1714564800", body);
  CHECK(sig == "sha256=" + hmac_sha256_hex("k", "1714564800." + body));
  CHECK(canonical_string("1714564800", body) == "1714564800." + body);
  CHECK(verify_request_signature("k", "1714564800", body, sig));
  CHECK_FALSE(verify_request_signature("k", "1714564801", body, sig));
  CHECK_FALSE(verify_request_signature("k", "1714564800", body + " ", sig));
  CHECK_FALSE(verify_request_signature("other", "1714564800", body, sig));
  CHECK_FALSE(verify_request_signature("k", "1714564800", body, ""));
}

TEST_CASE("customer URLs") {
  auto u = parse_customer_url("http://10.8.0.2:8080/ussd?v=1");
  REQUIRE(u.ok());
  CHECK_FALSE(u->tls);
  CHECK(u->host == "10.8.0.2");
  CHECK(u->port == 8080);
  CHECK(u->target == "/ussd?v=1");
  CHECK(u->host_header() == "10.8.0.2:8080");

  auto s = parse_customer_url("https://customer.example");
  REQUIRE(s.ok());
  CHECK(s->tls);
  CHECK(s->port == 443);
  CHECK(s->target == "/");
  CHECK(s->host_header() == "customer.example");

  auto v6 = parse_customer_url("http://[fd00::2]:81/x");
  REQUIRE(v6.ok());
  CHECK(v6->host == "fd00::2");
  CHECK(v6->host_header() == "[fd00::2]:81");

  CHECK_FALSE(parse_customer_url("ftp://x/").ok());
  CHECK_FALSE(parse_customer_url("http://:80/").ok());
  CHECK_FALSE(parse_customer_url("http://h:99999/").ok());
  CHECK_FALSE(parse_customer_url("http://user@h/").ok());
}
