// Issue 7 #1 through a real osmo-stp: a malformed TC-BEGIN whose otid can be
// derived is answered with a P-Abort to that otid naming the cause (Q.774
// §3.2.1.2): badlyFormattedTransactionPortion for a BEGIN truncated inside
// its dialogue or its component portion, unrecognizedMessageType for an
// unknown message type tag. `ussdgw sim` sends the damaged BEGINs (docs/sim.md
// `send`) and matches each P-Abort to its dialogue by the dtid; the test
// decodes the P-Aborts again from a capture of the IPA link with
// `ussdgw decode`, and checks that the gateway carries on.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "harness.h"
#include "support/prerequisite.h"

using namespace ussdgw;
using namespace ussdgw::e2e;
using nlohmann::json;

namespace {

struct PAbortSeen {
  std::string dtid;
  std::string cause;
};

// The P-Aborts in a capture, in order, decoded by `ussdgw decode`.
std::vector<PAbortSeen> p_aborts(const Capture& cap) {
  std::vector<PAbortSeen> v;
  for (const json& tc : cap.decoded_tcap()) {
    if (tc.value("type", "") != "abort" || !tc.contains("p_abort_cause_name")) continue;
    v.push_back({tc.value("dtid", ""), tc["p_abort_cause_name"].get<std::string>()});
  }
  return v;
}

}  // namespace

TEST_CASE("malformed BEGINs with a derivable otid get a P-Abort naming the cause, through osmo-stp") {
  using ussdgw::test::require_program;
  if (!require_program("osmo-stp") || !require_program("dumpcap")) return;
  Network net("tcap-malformed");
  REQUIRE_MESSAGE(net.start(), net.gateway().err());
  Capture dump(net, "malformed.pcapng");
  REQUIRE(dump.wait_started());

  std::string out;
  int rc = net.sim_script(R"(imsi 234150000000001
msisdn 447700900001
timeout 5s

dialogue BEGIN truncated inside its dialogue portion
  send         truncated-dialogue
  expect-abort p-abort badlyFormattedTransactionPortion
end

dialogue BEGIN truncated inside its component portion
  send         truncated-components
  expect-abort p-abort badlyFormattedTransactionPortion
end

dialogue unknown message type, otid readable
  send         unknown-message-type
  expect-abort p-abort unrecognizedMessageType
end

dialogue the gateway carries on
  dial       *100#
  answer     1
  expect-end equals Your balance is 42
end
)",
                          &out);
  CHECK_MESSAGE(rc == 0, out);
  // The sim names the decoded cause in its transcript.
  CHECK(out.find("<<< [abort] p-abort badlyFormattedTransactionPortion") != std::string::npos);
  CHECK(out.find("<<< [abort] p-abort unrecognizedMessageType") != std::string::npos);
  CHECK(out.find("4/4 dialogues passed") != std::string::npos);

  REQUIRE(dump.stop() == 0);
  auto seen = p_aborts(dump);
  // Each P-Abort crosses the capture twice (gateway -> STP -> simulator).
  REQUIRE_MESSAGE(seen.size() == 6, read_file(net.dir() / "decode.err"));
  const std::vector<std::string> causes{"badlyFormattedTransactionPortion", "badlyFormattedTransactionPortion",
                                        "unrecognizedMessageType"};
  for (std::size_t i = 0; i < causes.size(); ++i) {
    CAPTURE(i);
    CHECK(seen[2 * i].cause == causes[i]);
    CHECK(seen[2 * i].dtid.size() == 8);  // the simulator's 4-octet otid
    CHECK(seen[2 * i].dtid == seen[2 * i + 1].dtid);
    CHECK(seen[2 * i].cause == seen[2 * i + 1].cause);
  }
  CHECK(seen[0].dtid != seen[2].dtid);

  // The gateway logged each with the otid it derived, not `tid=-`.
  auto err = net.gateway().err();
  CHECK(err.find("Malformed transaction portion") != std::string::npos);
  CHECK(err.find("tid=-: Malformed transaction portion") == std::string::npos);
  CHECK(net.stop_gateway() == 0);
  // No dialogue was opened for the damaged BEGINs.
  CHECK(net.sql("select count(*) from ussd_session") == "1");
}
