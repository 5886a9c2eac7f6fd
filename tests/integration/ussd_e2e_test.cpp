// USSD pull end to end (DESIGN.md flow 1): `ussdgw sim` plays the MSC/VLR,
// a real osmo-stp relays SCCP over IPA, `ussdgw run` is the gateway, and the
// demo customer server answers over HTTP. Expectations live in the sim
// scripts (the sim exits 1 when one fails) and in the gateway's SQLite file.
#include <doctest/doctest.h>

#include "support/prerequisite.h"
#include <sys/stat.h>

#include "harness.h"

using namespace ussdgw;
using namespace ussdgw::e2e;

namespace {

#define REQUIRE_NETWORK(net)                                              \
  if (!ussdgw::test::require_program("osmo-stp")) return;                \
  REQUIRE_MESSAGE((net).start(), "network did not come up: " << (net).error())

// A whole-number field of the sim's --json report.
int json_int(const std::string& report, const std::string& key) {
  auto p = report.find("\"" + key + "\":");
  if (p == std::string::npos) return -1;
  return std::atoi(report.c_str() + p + key.size() + 3);
}

int count(const std::string& s, const std::string& needle) {
  int n = 0;
  for (auto p = s.find(needle); p != std::string::npos; p = s.find(needle, p + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("menu with prompts, one-step reply, refusal, and what the gateway recorded") {
  Network net("menu");
  REQUIRE_NETWORK(net);
  std::string out;
  int rc = net.sim_script(R"(imsi 234150000000001
msisdn 447700900001
timeout 10s

dialogue balance: a prompt answered with 1
  dial *100#
  answer 1
  expect-prompt 1. Balance 2. Profile
  expect-end equals Your balance is 42
end

dialogue an invalid choice is asked again
  dial *100#
  answer 7
  answer 2
  expect-prompt Balance
  expect-prompt Invalid choice
  expect-end equals Profile: demo customer
end

dialogue a service code the customer does not know
  dial *999#
  expect-error unexpectedDataValue
end
)",
                          &out);
  CHECK_MESSAGE(rc == 0, out);
  CHECK(net.stop_gateway() == 0);
  CHECK(net.sql("select count(*) from ussd_session") == "3");
  CHECK(net.sql("select group_concat(outcome, ',') from (select outcome from ussd_session order by id)") ==
        "completed,completed,released");
  CHECK(net.sql("select count(*) from ussd_step") == "6");
  CHECK(net.sql("select imsi || ' ' || msisdn || ' ' || customer from ussd_session order by id limit 1") ==
        "234150000000001 447700900001 acme");
}

TEST_CASE("with an instance name, the customer's session ids and the records carry it") {
  GatewayOptions opt;
  opt.extra_top_yaml = "instance: {number: 7, name: edge7}\n";
  Network net("instance", opt);
  REQUIRE_NETWORK(net);
  std::string out;
  int rc = net.sim_script(R"(imsi 234150000000001
timeout 10s

dialogue balance
  dial *100#
  answer 1
  expect-end equals Your balance is 42
end
)",
                          &out);
  CHECK_MESSAGE(rc == 0, out);
  auto seen = net.customer().last_request();
  REQUIRE(seen.has_value());
  auto body = nlohmann::json::parse(seen->body);
  CHECK(body["session_id"] == "edge7-1");
  CHECK(seen->idempotency_key == "edge7-1-2");  // the second step
  CHECK(wait_sql(net, "select instance from ussd_session where outcome is not null", "edge7"));
}

TEST_CASE("one-step reply, and a text outside GSM 7-bit goes out as UCS2") {
  Network net("ucs2");
  REQUIRE_NETWORK(net);
  net.customer().answer(ussd::StepAnswer{ussd::StepAction::Reply, "Ваш баланс: 42 ₽", std::nullopt});
  std::string out;
  int rc = net.sim_script(R"(imsi 234150000000001
dialogue cyrillic
  dial *123#
  expect-end equals Ваш баланс: 42 ₽
end
)",
                          &out);
  CHECK_MESSAGE(rc == 0, out);
}

TEST_CASE("customer slow, down, garbage, or a text that cannot be sent: the fallback arrives in time") {
  GatewayOptions opt;
  opt.step_deadline = "500ms";
  Network net("fallbacks", opt);
  REQUIRE_NETWORK(net);
  const std::string script = R"(imsi 234150000000001
timeout 5s
dialogue fallback
  dial *100#
  expect-end equals Service unavailable, try later
end
)";
  std::string out;
  SUBCASE("slow") {
    net.customer().delay(std::chrono::milliseconds(3000));
    CHECK_MESSAGE(net.sim_script(script, &out) == 0, out);
  }
  SUBCASE("garbage") {
    net.customer().behave(customer_demo::DemoBehaviour::Garbage);
    CHECK_MESSAGE(net.sim_script(script, &out) == 0, out);
  }
  SUBCASE("http 500") {
    net.customer().behave(customer_demo::DemoBehaviour::HttpError);
    CHECK_MESSAGE(net.sim_script(script, &out) == 0, out);
  }
  SUBCASE("text longer than a USSD string") {
    net.customer().answer(ussd::StepAnswer{ussd::StepAction::Reply, std::string(200, 'x'), std::nullopt});
    CHECK_MESSAGE(net.sim_script(script, &out) == 0, out);
  }
  SUBCASE("down") {
    net.customer().stop_listening();
    CHECK_MESSAGE(net.sim_script(script, &out) == 0, out);
  }
  CHECK(net.stop_gateway() == 0);
  CHECK(net.sql("select count(*) from ussd_step where action = 'fallback'") == "1");
}

TEST_CASE("protocol errors from the network: abort mid-step, AC v3, malformed TCAP, unknown operation") {
  Network net("protocol");
  REQUIRE_NETWORK(net);
  net.customer().delay(std::chrono::milliseconds(300));
  std::string out;
  int rc = net.sim_script(R"(imsi 234150000000001
timeout 5s
dialogue the subscriber walks away at the prompt
  dial *100#
  abort-after 1
end

dialogue version 3 is refused, v2 is offered back
  ac-version 3
  dial *100#
  expect-abort ac-refused
end

dialogue malformed transaction portion
  send malformed
  expect-abort p-abort
end
)",
                          &out);
  CHECK_MESSAGE(rc == 0, out);
  CHECK(net.stop_gateway() == 0);
  CHECK(net.sql("select outcome from ussd_session") == "aborted_by_network");
}

TEST_CASE("the dialogue bound: past it, new dialogues get ussd-Busy at once") {
  GatewayOptions opt;
  opt.step_deadline = "3s";
  opt.max_dialogues = 3;
  Network net("bound", opt);
  REQUIRE_NETWORK(net);
  net.customer().delay(std::chrono::milliseconds(1500));
  std::string out;
  // 20 dialogues started within 0.2 s against 3 slots held 1.5 s each.
  int rc = net.sim({"--load", "--rate", "100", "--concurrency", "50", "--duration", "200ms", "--timeout", "5s", "--json"},
                   &out);
  CAPTURE(out);
  CHECK(rc == 1);  // some failed: the busy ones
  const int started = json_int(out, "started"), failed_error = json_int(out, "failed_error");
  CHECK(started >= 15);
  CHECK(json_int(out, "failed_timeout") == 0);
  CHECK(json_int(out, "completed") == 3);
  CHECK(failed_error == started - 3);
  CHECK(net.stop_gateway() == 0);
  // Refused dialogues never reach a customer: three sessions of two steps
  // (the menu prompt and the answer), six customer requests.
  CHECK(net.sql("select count(*) from ussd_session") == "3");
  CHECK(net.customer().requests() == 6);
}

TEST_CASE("STP restarted while traffic runs: the gateway reconnects and carries on") {
  Network net("restart");
  REQUIRE_NETWORK(net);
  net.customer().behave(customer_demo::DemoBehaviour::AnswerAtOnce);
  std::vector<std::string> args{ussdgw_binary(), "sim", "--stp", "127.0.0.1:" + std::to_string(net.stp().ipa_port()), "--gw-gt", kGatewayGt,
                                "--load", "--rate", "200", "--concurrency", "100", "--duration", "4s",
                                "--timeout", "2s", "--json"};
  Child load(args, net.dir() / "load.out", net.dir() / "load.err");
  std::this_thread::sleep_for(1500ms);
  REQUIRE(net.stp().restart());
  load.wait(60s);
  std::string report = load.out();
  CAPTURE(report);
  CHECK(report.find("\"completed\":") != std::string::npos);
  // After the outage the gateway answers a whole script again.
  REQUIRE(net.gateway().wait_for_err("ss7 NOTICE -: Link up", 10s));
  std::string out;
  int rc = 1;
  for (int attempt = 0; attempt < 20 && rc != 0; ++attempt) {
    rc = net.sim_script("imsi 234150000000001\ndialogue after restart\n  dial *1#\n  expect-end equals OK\nend\n", &out);
    if (rc != 0) std::this_thread::sleep_for(250ms);
  }
  CHECK_MESSAGE(rc == 0, out);
  CHECK(count(net.gateway().err(), "ss7 NOTICE -: Link up") >= 2);
  CHECK(net.stop_gateway() == 0);
}

TEST_CASE("SIGTERM: no new dialogues, the open one is answered before the gateway exits") {
  Network net("sigterm");
  REQUIRE_NETWORK(net);
  net.customer().delay(std::chrono::milliseconds(600));
  net.customer().answer(ussd::StepAnswer{ussd::StepAction::Reply, "done", std::nullopt});
  auto path = net.dir() / "slow.txt";
  std::ofstream(path) << "imsi 234150000000001\ndialogue slow\n  dial *5#\n  expect-end equals done\nend\n";
  Child sim({ussdgw_binary(), "sim", "--stp", "127.0.0.1:" + std::to_string(net.stp().ipa_port()), "--gw-gt", kGatewayGt, "--script",
             path.string()},
            net.dir() / "slow.out", net.dir() / "slow.err");
  // SIGTERM once the customer holds the step (the BEGIN went through).
  for (int i = 0; i < 1000 && net.customer().requests() == 0; ++i) std::this_thread::sleep_for(10ms);
  REQUIRE(net.customer().requests() == 1);
  net.gateway().signal(SIGTERM);
  int sim_rc = sim.wait(20s);
  CHECK_MESSAGE(sim_rc == 0, sim.out() << sim.err() << "\ngateway:\n" << net.gateway().err());
  CHECK(net.gateway().wait(20s) == 0);
  CHECK(net.sql("select outcome from ussd_session") == "completed");
}

TEST_CASE("ussdgw demo runs the whole pull on loopback and exits 0") {
  if (!ussdgw::test::require_program("osmo-stp")) return;
  auto dir = fs::temp_directory_path() / ("ussdgw-demo-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  for (const char* mode : {"", "--direct"}) {
    std::vector<std::string> args{ussdgw_binary(), "demo"};
    if (*mode) args.push_back(mode);
    Child demo(args, dir / "demo.out", dir / "demo.err");
    int rc = demo.wait(120s);
    std::string out = demo.out();
    CAPTURE(mode);
    CHECK_MESSAGE(rc == 0, out << demo.err());
    CHECK(out.find("<<< [end] Your balance is 42") != std::string::npos);
    CHECK(out.find("4/4 dialogues passed") != std::string::npos);
    CHECK(out.find("completed            2 session(s), 5 step(s)") != std::string::npos);
  }
  fs::remove_all(dir);
}

// ---- records after faults (issue 7 items 11-13)

namespace {

unsigned file_mode(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

}  // namespace

TEST_CASE("SS7 link lost while the customer answers: nothing is sent and the record says not_sent") {
  GatewayOptions opt;
  opt.step_deadline = "4s";
  Network net("link-lost", opt);
  REQUIRE_NETWORK(net);
  net.customer().delay(std::chrono::milliseconds(2000));
  net.customer().answer(ussd::StepAnswer{ussd::StepAction::Reply, "too late", std::nullopt});
  auto path = net.dir() / "lost.txt";
  std::ofstream(path) << "imsi 234150000000001\ntimeout 8s\ndialogue lost\n  dial *5#\n  expect-end equals too late\nend\n";
  Child sim({ussdgw_binary(), "sim", "--stp", "127.0.0.1:" + std::to_string(net.stp().ipa_port()), "--gw-gt", kGatewayGt,
             "--script", path.string()},
            net.dir() / "lost.out", net.dir() / "lost.err");
  for (int i = 0; i < 1000 && net.customer().requests() == 0; ++i) std::this_thread::sleep_for(10ms);
  REQUIRE(net.customer().requests() == 1);
  net.stp().stop();  // the customer answers 2 s after the request, with the link down
  REQUIRE(net.gateway().wait_for_err("ss7 ERROR -: Link down", 5s));
  CHECK_MESSAGE(wait_sql(net, "select outcome from ussd_session", "not_sent"), net.gateway().err());
  CHECK(net.sql("select coalesce(action, 'none') || ' ' || outcome from ussd_step") == "none answered");
  sim.wait(20s);  // it never gets its END
  CHECK(net.stop_gateway() == 0);
}

TEST_CASE("kill -9 with a session open: the files are 0600 and the next start records it interrupted") {
  GatewayOptions opt;
  opt.step_deadline = "5s";
  Network net("kill9", opt);
  REQUIRE_NETWORK(net);
  net.customer().delay(std::chrono::milliseconds(4000));
  auto path = net.dir() / "open.txt";
  std::ofstream(path) << "imsi 234150000000001\ntimeout 8s\ndialogue open\n  dial *5#\n  expect-end contains x\nend\n";
  Child sim({ussdgw_binary(), "sim", "--stp", "127.0.0.1:" + std::to_string(net.stp().ipa_port()), "--gw-gt", kGatewayGt,
             "--script", path.string()},
            net.dir() / "open.out", net.dir() / "open.err");
  for (int i = 0; i < 1000 && net.customer().requests() == 0; ++i) std::this_thread::sleep_for(10ms);
  REQUIRE(net.customer().requests() == 1);
  REQUIRE(wait_sql(net, "select count(*) from ussd_session where outcome is null", "1"));
  net.gateway().signal(SIGKILL);
  net.gateway().wait(10s);

  const fs::path db = net.dir() / "ussdgw.db";
  CHECK(file_mode(db) == 0600);
  CHECK(file_mode(db.string() + "-wal") == 0600);  // a killed writer leaves both behind
  CHECK(file_mode(db.string() + "-shm") == 0600);

  Child again({ussdgw_binary(), "run", "--config", (net.dir() / "gw.yaml").string()}, net.dir() / "gw2.out",
              net.dir() / "gw2.err");
  REQUIRE_MESSAGE(again.wait_for_err("ss7 NOTICE -: Link up", 15s), again.err());
  CHECK(net.sql("select outcome || ' ' || (ended_at >= started_at) from ussd_session") == "interrupted 1");
  CHECK(again.err().find("Closed 1 sessions as interrupted") != std::string::npos);
  again.signal(SIGTERM);
  CHECK(again.wait(20s) == 0);
  sim.wait(20s);
}
