// Concatenated SMS parts joined on the frame that completes them
// (tools/decode/sms_concat.h, TS 23.040 §9.2.3.24.1 / §9.2.3.24.8).
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "tools/decode/sms_concat.h"

using nlohmann::json;
using ussdgw::decode::ConcatJoiner;

namespace {

json imsi_da(const char* imsi) { return json{{"kind", "imsi"}, {"digits", imsi}}; }
json alnum(const char* text) { return json{{"ton", 5}, {"npi", 0}, {"text", text}}; }

// The `tcap` object of an MT-ForwardSM invoke carrying one SMS-DELIVER part.
json deliver_part(const json& oa, const json& da, int ref, int total, int seq, const char* text, bool ref16 = false) {
  json concat{{"reference", ref}, {"total", total}, {"sequence", seq}};
  if (ref16) concat["ref16"] = true;
  json tpdu{{"type", "sms-deliver"}, {"originator", oa}, {"text", text}, {"concat", concat}};
  json param{{"sm_rp_da", da}, {"sm_rp_oa", {{"kind", "service_centre"}, {"digits", "2348090000507"}}}, {"tpdu", tpdu}};
  return json{{"type", "begin"}, {"components", json::array({json{{"type", "invoke"}, {"opcode", 44}, {"param", param}}})}};
}

const json& tpdu_of(const json& tcap) { return tcap["components"][0]["param"]["tpdu"]; }

}  // namespace

TEST_CASE("when the last part arrives, its tpdu gets the joined text in sequence order and keeps its own fields") {
  ConcatJoiner j;
  auto p2 = deliver_part(alnum("Glovo"), imsi_da("621600112879166"), 95, 3, 2, "world");
  auto p3 = deliver_part(alnum("Glovo"), imsi_da("621600112879166"), 95, 3, 3, "!");
  auto p1 = deliver_part(alnum("Glovo"), imsi_da("621600112879166"), 95, 3, 1, "hello ");
  j.feed(4, p2);
  j.feed(5, p3);
  CHECK(!tpdu_of(p2).contains("joined"));
  CHECK(!tpdu_of(p3).contains("joined"));
  j.feed(9, p1);
  const auto& t = tpdu_of(p1);
  REQUIRE(t.contains("joined"));
  CHECK(t["joined"]["text"] == "hello world!");
  CHECK(t["joined"]["parts"] == 3);
  CHECK(t["joined"]["frames"] == json::array({4, 5, 9}));
  CHECK(t["text"] == "hello ");  // the part's own text is untouched
  CHECK(t["concat"]["sequence"] == 1);
  CHECK(j.pending() == 0);
}

TEST_CASE("a retransmitted part is listed among the frames and joined once (S10 #8, #18, #19)") {
  ConcatJoiner j;
  auto a = deliver_part(alnum("Glovo"), imsi_da("621600112879166"), 95, 2, 1, "first ");
  auto again = deliver_part(alnum("Glovo"), imsi_da("621600112879166"), 95, 2, 1, "first ");
  auto last = deliver_part(alnum("Glovo"), imsi_da("621600112879166"), 95, 2, 2, "second");
  j.feed(8, a);
  j.feed(18, again);
  CHECK(!tpdu_of(again).contains("joined"));
  j.feed(19, last);
  CHECK(tpdu_of(last)["joined"]["text"] == "first second");
  CHECK(tpdu_of(last)["joined"]["frames"] == json::array({8, 18, 19}));
}

TEST_CASE("parts of different originators, destinations, reference widths or totals are not joined") {
  ConcatJoiner j;
  auto base = deliver_part(alnum("Glovo"), imsi_da("621600112879166"), 7, 2, 1, "a");
  j.feed(1, base);
  json others[] = {
      deliver_part(alnum("Bank"), imsi_da("621600112879166"), 7, 2, 2, "x"),         // other originator
      deliver_part(alnum("Glovo"), imsi_da("621600112879167"), 7, 2, 2, "x"),        // other subscriber
      deliver_part(alnum("Glovo"), imsi_da("621600112879166"), 7, 2, 2, "x", true),  // 16-bit reference 7
      deliver_part(alnum("Glovo"), imsi_da("621600112879166"), 7, 3, 2, "x"),        // other total
      deliver_part(alnum("Glovo"), imsi_da("621600112879166"), 8, 2, 2, "x"),        // other reference
  };
  std::uint64_t frame = 2;
  for (auto& o : others) {
    j.feed(frame++, o);
    CHECK(!tpdu_of(o).contains("joined"));
  }
  CHECK(j.pending() == 6);
}

TEST_CASE("a part whose sequence number is 0 or above the total is shown on its own (§9.2.3.24.1)") {
  ConcatJoiner j;
  auto zero = deliver_part(alnum("Glovo"), imsi_da("1"), 1, 1, 0, "z");
  auto above = deliver_part(alnum("Glovo"), imsi_da("1"), 1, 1, 2, "z");
  j.feed(1, zero);
  j.feed(2, above);
  CHECK(!tpdu_of(zero).contains("joined"));
  CHECK(!tpdu_of(above).contains("joined"));
  CHECK(j.pending() == 0);
}

TEST_CASE("SMS-SUBMIT parts are keyed by the sender's MSISDN (SM-RP-OA) and TP-DA") {
  ConcatJoiner j;
  auto part = [](const char* msisdn, int seq, const char* text) {
    json tpdu{{"type", "sms-submit"},
              {"destination", {{"ton", 1}, {"npi", 1}, {"digits", "2206600551"}}},
              {"text", text},
              {"concat", {{"reference", 2}, {"total", 2}, {"sequence", seq}}}};
    json param{{"sm_rp_da", {{"kind", "service_centre"}, {"digits", "2206098999"}}},
               {"sm_rp_oa", {{"kind", "msisdn"}, {"digits", msisdn}}},
               {"tpdu", tpdu}};
    return json{{"components", json::array({json{{"param", param}}})}};
  };
  auto a1 = part("2206350232", 1, "This is ");
  auto b2 = part("2206350233", 2, "other");
  auto a2 = part("2206350232", 2, "long");
  j.feed(8, a1);
  j.feed(9, b2);
  CHECK(!tpdu_of(b2).contains("joined"));
  j.feed(10, a2);
  CHECK(tpdu_of(a2)["joined"]["text"] == "This is long");
}

TEST_CASE("messages that never complete are bounded: the oldest is dropped beyond kMaxPending") {
  ConcatJoiner j;
  auto first = deliver_part(alnum("A"), imsi_da("1"), 0, 2, 1, "first ");
  j.feed(0, first);
  for (int i = 1; i <= static_cast<int>(ConcatJoiner::kMaxPending); ++i) {
    auto p = deliver_part(alnum("B"), imsi_da("1"), i % 256, 2, 1, "x", i >= 256);
    // Distinct keys: 8-bit references 1..255, then 16-bit from 256 on.
    p["components"][0]["param"]["tpdu"]["concat"]["reference"] = i;
    j.feed(static_cast<std::uint64_t>(i), p);
  }
  CHECK(j.pending() == ConcatJoiner::kMaxPending);
  // The first message's part 1 was dropped: its part 2 alone completes nothing.
  auto second = deliver_part(alnum("A"), imsi_da("1"), 0, 2, 2, "second");
  j.feed(99999, second);
  CHECK(!tpdu_of(second).contains("joined"));
}
