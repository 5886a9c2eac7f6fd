// Runs the built `ussdgw decode` on hex lines and checks its JSON Lines and
// exit status (0 when all lines decode, non-zero when one is malformed).
#include <doctest/doctest.h>

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace {

struct Run {
  int status = -1;
  std::vector<nlohmann::json> lines;
};

Run run_decode(const std::string& args, const std::string& input) {
  const std::string in = "/tmp/ussdgw_decode_cli_test.in";
  std::ofstream(in) << input;
  const std::string cmd = std::string(USSDGW_BINARY_DIR) + "/app/ussdgw decode " + args + " < " + in;
  Run r;
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p);
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  std::size_t pos = 0;
  while (pos < out.size()) {
    auto nl = out.find('\n', pos);
    if (nl == std::string::npos) nl = out.size();
    r.lines.push_back(nlohmann::json::parse(out.substr(pos, nl - pos)));
    pos = nl + 1;
  }
  return r;
}

// TCAP Begin of vector U06 #1 (libosmocore component, PUSSR "*100#").
const char* kTcap =
    "623c48040c0000016b1e281c060700118605010101a011600f80020780a1090607040000010013026c14a11202010102"
    "013b300a04010f0405aa180c3602";

}  // namespace

TEST_CASE("ussdgw decode --layer tcap prints one JSON object per line and exits 0") {
  auto r = run_decode("--layer tcap", std::string("# comment\n\n") + kTcap + "\nbegin = " + kTcap + "\n");
  CHECK(r.status == 0);
  REQUIRE(r.lines.size() == 2);
  CHECK(r.lines[0]["frame"] == 3);  // frame = line number
  CHECK(r.lines[1]["frame"] == 4);
  const auto& t = r.lines[0]["tcap"];
  CHECK(t["type"] == "begin");
  CHECK(t["otid"] == "0c000001");
  CHECK(t["ac"] == "0.4.0.0.1.0.19.2");
  CHECK(t["components"][0]["type"] == "invoke");
  CHECK(t["components"][0]["opcode"] == 59);
  CHECK(t["components"][0]["param"]["text"] == "*100#");
}

TEST_CASE("ussdgw decode exits non-zero and reports layer/offset for a malformed line") {
  // Second line: the TCAP Begin cut short inside the dialogue portion.
  auto r = run_decode("--layer tcap", std::string(kTcap) + "\n623c48040c000001\nzz\n");
  CHECK(r.status == 1);
  REQUIRE(r.lines.size() == 3);
  CHECK_FALSE(r.lines[0].contains("error"));
  REQUIRE(r.lines[1].contains("error"));
  CHECK(r.lines[1]["error"]["layer"] == "tcap");
  CHECK(r.lines[1]["error"]["offset"].is_number());
  CHECK(r.lines[2]["error"]["layer"] == "hex");
}

TEST_CASE("ussdgw decode --layer m3ua and --layer ipa reach SCCP") {
  // UDT class 0, called SSN 8 / calling SSN 6 (route on SSN), no user data.
  const std::string sccp = "090003050702420802420600";
  const std::string m3ua = "0100010100000024" "0210001c" "00000001" "00000002" "03020002" + sccp;
  auto r = run_decode("--layer m3ua", m3ua + "\n");
  CHECK(r.status == 0);
  REQUIRE(r.lines.size() == 1);
  CHECK(r.lines[0]["m3ua"]["opc"] == 1);
  CHECK(r.lines[0]["m3ua"]["dpc"] == 2);
  CHECK(r.lines[0]["sccp"]["called"]["ssn"] == 8);
  auto i = run_decode("--layer ipa", "000cfd" + sccp + "\n000cfd09\n");
  CHECK(i.status == 1);
  REQUIRE(i.lines.size() == 2);
  CHECK(i.lines[0]["ipa"]["stream"] == 253);
  CHECK(i.lines[1]["error"]["layer"] == "ipa");
}

TEST_CASE("ussdgw decode --write-sample writes a capture that decodes to a USSD dialogue") {
  for (const char* t : {"ipa", "m3ua"}) {
    CAPTURE(t);
    const std::string pcap = std::string("/tmp/ussdgw_sample_") + t + ".pcap";
    auto w = run_decode(std::string("--write-sample ") + pcap + " --transport " + t, "");
    REQUIRE(w.status == 0);
    auto r = run_decode("--pcap " + pcap, "");
    CHECK(r.status == 0);
    REQUIRE(r.lines.size() == 4);
    CHECK(r.lines[0]["tcap"]["type"] == "begin");
    CHECK(r.lines[0]["tcap"]["components"][0]["param"]["text"] == "*100#");
    CHECK(r.lines[1]["tcap"]["type"] == "continue");
    CHECK(r.lines[3]["tcap"]["type"] == "end");
    CHECK(r.lines[3]["tcap"]["components"][0]["type"] == "returnResultLast");
  }
}
