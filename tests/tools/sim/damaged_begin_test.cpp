// The simulator's damaged BEGINs (issue 7 #1; docs/sim.md `send`): what the
// bytes are, decoded by the gateway's own codec, and how a script asks for them.
#include <doctest/doctest.h>

#include "tools/sim/initiator.h"
#include "tools/sim/script.h"

using namespace ussdgw;
using namespace ussdgw::sim;

namespace {

PreparedDialogue prepared(Action a) {
  DialogueSpec s;
  s.imsi.digits.assign("234150000000001");
  s.dial = "*100#";
  s.action = a;
  auto p = prepare(s);
  REQUIRE(p.ok());
  // The otid the initiator patches in.
  p->begin[p->otid_offset] = 0x0a;
  p->begin[p->otid_offset + 1] = 0x0b;
  p->begin[p->otid_offset + 2] = 0x0c;
  p->begin[p->otid_offset + 3] = 0x0d;
  return std::move(p).value();
}

tcap::MessageError decode_error(const PreparedDialogue& p) {
  tcap::MessageError why;
  auto m = tcap::decode_message(Bytes(p.begin.data(), p.begin.size()), &why);
  REQUIRE_FALSE(m.ok());
  return why;
}

}  // namespace

TEST_CASE("truncated-dialogue: cut inside the dialogue portion, outer length kept, otid derivable") {
  auto whole = prepared(Action::kNone);
  auto p = prepared(Action::kTruncatedDialogue);
  CHECK(p.begin.size() < whole.begin.size());
  CHECK(p.begin[1] == whole.begin[1]);  // the outer length still claims the whole BEGIN
  auto m = tcap::decode_message(Bytes(whole.begin.data(), whole.begin.size()));
  REQUIRE(m.ok());
  REQUIRE(m->dialogue);
  auto why = decode_error(p);
  CHECK(why.cause == tcap::PAbortCause::BadlyFormattedTransactionPortion);
  REQUIRE(why.otid);
  CHECK(why.otid->value() == 0x0a0b0c0d);
  // The cut is after the otid and before the component portion.
  const auto comps = static_cast<std::size_t>(m->component_portion->data() - whole.begin.data());
  CHECK(p.begin.size() > p.otid_offset + 4);
  CHECK(p.begin.size() < comps - 2);
}

TEST_CASE("truncated-components: cut inside the component portion, otid derivable") {
  auto whole = prepared(Action::kNone);
  auto m = tcap::decode_message(Bytes(whole.begin.data(), whole.begin.size()));
  REQUIRE(m.ok());
  const auto comps = static_cast<std::size_t>(m->component_portion->data() - whole.begin.data());
  auto p = prepared(Action::kTruncatedComponents);
  CHECK(p.begin.size() > comps);
  CHECK(p.begin.size() < whole.begin.size());
  auto why = decode_error(p);
  CHECK(why.cause == tcap::PAbortCause::BadlyFormattedTransactionPortion);
  REQUIRE(why.otid);
  CHECK(why.otid->value() == 0x0a0b0c0d);
}

TEST_CASE("unknown-message-type: tag 0x6a, otid derivable") {
  auto p = prepared(Action::kUnknownMessageType);
  CHECK(p.begin[0] == 0x6a);
  auto why = decode_error(p);
  CHECK(why.cause == tcap::PAbortCause::UnrecognizedMessageType);
  REQUIRE(why.otid);
  CHECK(why.otid->value() == 0x0a0b0c0d);
}

TEST_CASE("scripts ask for them with send; dial is optional there") {
  auto p = parse_script(R"(imsi 234150000000001
dialogue a
  send truncated-dialogue
  expect-abort p-abort badlyFormattedTransactionPortion
end
dialogue b
  send truncated-components
  dial *123#
  expect-abort p-abort badlyFormattedTransactionPortion
end
dialogue c
  send unknown-message-type
  expect-abort p-abort unrecognizedMessageType
end
)");
  REQUIRE_MESSAGE(p.ok(), p.errors.front());
  REQUIRE(p.script.dialogues.size() == 3);
  CHECK(p.script.dialogues[0].spec.action == Action::kTruncatedDialogue);
  CHECK(p.script.dialogues[0].spec.dial == "*100#");
  CHECK(p.script.dialogues[1].spec.action == Action::kTruncatedComponents);
  CHECK(p.script.dialogues[1].spec.dial == "*123#");
  CHECK(p.script.dialogues[2].spec.action == Action::kUnknownMessageType);
  CHECK(p.script.dialogues[2].expect.abort_contains == "p-abort unrecognizedMessageType");
  auto bad = parse_script("imsi 234150000000001\ndialogue x\n  send truncated\nend\n");
  CHECK_FALSE(bad.ok());
}
