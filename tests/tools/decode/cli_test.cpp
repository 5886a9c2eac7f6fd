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

TEST_CASE("ussdgw decode joins a concatenated SMS on the line that completes it (S11 #5, #6 as M3UA hex)") {
  // MT-ForwardSM invokes carrying SMS-DELIVER parts 1/2 and 2/2 (reference
  // 95, originator "Glovo", to IMSI 621600112879166).
  const std::string part1 =
      "01000101000001280210011d0000000100000002030200040981030e190b12080011047228000000f20b12080011047228000000f3"
      "ef6281ec4804000050056b1e281c060700118605010101a011600f80020780a1090607040000010019036c81c3a181c002010102"
      "012c3081b7800826610011829761f6840891328490000005f704819e4009d047f6dbfe06000042217251400000a00500035f0201"
      "90e53c0b947fd741e8b0bd0c9abfdb6510bcec26a7dd67d09c5e86cf41693728ffaecb41f2f2393da7cbc3f4f4db0d82cbdfe3f2"
      "7cee0241d9e5f0bc0c32bfd9ecf71d44479741ecb47b0da2bf41e3771bce2ed3cb203abadc0685dd64d09c1e96d341e4323b6d2f"
      "cbd3ee33888e96bfeb6734e8c87edbdf2190bc3c96d7d3f476d94d77d5e70500000000";
  const std::string part2 =
      "01000101000000ac021000a40000000100000002030200050981030e190b12080011047228000000f20b12080011047228000000f3"
      "7662744804000050066b1e281c060700118605010101a011600f80020780a1090607040000010019036c4ca14a02010102012c30"
      "42800826610011829761f6840891328490000005f7042c4409d047f6dbfe060000422172514000001d0500035f0202cae8ba5c9e"
      "2ecb5de377fb157ea9d1b0d93b1e06";
  auto r = run_decode("--layer m3ua", part1 + "\n" + part2 + "\n");
  CHECK(r.status == 0);
  REQUIRE(r.lines.size() == 2);
  const auto& t1 = r.lines[0]["tcap"]["components"][0]["param"]["tpdu"];
  const auto& t2 = r.lines[1]["tcap"]["components"][0]["param"]["tpdu"];
  CHECK(!t1.contains("joined"));
  CHECK(t2["text"] == "ehurrier.com/a/jh03oqa");  // the part keeps its own text
  REQUIRE(t2.contains("joined"));
  CHECK(t2["joined"]["text"] ==
        "Hey, you have some pending steps in your registration process. Please follow the link to complete them and "
        "start delivering through Glovo! recruitment.usehurrier.com/a/jh03oqa");
  CHECK(t2["joined"]["parts"] == 2);
  CHECK(t2["joined"]["frames"] == nlohmann::json::array({1, 2}));
}

TEST_CASE("ussdgw decode shows the MSISDN and gMSC of sendRoutingInfo (S10 #17 as M3UA hex), not raw octets") {
  const std::string sri =
      "0100010100000094021000890000000100000002030200000981030e190b12060011047228000000f10b12080011047228000000f3"
      "5b6259480403ed2d126b1a2818060700118605010101a00d600ba1090607040000010005036c35a1330201c5020116302b800491"
      "52828883010086079152629610103287050583370000aa0a0a0104040504038090a3ab04030205e0000000";
  auto r = run_decode("--layer m3ua", sri + "\n");
  CHECK(r.status == 0);
  REQUIRE(r.lines.size() == 1);
  const auto& c = r.lines[0]["tcap"]["components"][0];
  CHECK(c["operation"] == "sendRoutingInfo");
  const auto& p = c["param"];
  CHECK(!p.contains("raw"));
  CHECK(p["msisdn"] == "252888");
  CHECK(p["interrogation_type"] == "basicCall");
  CHECK(p["gmsc_address"] == "252669010123");
  CHECK(p["call_reference_number"] == "0583370000");
}
