// A BEGIN segmented over two XUDTs (as a real SMSC sends a long
// MT-ForwardSM) through a real osmo-stp to the shipped gateway: the gateway
// reassembles it (Q.714 §4.1.1.3) before its TCAP layer and answers the
// whole dialogue. Before the reassembly, libosmo-sigtran 1.6 handed each
// segment up as a TCAP message of its own and the dialogue got no answer.
#include <doctest/doctest.h>

#include "harness.h"
#include "support/prerequisite.h"

using namespace ussdgw;
using namespace ussdgw::e2e;

TEST_CASE("the gateway answers a BEGIN that arrived in two XUDT segments") {
  if (!ussdgw::test::require_program("osmo-stp")) return;
  Network net("segmented");
  REQUIRE_MESSAGE(net.start(), net.error());
  std::string out;
  int rc = net.sim_script(R"(imsi 234150000000001
msisdn 447700900001
timeout 10s

dialogue a BEGIN in two XUDT segments gets the menu, then the answer
  dial *100#
  xudt-segments 2
  answer 1
  expect-prompt 1. Balance 2. Profile
  expect-end equals Your balance is 42
end
)",
                          &out);
  CHECK_MESSAGE(rc == 0, out);
  // The gateway saw one BEGIN, not two fragments.
  CHECK(wait_sql(net, "select count(*) from ussd_session where outcome is not null", "1"));
  CHECK(net.gateway().err().find("Malformed") == std::string::npos);
}
