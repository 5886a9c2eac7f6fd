// The channel's wire rules without sockets: signature, URL parsing, and how
// the octets of an HTTP response become a reply or a failure.
#include <string>

#include <doctest/doctest.h>

#include "relay/customer_url.h"
#include "relay/http_response.h"
#include "relay/signature.h"

using namespace ussdgw::relay;

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

TEST_CASE("credentials in a customer URL are refused with an error that does not repeat them") {
  auto u = parse_customer_url("http://user:pa55w0rd@10.8.0.2/ussd");
  REQUIRE_FALSE(u.ok());
  CHECK(u.error().find("credentials") != std::string::npos);
  CHECK(u.error().find("pa55w0rd") == std::string::npos);
  CHECK_FALSE(parse_customer_url("https://:secret@customer.example/").ok());
}

namespace {
std::string response(std::string_view status_line, std::string_view content_type, std::string_view body) {
  std::string r(status_line);
  r += "\r\n";
  if (!content_type.empty()) r += "Content-Type: " + std::string(content_type) + "\r\n";
  r += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  r += body;
  return r;
}
}  // namespace

TEST_CASE("a 2xx JSON response is the reply; its media type is checked without parameters or case") {
  auto r = parse_response_octets(response("HTTP/1.1 200 OK", "Application/JSON; charset=utf-8", R"({"a":1})"));
  REQUIRE(r.ok());
  CHECK(r->http_status == 200);
  CHECK(r->body == R"({"a":1})");

  auto plain = parse_response_octets(response("HTTP/1.1 200 OK", "text/plain", "x"));
  REQUIRE_FALSE(plain.ok());
  CHECK(plain.error().kind == FailureKind::BadResponse);
  CHECK(plain.error().reason.find("content type") != std::string::npos);
}

TEST_CASE("interim 1xx responses are skipped and the final response is the answer") {
  auto r = parse_response_octets("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\n" +
                                 response("HTTP/1.1 200 OK", "application/json", "{}"));
  REQUIRE(r.ok());
  CHECK(r->http_status == 200);
  CHECK(r->body == "{}");

  // Only interim responses, then the customer stops: no answer.
  auto none = parse_response_octets("HTTP/1.1 100 Continue\r\n\r\n");
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().kind == FailureKind::ConnectionLost);

  std::string endless;
  for (int i = 0; i < kMaxInterimResponses + 1; ++i) endless += "HTTP/1.1 100 Continue\r\n\r\n";
  auto many = parse_response_octets(endless + response("HTTP/1.1 200 OK", "application/json", "{}"));
  REQUIRE_FALSE(many.ok());
  CHECK(many.error().kind == FailureKind::BadResponse);
}

TEST_CASE("a non-2xx status fails with HttpStatus; the reason phrase and header values are quoted") {
  auto r = parse_response_octets(response("HTTP/1.1 503 Busy \xff now", "application/json", "{}"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == FailureKind::HttpStatus);
  CHECK(r.error().http_status == 503);
  CHECK(r.error().reason == "customer answered HTTP 503 \"Busy \\xff now\"");

  auto t = parse_response_octets(response("HTTP/1.1 200 OK", "text/\x01html", "x"));
  REQUIRE_FALSE(t.ok());
  CHECK(t.error().reason.find('\x01') == std::string::npos);
}

TEST_CASE("broken HTTP is a BadResponse; a response cut short is ConnectionLost") {
  auto junk = parse_response_octets("SMTP ready\r\n\r\n");
  REQUIRE_FALSE(junk.ok());
  CHECK(junk.error().kind == FailureKind::BadResponse);

  auto cut = parse_response_octets("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n{}");
  REQUIRE_FALSE(cut.ok());
  CHECK(cut.error().kind == FailureKind::ConnectionLost);

  auto empty = parse_response_octets("");
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.error().kind == FailureKind::ConnectionLost);

  // A body delimited by the end of the connection is complete when it ends.
  auto until_close = parse_response_octets("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"a\":2}");
  REQUIRE(until_close.ok());
  CHECK(until_close->body == "{\"a\":2}");
}
