// `xudt-segments N`: the script key and the engine asking its transport to
// send the BEGIN as N XUDT segments (the transport itself is tested through
// osmo-stp in tests/gateway/ss7 and tests/integration).
#include <doctest/doctest.h>

#include <vector>

#include "tools/sim/initiator.h"
#include "tools/sim/script.h"

using namespace ussdgw;
using namespace ussdgw::sim;
using namespace std::chrono_literals;

namespace {

struct SegmentingSender : TcapSender {
  std::vector<std::uint8_t> whole_counts;  // 0 for send_tcap, N for send_tcap_segmented
  bool send_tcap(Bytes) override {
    whole_counts.push_back(0);
    return true;
  }
  bool send_tcap_segmented(Bytes, std::uint8_t segments) override {
    whole_counts.push_back(segments);
    return true;
  }
};

struct NullObserver : InitiatorObserver {
  void on_sent(const DialogueRef&, std::string_view) override {}
  void on_prompt(const DialogueRef&, PromptKind, std::string_view) override {}
  void on_finished(const DialogueRef&, const Outcome&) override {}
};

}  // namespace

TEST_CASE("xudt-segments is read per dialogue and bounded to 1..16 (Q.713 §3.17)") {
  auto p = parse_script("imsi 234150000000001\ndialogue long\n  dial *100#\n  xudt-segments 2\nend\n");
  REQUIRE(p.ok());
  REQUIRE(p.script.dialogues.size() == 1);
  CHECK(p.script.dialogues[0].spec.xudt_segments == 2);

  auto bad = parse_script("imsi 234150000000001\ndialogue long\n  dial *100#\n  xudt-segments 17\nend\n", "s.txt");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.errors[0].find("s.txt:4: xudt-segments") == 0);
}

TEST_CASE("a dialogue with xudt-segments hands its BEGIN to the transport as segments") {
  SegmentingSender net;
  NullObserver obs;
  Initiator eng{InitiatorConfig{8, true}, net, obs};
  DialogueSpec s;
  s.imsi.digits.assign("234150000000001");
  s.dial = "*100#";
  auto plain = prepare(s);
  s.xudt_segments = 2;
  auto seg = prepare(s);
  REQUIRE(plain);
  REQUIRE(seg);
  auto t0 = std::chrono::steady_clock::time_point{};
  REQUIRE(eng.start(*plain, 1, t0));
  REQUIRE(eng.start(*seg, 2, t0));
  CHECK(net.whole_counts == std::vector<std::uint8_t>{0, 2});
}
