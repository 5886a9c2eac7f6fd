// The relay against the demo customer server over real loopback sockets.
// Each case is a story: what the customer does, what the gateway sees.
#include <memory>
#include <optional>
#include <vector>

#include <boost/asio/write.hpp>
#include <nlohmann/json.hpp>

#include "relay/signature.h"
#include "relay_fixture.h"

using namespace relay_test;

namespace {

// Starts n calls at once through the callback API; results land in `out`.
void start_many(CustomerClient& client, int n, std::chrono::milliseconds deadline,
                std::vector<std::optional<CallResult>>& out, const std::string& prefix = "s") {
  out.assign(static_cast<std::size_t>(n), std::nullopt);
  for (int i = 0; i < n; ++i) {
    client.send(sample_step(prefix + std::to_string(i), 1, "*100#"), deadline,
                 [&out, i](CallResult r) { out[static_cast<std::size_t>(i)] = std::move(r); });
  }
}

bool all_done(const std::vector<std::optional<CallResult>>& v) {
  for (const auto& r : v)
    if (!r) return false;
  return true;
}

}  // namespace

TEST_CASE("when the customer answers at once then the step gets its reply, signed and keyed") {
  asio::io_context ioc;
  auto server = start_server(ioc);
  server->set_behaviour(DemoBehaviour::AnswerAtOnce);
  auto client = make_client(ioc, server->url());

  run_story(ioc, [&]() -> asio::awaitable<void> {
    CallResult r = co_await client->call(sample_step("gw1-7", 1, "*100#"), 2s);
    REQUIRE(r.ok());
    CHECK(r->action == StepAction::Reply);
    CHECK(r->text == "OK");
  });

  auto seen = server->last_request();
  REQUIRE(seen.has_value());
  CHECK(seen->target == "/ussd");
  CHECK(seen->content_type == "application/json");
  CHECK(seen->idempotency_key == "gw1-7-1");
  CHECK(verify_request_signature(kSecret, seen->timestamp, seen->body, seen->signature));
  auto body = nlohmann::json::parse(seen->body);
  CHECK(body["session_id"] == "gw1-7");
  CHECK(body["imsi"] == "234150000000001");
  CHECK(body["msisdn"] == "447700900001");
  CHECK(server->stats().bad_signatures == 0);
}

TEST_CASE("when the customer prompts then the answer goes back on the same kept-alive connection") {
  asio::io_context ioc;
  auto server = start_server(ioc);
  auto client = make_client(ioc, server->url());

  run_story(ioc, [&]() -> asio::awaitable<void> {
    CallResult first = co_await client->call(sample_step("gw1-8", 1, "*100#"), 2s);
    REQUIRE(first.ok());
    CHECK(first->action == StepAction::Prompt);
    CHECK(first->text == kDemoMenuPrompt);

    CallResult second = co_await client->call(sample_step("gw1-8", 2, "1"), 2s);
    REQUIRE(second.ok());
    CHECK(second->action == StepAction::Reply);
    CHECK(second->text == "Your balance is 42");
  });
  CHECK(server->stats().connections_accepted == 1);
  CHECK(server->last_request()->idempotency_key == "gw1-8-2");
}

TEST_CASE("when the customer does not know the service code then it releases with a MAP error") {
  asio::io_context ioc;
  auto server = start_server(ioc);
  auto client = make_client(ioc, server->url());
  run_story(ioc, [&]() -> asio::awaitable<void> {
    CallResult r = co_await client->call(sample_step("gw1-9", 1, "*555#"), 2s);
    REQUIRE(r.ok());
    CHECK(r->action == StepAction::Release);
    CHECK(r->error == MapErrorName::UnexpectedDataValue);
  });
}

TEST_CASE("when the customer is slow then the call fails with Timeout and the customer sees the hang-up") {
  asio::io_context ioc;
  auto server = start_server(ioc);
  server->set_delay(10s);
  auto client = make_client(ioc, server->url());

  std::optional<CallResult> r;
  client->send(sample_step("gw1-10", 1, "*100#"), 200ms, [&](CallResult res) { r = std::move(res); });
  REQUIRE(run_until(ioc, [&] { return server->stats().requests == 1; }));
  test_clock().tick(199ms);
  ioc.poll();
  CHECK_FALSE(r.has_value());  // the customer thinks, the deadline has not passed
  test_clock().tick(1ms);
  REQUIRE(run_until(ioc, [&] { return r.has_value(); }));
  REQUIRE_FALSE(r->ok());
  CHECK(r->error().kind == FailureKind::Timeout);
  CHECK(r->error().reason == "no answer within 200 ms");
  // The socket was closed when the deadline fired; the slot comes back one loop turn later.
  CHECK(run_until(ioc, [&] { return client->stats().open_connections == 0; }));
  // The demo server notices the closed socket and drops its end too.
  CHECK(run_until(ioc, [&] { return server->stats().open_connections == 0; }));
  CHECK(close_wait_count(server->port()) == 0);
}

TEST_CASE("when the customer is down then the call fails with ConnectFailed") {
  asio::io_context ioc;
  auto client = make_client(ioc, "http://127.0.0.1:" + std::to_string(unused_port(ioc)) + "/ussd");
  run_story(ioc, [&]() -> asio::awaitable<void> {
    CallResult r = co_await client->call(sample_step("gw1-11", 1, "*100#"), 2s);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == FailureKind::ConnectFailed);
    CHECK(r.error().reason.find("refused") != std::string::npos);
  });
  CHECK(client->stats().open_connections == 0);
}

TEST_CASE("when the customer answers garbage or a broken schema then the call fails with BadResponse") {
  asio::io_context ioc;
  auto server = start_server(ioc);
  auto client = make_client(ioc, server->url());
  run_story(ioc, [&]() -> asio::awaitable<void> {
    server->set_behaviour(DemoBehaviour::Garbage);
    CallResult garbage = co_await client->call(sample_step("gw1-12", 1, "*100#"), 2s);
    REQUIRE_FALSE(garbage.ok());
    CHECK(garbage.error().kind == FailureKind::BadResponse);
    CHECK(garbage.error().reason.find("not JSON") != std::string::npos);

    server->set_behaviour(DemoBehaviour::WrongSchema);
    CallResult schema = co_await client->call(sample_step("gw1-13", 1, "*100#"), 2s);
    REQUIRE_FALSE(schema.ok());
    CHECK(schema.error().kind == FailureKind::BadResponse);
    CHECK(schema.error().reason.find("\"dance\"") != std::string::npos);
  });
}

TEST_CASE("when the customer answers 500 then the call fails with HttpStatus and the connection stays usable") {
  asio::io_context ioc;
  auto server = start_server(ioc);
  server->set_behaviour(DemoBehaviour::HttpError);
  auto client = make_client(ioc, server->url());
  run_story(ioc, [&]() -> asio::awaitable<void> {
    CallResult r = co_await client->call(sample_step("gw1-14", 1, "*100#"), 2s);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == FailureKind::HttpStatus);
    CHECK(r.error().http_status == 500);

    server->set_behaviour(DemoBehaviour::AnswerAtOnce);
    CallResult after = co_await client->call(sample_step("gw1-15", 1, "*100#"), 2s);
    CHECK(after.ok());
  });
  CHECK(server->stats().connections_accepted == 1);
}

TEST_CASE("when the customer hangs up without answering then the call fails with ConnectionLost") {
  asio::io_context ioc;
  auto server = start_server(ioc);
  server->set_behaviour(DemoBehaviour::CloseWithoutAnswer);
  auto client = make_client(ioc, server->url());
  run_story(ioc, [&]() -> asio::awaitable<void> {
    CallResult r = co_await client->call(sample_step("gw1-16", 1, "*100#"), 2s);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == FailureKind::ConnectionLost);
  });
  CHECK(client->stats().open_connections == 0);
}

TEST_CASE("when the secret is wrong then the customer refuses with 401") {
  asio::io_context ioc;
  auto server = start_server(ioc);
  auto client = make_client(ioc, server->url(), [](CustomerClientConfig& c) { c.secret = "not-the-secret"; });
  run_story(ioc, [&]() -> asio::awaitable<void> {
    CallResult r = co_await client->call(sample_step("gw1-17", 1, "*100#"), 2s);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == FailureKind::HttpStatus);
    CHECK(r.error().http_status == 401);
  });
  CHECK(server->stats().bad_signatures == 1);
}

TEST_CASE("when more calls arrive than the pool holds then they queue and never exceed the pool") {
  asio::io_context ioc;
  auto server = start_server(ioc);
  server->set_behaviour(DemoBehaviour::AnswerAtOnce);
  server->set_delay(100ms);
  auto client = make_client(ioc, server->url(), [](CustomerClientConfig& c) {
    c.max_connections = 2;
    c.max_queue = 10;
  });
  std::vector<std::optional<CallResult>> results;
  start_many(*client, 8, 10s, results);
  CHECK(client->stats().open_connections <= 2);
  REQUIRE(run_until(ioc, [&] { return all_done(results); }));
  for (const auto& r : results) CHECK(r->ok());
  CHECK(server->stats().max_open_connections <= 2);
  CHECK(server->stats().connections_accepted <= 2);
  CHECK(server->stats().answers == 8);
  CHECK(client->stats().open_connections <= 2);
}

TEST_CASE("when the pool and the queue are full then a call fails at once with QueueFull") {
  asio::io_context ioc;
  auto server = start_server(ioc);
  server->set_behaviour(DemoBehaviour::AnswerAtOnce);
  server->set_delay(300ms);
  auto client = make_client(ioc, server->url(), [](CustomerClientConfig& c) {
    c.max_connections = 1;
    c.max_queue = 1;
  });
  std::vector<std::optional<CallResult>> results;
  start_many(*client, 3, 10s, results);
  REQUIRE(run_until(ioc, [&] { return results[2].has_value(); }));
  CHECK_FALSE(results[0].has_value());  // the third is refused before the first is answered
  REQUIRE_FALSE(results[2]->ok());
  CHECK(results[2]->error().kind == FailureKind::QueueFull);
  REQUIRE(run_until(ioc, [&] { return results[0] && results[1]; }));
  CHECK(results[0]->ok());
  CHECK(results[1]->ok());
}

TEST_CASE("when the network aborts the dialogue then the pending call is cancelled, in flight or queued") {
  asio::io_context ioc;
  auto server = start_server(ioc);
  server->set_delay(10s);
  auto client = make_client(ioc, server->url(), [](CustomerClientConfig& c) { c.max_connections = 1; });

  run_story(ioc, [&]() -> asio::awaitable<void> {
    std::optional<CallResult> in_flight, queued;
    CallHandle h1 = client->send(sample_step("gw1-20", 1, "*100#"), 30s, [&](CallResult r) { in_flight = r; });
    CallHandle h2 = client->send(sample_step("gw1-21", 1, "*100#"), 30s, [&](CallResult r) { queued = r; });
    while (server->stats().requests == 0) co_await sleep_for(1ms);  // the first reaches the customer
    CHECK(client->stats().queued_calls == 1);
    h2.cancel();
    h1.cancel();
    co_await sleep_for(0ms);  // the callbacks run on the next loop turn
    REQUIRE(in_flight.has_value());
    REQUIRE(queued.has_value());
    CHECK(in_flight->error().kind == FailureKind::Cancelled);
    CHECK(queued->error().kind == FailureKind::Cancelled);
    h1.cancel();  // harmless after completion
  });
  CHECK(run_until(ioc, [&] { return client->stats().active_calls == 0; }));
  CHECK(client->stats().open_connections == 0);
  CHECK(client->stats().queued_calls == 0);
}

TEST_CASE("a coroutine caller can cancel through the handle it gets from call()") {
  asio::io_context ioc;
  auto server = start_server(ioc);
  server->set_delay(10s);
  auto client = make_client(ioc, server->url());
  CallHandle handle;
  std::optional<CallResult> result;
  asio::co_spawn(
      ioc, [&]() -> asio::awaitable<void> { result = co_await client->call(sample_step("gw1-22", 1, "*100#"), 30s, &handle); },
      [](std::exception_ptr) {});
  REQUIRE(run_until(ioc, [&] { return server->stats().requests == 1; }));
  handle.cancel();
  REQUIRE(run_until(ioc, [&] { return result.has_value(); }));
  CHECK(result->error().kind == FailureKind::Cancelled);
}

TEST_CASE("when the customer closes idle connections then the client closes its end (no CLOSE_WAIT)") {
  asio::io_context ioc;
  auto server = start_server(ioc);
  server->set_behaviour(DemoBehaviour::AnswerAtOnce);
  auto client = make_client(ioc, server->url());
  std::vector<std::optional<CallResult>> results;
  start_many(*client, 2, 5s, results);
  REQUIRE(run_until(ioc, [&] { return all_done(results); }));
  CHECK(client->stats().idle_connections == 2);
  server->stop();
  CHECK(run_until(ioc, [&] { return client->stats().open_connections == 0; }));
  CHECK(run_until(ioc, [&] { return close_wait_count(server->port()) == 0; }));
}

TEST_CASE("when a kept-alive connection died just before reuse then the step is resent once on a fresh one") {
  asio::io_context ioc;
  auto server = start_server(ioc);
  server->set_behaviour(DemoBehaviour::AnswerAtOnce);
  auto client = make_client(ioc, server->url(), [](CustomerClientConfig& c) { c.max_connections = 1; });
  run_story(ioc, [&]() -> asio::awaitable<void> {
    CHECK((co_await client->call(sample_step("gw1-24", 1, "*100#"), 2s)).ok());
    CHECK(client->stats().idle_connections == 1);
    // No co_await in between: the client has not yet seen the FIN when it
    // picks the idle connection, so the request meets a dead socket.
    server->drop_connections();
    CallResult r = co_await client->call(sample_step("gw1-24", 2, "1"), 2s);
    CHECK_MESSAGE(r.ok(), (r.ok() ? "" : r.error().reason));
  });
  CHECK(server->stats().connections_accepted == 2);
  CHECK(server->stats().answers == 2);
  CHECK(client->stats().stale_retries == 1);
}

TEST_CASE("idle connections are closed after the idle timeout") {
  asio::io_context ioc;
  auto server = start_server(ioc);
  server->set_behaviour(DemoBehaviour::AnswerAtOnce);
  auto client = make_client(ioc, server->url(), [](CustomerClientConfig& c) { c.idle_timeout = 100ms; });
  run_story(ioc, [&]() -> asio::awaitable<void> {
    CHECK((co_await client->call(sample_step("gw1-23", 1, "*100#"), 2s)).ok());
  });
  CHECK(client->stats().idle_connections == 1);
  test_clock().tick(99ms);
  ioc.poll();
  CHECK(client->stats().idle_connections == 1);
  test_clock().tick(1ms);
  CHECK(run_until(ioc, [&] { return client->stats().open_connections == 0; }));
  CHECK(run_until(ioc, [&] { return server->stats().open_connections == 0; }));
}

TEST_CASE("200 failing calls leave no descriptor and no CLOSE_WAIT behind") {
  asio::io_context ioc;
  auto server = start_server(ioc);
  const std::string down_url = "http://127.0.0.1:" + std::to_string(unused_port(ioc)) + "/ussd";

  // Warm up once so lazily created descriptors (reactor, resolver) are in the baseline.
  {
    auto warm = make_client(ioc, server->url());
    server->set_behaviour(DemoBehaviour::AnswerAtOnce);
    run_story(ioc, [&]() -> asio::awaitable<void> { (void)co_await warm->call(sample_step("w", 1, "*100#"), 2s); });
  }
  REQUIRE(run_until(ioc, [&] { return server->stats().open_connections == 0; }));
  const std::size_t baseline = open_fd_count();

  struct Round {
    DemoBehaviour behaviour;
    std::chrono::milliseconds delay;
    std::chrono::milliseconds deadline;
    bool down;
    FailureKind expected;
  };
  const Round rounds[] = {
      {DemoBehaviour::AnswerAtOnce, 0ms, 2s, true, FailureKind::ConnectFailed},
      {DemoBehaviour::AnswerAtOnce, 5s, 50ms, false, FailureKind::Timeout},
      {DemoBehaviour::Garbage, 0ms, 2s, false, FailureKind::BadResponse},
      {DemoBehaviour::HttpError, 0ms, 2s, false, FailureKind::HttpStatus},
      {DemoBehaviour::CloseWithoutAnswer, 0ms, 2s, false, FailureKind::ConnectionLost},
  };
  int failures = 0;
  for (const Round& round : rounds) {
    server->set_behaviour(round.behaviour);
    server->set_delay(round.delay);
    auto client = make_client(ioc, round.down ? down_url : server->url(), [](CustomerClientConfig& c) {
      c.max_connections = 8;
      c.max_queue = 64;
    });
    std::vector<std::optional<CallResult>> results;
    start_many(*client, 40, round.deadline, results, "leak");
    // Deadlines are on the manual clock: time moves a millisecond per loop turn.
    REQUIRE(run_until(ioc, [&] {
      test_clock().tick(1ms);
      return all_done(results);
    }));
    for (const auto& r : results) {
      REQUIRE_FALSE(r->ok());
      CHECK(r->error().kind == round.expected);
      ++failures;
    }
    CHECK(client->stats().open_connections <= 8);  // only kept-alive ones (4xx/5xx, bad JSON) remain
    // Whoever saw the other side close has closed its end too.
    CHECK(run_until(ioc, [&] { return close_wait_count(server->port()) == 0; }));
  }
  CHECK(failures == 200);
  // The clients are gone; the server drops its ends as it sees the FINs.
  CHECK(run_until(ioc, [&] { return server->stats().open_connections == 0; }));
  CHECK(run_until(ioc, [&] { return close_wait_count(server->port()) == 0; }));
  CHECK(open_fd_count() == baseline);
}

TEST_CASE("configuration errors name the key") {
  asio::io_context ioc;
  CustomerClientConfig cfg;
  cfg.url = "http://127.0.0.1:1/";
  auto no_secret = CustomerClient::create(ioc, test_clock(), cfg);
  REQUIRE_FALSE(no_secret.ok());
  CHECK(no_secret.error().find("secret") != std::string::npos);

  cfg.secret = "k";
  cfg.url = "https://127.0.0.1:1/";
  auto no_ca = CustomerClient::create(ioc, test_clock(), cfg);
  REQUIRE_FALSE(no_ca.ok());
  CHECK(no_ca.error().find("tls_ca_file") != std::string::npos);

  cfg.tls_ca_file = "/nonexistent/ca.pem";
  auto bad_ca = CustomerClient::create(ioc, test_clock(), cfg);
  REQUIRE_FALSE(bad_ca.ok());
  CHECK(bad_ca.error().find("/nonexistent/ca.pem") != std::string::npos);
}

TEST_CASE("a queued call's deadline fires while every connection is busy, earliest deadline first") {
  asio::io_context ioc;
  auto server = start_server(ioc);
  server->set_behaviour(DemoBehaviour::AnswerAtOnce);
  server->set_delay(3s);
  auto client = make_client(ioc, server->url(), [](CustomerClientConfig& c) { c.max_connections = 1; });

  std::optional<CallResult> busy, late, early;
  CallHandle h_busy = client->send(sample_step("gw1-30", 1, "*100#"), 20s, [&](CallResult r) { busy = r; });
  CallHandle h_late = client->send(sample_step("gw1-31", 1, "*100#"), 20s, [&](CallResult r) { late = r; });
  client->send(sample_step("gw1-32", 1, "*100#"), 150ms, [&](CallResult r) { early = r; });
  CHECK(client->stats().queued_calls == 2);
  REQUIRE(run_until(ioc, [&] { return server->stats().requests == 1; }));

  test_clock().tick(149ms);
  ioc.poll();
  CHECK_FALSE(early.has_value());
  test_clock().tick(1ms);  // long before the busy connection is free again
  REQUIRE(run_until(ioc, [&] { return early.has_value(); }));
  REQUIRE_FALSE(early->ok());
  CHECK(early->error().kind == FailureKind::Timeout);
  CHECK(early->error().reason.find("150 ms") != std::string::npos);
  CHECK_FALSE(busy.has_value());
  CHECK_FALSE(late.has_value());  // queued earlier, but its deadline is later
  CHECK(client->stats().queued_calls == 1);
  CHECK(client->stats().open_connections == 1);

  h_late.cancel();
  h_busy.cancel();
  REQUIRE(run_until(ioc, [&] { return busy && late && client->stats().active_calls == 0; }));
  CHECK(late->error().kind == FailureKind::Cancelled);
  CHECK(busy->error().kind == FailureKind::Cancelled);
}

TEST_CASE("a customer host name is resolved once, and again after a connect failure") {
  asio::io_context ioc;
  const std::uint16_t port = unused_port(ioc);
  auto client = make_client(ioc, "http://localhost:" + std::to_string(port) + "/ussd");

  std::unique_ptr<DemoCustomerServer> server;
  run_story(ioc, [&]() -> asio::awaitable<void> {
    CallResult down = co_await client->call(sample_step("gw1-40", 1, "*100#"), 2s);
    REQUIRE_FALSE(down.ok());
    CHECK(down.error().kind == FailureKind::ConnectFailed);
    CHECK(client->stats().name_resolutions == 1);
  });

  DemoServerConfig cfg;
  cfg.port = port;
  server = start_server(ioc, cfg);
  server->set_behaviour(DemoBehaviour::AnswerAtOnce);
  run_story(ioc, [&]() -> asio::awaitable<void> {
    CallResult up = co_await client->call(sample_step("gw1-41", 1, "*100#"), 2s);
    CHECK_MESSAGE(up.ok(), (up.ok() ? "" : up.error().reason));
    CHECK(client->stats().name_resolutions == 2);  // looked up again after the failure
  });

  // A new connection (the customer dropped the kept-alive one) uses the cached address.
  server->drop_connections();
  REQUIRE(run_until(ioc, [&] { return client->stats().open_connections == 0; }));
  run_story(ioc, [&]() -> asio::awaitable<void> {
    CallResult again = co_await client->call(sample_step("gw1-42", 1, "*100#"), 2s);
    CHECK(again.ok());
  });
  CHECK(client->stats().connections_opened == 3);
  CHECK(client->stats().name_resolutions == 2);
}

TEST_CASE("an IP literal is never resolved") {
  asio::io_context ioc;
  auto server = start_server(ioc);
  server->set_behaviour(DemoBehaviour::AnswerAtOnce);
  auto client = make_client(ioc, server->url());
  run_story(ioc, [&]() -> asio::awaitable<void> {
    CHECK((co_await client->call(sample_step("gw1-43", 1, "*100#"), 2s)).ok());
  });
  CHECK(client->stats().name_resolutions == 0);
}

TEST_CASE("the reusable signer signs exactly like sign_request") {
  RequestSigner signer(kSecret);
  for (const char* body : {"{}", "{\"session_id\":\"a\"}", ""}) {
    std::string out = "x";
    signer.append_signature(out, "1700000000", body);
    CHECK(out == "x" + sign_request(kSecret, "1700000000", body));
  }
}

TEST_CASE("when the customer sends 100 Continue before its answer then the final 200 is the answer") {
  asio::io_context ioc;
  asio::ip::tcp::acceptor acceptor(ioc, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const auto port = acceptor.local_endpoint().port();
  // A customer that reads the request, sends an interim 100, then (in a
  // separate write) the final answer.
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        auto sock = co_await acceptor.async_accept(asio::use_awaitable);
        std::string seen;
        char buf[4096];
        while (seen.find("\r\n\r\n") == std::string::npos || seen.find("}") == std::string::npos) {
          std::size_t n = co_await sock.async_read_some(asio::buffer(buf), asio::use_awaitable);
          seen.append(buf, n);
        }
        co_await asio::async_write(sock, asio::buffer(std::string("HTTP/1.1 100 Continue\r\n\r\n")), asio::use_awaitable);
        const std::string body = R"({"action":"reply","text":"after 100"})";
        co_await asio::async_write(sock,
                                   asio::buffer("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                                                std::to_string(body.size()) + "\r\n\r\n" + body),
                                   asio::use_awaitable);
        co_await sock.async_read_some(asio::buffer(buf), asio::use_awaitable);  // until the client closes
      },
      [](std::exception_ptr) {});
  auto client = make_client(ioc, "http://127.0.0.1:" + std::to_string(port) + "/ussd");
  std::optional<CallResult> r;
  client->send(sample_step("gw1-40", 1, "*100#"), 2s, [&](CallResult res) { r = std::move(res); });
  REQUIRE(run_until(ioc, [&] { return r.has_value(); }));
  REQUIRE_MESSAGE(r->ok(), (r->ok() ? "" : r->error().reason));
  CHECK(r->value().action == StepAction::Reply);
  CHECK(r->value().text == "after 100");
}

TEST_CASE("the demo customer closes a connection whose request does not arrive within its read timeout") {
  asio::io_context ioc;
  DemoServerConfig cfg;
  cfg.read_timeout = 100ms;
  auto server = start_server(ioc, cfg);
  // A client that sends half a request and then nothing: the header, and one
  // octet of a 100-octet body.
  asio::ip::tcp::socket sock(ioc);
  sock.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), server->port()));
  asio::write(sock, asio::buffer(std::string("POST /ussd HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")));
  bool closed = false;
  char octet;
  sock.async_read_some(asio::buffer(&octet, 1), [&](boost::system::error_code ec, std::size_t) { closed = bool(ec); });
  REQUIRE(run_until(ioc, [&] { return closed; }));
  CHECK(run_until(ioc, [&] { return server->stats().open_connections == 0; }));
  CHECK(server->stats().requests == 0);
}
