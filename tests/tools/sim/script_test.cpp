// Script parsing (docs/sim.md "Script format") and expectation checks.
#include <doctest/doctest.h>

#include <string>

#include "tools/sim/script.h"

using namespace ussdgw::sim;

namespace {

bool has_error(const ScriptParse& p, const std::string& needle) {
  for (const auto& e : p.errors)
    if (e.find(needle) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("a script with defaults, answers, actions and expectations parses") {
  auto p = parse_script(R"(# header comment
imsi    234150000000001
msisdn  447700900001
timeout 5s

dialogue menu
  dial          *100#
  answer        1
  answer        "  two spaces  "
  expect-prompt Balance
  expect-end    contains balance
end

dialogue busy one
  imsi         001010000000009
  msisdn       none
  dial         *101#
  timeout      250ms
  expect-error ussd-Busy
end

dialogue walk away
  dial        *100#
  abort-after 1
end

dialogue broken
  send         malformed
  expect-abort p-abort
end

dialogue v3
  ac-version   3
  orig-ref     vlr
  vlr          447700900999
  dial         *100#
  expect-abort ac-refused
end
)",
                        "t.txt");
  REQUIRE_MESSAGE(p.ok(), (p.errors.empty() ? "" : p.errors.front()));
  REQUIRE(p.script.dialogues.size() == 5);
  const auto& m = p.script.dialogues[0];
  CHECK(m.name == "menu");
  CHECK(m.line == 6);
  CHECK(m.spec.imsi.digits == "234150000000001");
  REQUIRE(m.spec.msisdn);
  CHECK(m.spec.msisdn->digits == "447700900001");
  CHECK(m.spec.dial == "*100#");  // '#' inside a value is not a comment
  REQUIRE(m.spec.answers.size() == 2);
  CHECK(m.spec.answers[1] == "  two spaces  ");
  CHECK(m.spec.timeout == std::chrono::seconds(5));
  CHECK(m.expect.prompt_contains == std::vector<std::string>{"Balance"});
  CHECK(m.expect.end_contains == "balance");

  const auto& b = p.script.dialogues[1];
  CHECK(b.spec.imsi.digits == "001010000000009");
  CHECK_FALSE(b.spec.msisdn);
  CHECK(b.spec.timeout == std::chrono::milliseconds(250));
  CHECK(b.expect.error == "ussd-Busy");

  CHECK(p.script.dialogues[2].spec.abort_after == 1);
  CHECK(p.script.dialogues[2].expect.local_abort);
  CHECK(p.script.dialogues[3].spec.action == Action::kMalformed);
  CHECK(p.script.dialogues[3].expect.abort_contains == "p-abort");
  CHECK(p.script.dialogues[4].spec.ac_version == 3);
  CHECK(p.script.dialogues[4].spec.orig_ref == OrigRef::kVlr);
  CHECK(p.script.dialogues[4].spec.vlr_number == "447700900999");
}

TEST_CASE("bad scripts are refused with the file and line of each mistake") {
  SUBCASE("unknown key, bad digits, bad numbers") {
    auto p = parse_script("imsi 12ab\n"
                          "dialogue x\n"
                          "  dial *100#\n"
                          "  colour blue\n"
                          "  abort-after 0\n"
                          "  ac-version 9\n"
                          "  timeout soon\n"
                          "end\n",
                          "bad.txt");
    CHECK_FALSE(p.ok());
    CHECK(has_error(p, "bad.txt:1: imsi"));
    CHECK(has_error(p, "bad.txt:4: unknown key 'colour'"));
    CHECK(has_error(p, "bad.txt:5: abort-after"));
    CHECK(has_error(p, "bad.txt:6: ac-version"));
    CHECK(has_error(p, "bad.txt:7: timeout"));
    CHECK(has_error(p, "bad.txt:2: dialogue 'x' has no imsi"));
  }
  SUBCASE("structure") {
    auto p = parse_script("imsi 234150000000001\n"
                          "end\n"
                          "dialogue a\n"
                          "  answer 1\n"
                          "dialogue b\n"
                          "  dial \"unterminated\n"
                          "  dial *1#\n",
                          "s.txt");
    CHECK(has_error(p, "s.txt:2: 'end' outside a dialogue"));
    CHECK(has_error(p, "s.txt:5: 'dialogue' inside dialogue 'a'"));
    CHECK(has_error(p, "s.txt:3: dialogue 'a' has no 'dial'"));
    CHECK(has_error(p, "s.txt:6: unterminated quoted value"));
    CHECK(has_error(p, "s.txt:5: dialogue 'b' is not closed with 'end'"));
  }
  SUBCASE("empty") {
    auto p = parse_script("# nothing\n", "e.txt");
    CHECK(has_error(p, "no dialogue"));
  }
}

TEST_CASE("the built-in script parses") {
  auto p = parse_script(default_script_text());
  REQUIRE(p.ok());
  CHECK(p.script.dialogues.size() >= 3);
}

TEST_CASE("expectations are checked against what the dialogue showed") {
  Expectations e;
  DialogueResult r;
  r.outcome.kind = OutcomeKind::kEnd;
  r.outcome.text = "Your balance is 42";
  CHECK(check(e, r).empty());  // no expectation: a final text is enough

  e.end_equals = "Your balance is 42";
  e.prompt_contains = {"Balance"};
  CHECK(check(e, r).size() == 1);  // no prompt seen
  r.prompts = {"1. Balance 2. Profile"};
  CHECK(check(e, r).empty());
  e.end_equals = "Your balance is 41";
  CHECK(check(e, r).size() == 1);

  Expectations err;
  err.error = "ussd-Busy";
  DialogueResult busy;
  busy.outcome.kind = OutcomeKind::kMapError;
  busy.outcome.text = "ussd-Busy(72)";
  busy.outcome.map_error = 72;
  CHECK(check(err, busy).empty());
  err.error = "72";
  CHECK(check(err, busy).empty());
  err.error = "systemFailure";
  CHECK(check(err, busy).size() == 1);

  Expectations ab;
  ab.abort = true;
  ab.abort_contains = "ac-refused";
  DialogueResult refused;
  refused.outcome.kind = OutcomeKind::kAbort;
  refused.outcome.text = "u-abort ac-refused offers networkUnstructuredSsContext-v2";
  CHECK(check(ab, refused).empty());
  CHECK(check(ab, r).size() == 1);
}
