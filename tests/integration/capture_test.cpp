// The gateway's traffic on the wire, checked by an independent decoder: a
// capture of a whole dialogue through osmo-stp, decoded by tshark and by
// `ussdgw decode`, message by message.
#include <doctest/doctest.h>

#include "support/prerequisite.h"

#include <nlohmann/json.hpp>

#include "harness.h"

using namespace ussdgw;
using namespace ussdgw::e2e;
using nlohmann::json;

namespace {

struct Seen {
  std::string type;  // begin, continue, end, abort
  std::string otid, dtid;
  std::vector<std::string> ops;    // operation codes of invokes and results, in order
  std::vector<std::string> texts;  // USSD strings, decoded
  friend bool operator==(const Seen&, const Seen&) = default;
};

std::string strip_colons(std::string s) {
  std::erase(s, ':');
  return s;
}

template <class F>
void for_each_value(const json& v, F f) {
  if (v.is_array())
    for (const auto& x : v) f(x.get<std::string>());
  else if (v.is_string())
    f(v.get<std::string>());
}

// tshark's view: one Seen per frame with TCAP (`-T ek` field names of 4.0).
std::vector<Seen> tshark_view(const fs::path& cap, std::uint16_t ipa_port) {
  auto out = cap.parent_path() / "tshark.ek";
  Child t({"/usr/bin/tshark", "-r", cap.string(), "-d", "tcp.port==" + std::to_string(ipa_port) + ",gsm_ipa", "-Y", "tcap",
           "-T", "ek"},
          out, cap.parent_path() / "tshark.err");
  t.wait(60s);
  std::vector<Seen> v;
  std::istringstream in(read_file(out));
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    json j = json::parse(line, nullptr, false);
    if (!j.contains("layers")) continue;
    const json& L = j["layers"];
    const json& tc = L["tcap"];
    Seen s;
    for (const char* t : {"begin", "continue", "end", "abort"})
      if (tc.contains(std::string("tcap_tcap_") + t + "_element")) s.type = t;
    if (tc.contains("tcap_tcap_otid")) s.otid = strip_colons(tc["tcap_tcap_otid"].get<std::string>());
    if (tc.contains("tcap_tcap_dtid")) s.dtid = strip_colons(tc["tcap_tcap_dtid"].get<std::string>());
    if (L.contains("gsm_map")) {
      const json& m = L["gsm_map"];
      if (m.contains("gsm_map_gsm_old_localValue")) for_each_value(m["gsm_map_gsm_old_localValue"], [&](std::string x) { s.ops.push_back(x); });
      if (m.contains("gsm_map_gsm_map_ussd_string"))
        for_each_value(m["gsm_map_gsm_map_ussd_string"], [&](std::string x) { s.texts.push_back(x); });
    }
    v.push_back(s);
  }
  return v;
}

// Our decoder's view of the same capture.
std::vector<Seen> ussdgw_view(const Capture& cap, int* rc) {
  std::vector<Seen> v;
  for (const json& tc : cap.decoded_tcap(rc)) {
    Seen s;
    s.type = tc.value("type", "");
    s.otid = tc.value("otid", "");
    s.dtid = tc.value("dtid", "");
    for (const auto& c : tc.value("components", json::array())) {
      if (c.contains("opcode")) s.ops.push_back(std::to_string(c["opcode"].get<int>()));
      if (c.contains("param") && c["param"].contains("text")) s.texts.push_back(c["param"]["text"].get<std::string>());
    }
    v.push_back(s);
  }
  return v;
}

}  // namespace

TEST_CASE("a captured dialogue decodes as intended, by tshark and by ussdgw decode") {
  using ussdgw::test::require_program;
  if (!require_program("osmo-stp") || !require_program("dumpcap") || !require_program("tshark")) return;
  Network net("capture");
  REQUIRE_MESSAGE(net.start(), net.error());
  Capture dump(net, "gw.pcapng");
  REQUIRE(dump.wait_started());
  std::string out;
  int rc = net.sim_script(R"(imsi 234150000000001
msisdn 447700900001
dialogue balance
  dial *100#
  answer 1
  expect-end equals Your balance is 42
end
)",
                          &out);
  REQUIRE_MESSAGE(rc == 0, out);
  REQUIRE(dump.stop() == 0);

  auto theirs = tshark_view(dump.file(), dump.port());
  int decode_rc = 0;
  auto ours = ussdgw_view(dump, &decode_rc);
  CHECK(decode_rc == 0);
  // Each message crosses the capture twice (simulator -> STP -> gateway and back).
  REQUIRE(theirs.size() == 8);
  REQUIRE(ours.size() == theirs.size());
  for (std::size_t i = 0; i < theirs.size(); ++i) {
    CAPTURE(i);
    CHECK(ours[i].type == theirs[i].type);
    CHECK(ours[i].otid == theirs[i].otid);
    CHECK(ours[i].dtid == theirs[i].dtid);
    CHECK(ours[i].ops == theirs[i].ops);
    CHECK(ours[i].texts == theirs[i].texts);
  }
  // What was intended: BEGIN(59 "*100#"), CONTINUE(60 prompt), CONTINUE(RR 60 "1"), END(RR 59 text).
  const std::vector<std::string> types{"begin", "continue", "continue", "end"};
  const std::vector<std::vector<std::string>> texts{{"*100#"}, {"1. Balance 2. Profile"}, {"1"}, {"Your balance is 42"}};
  const std::vector<std::vector<std::string>> ops{{"59"}, {"60"}, {"60"}, {"59"}};
  for (std::size_t i = 0; i < 4; ++i) {
    CAPTURE(i);
    CHECK(theirs[2 * i].type == types[i]);
    CHECK(theirs[2 * i] == theirs[2 * i + 1]);  // the STP relays TCAP untouched
    CHECK(theirs[2 * i].texts == texts[i]);
    CHECK(theirs[2 * i].ops == ops[i]);
  }
  // The gateway's transaction id answers the network's.
  CHECK(theirs[2].dtid == theirs[0].otid);
  CHECK(theirs[4].dtid == theirs[2].otid);
  CHECK(theirs[6].dtid == theirs[0].otid);
  CHECK(net.stop_gateway() == 0);
}
