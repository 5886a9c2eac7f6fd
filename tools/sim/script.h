// Scripts for `ussdgw sim`: a line format (docs/sim.md "Script format"),
// chosen over YAML because every line is one fact and errors can name the
// line without a YAML library in the simulator.
//
//   # defaults for every dialogue below
//   imsi    234150000000001
//   msisdn  447700900001
//   dialogue menu
//     dial          *100#
//     answer        1
//     expect-prompt Balance
//     expect-end    contains balance
//   end
//
// Comments are whole lines starting with '#' (a '#' inside a value is part
// of it: "*100#"). Values run to the end of the line, trimmed; wrap them in
// double quotes to keep outer spaces (\" and \\ escape).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tools/sim/initiator.h"

namespace ussdgw::sim {

struct Expectations {
  std::vector<std::string> prompt_contains;  // the i-th prompt contains the i-th text
  std::optional<std::string> end_equals;
  std::optional<std::string> end_contains;
  std::optional<std::string> error;          // MAP error name ("ussd-Busy") or code ("72")
  bool abort = false;
  std::string abort_contains;                // in the abort description ("p-abort", "ac-refused")
  bool reject = false;
  std::string reject_contains;
  bool timeout = false;
  bool local_abort = false;                  // implied by abort-after
};

struct ScriptDialogue {
  std::string name;
  int line = 0;  // where `dialogue` stood
  DialogueSpec spec;
  Expectations expect;
};

struct Script {
  std::vector<ScriptDialogue> dialogues;
};

struct ScriptParse {
  Script script;
  std::vector<std::string> errors;  // "FILE:LINE: what"
  [[nodiscard]] bool ok() const { return errors.empty(); }
};

ScriptParse parse_script(std::string_view text, std::string_view file_name = "<script>");

// The script used when none is given (the demo's): a menu with one prompt,
// a direct service code, and an unknown AC version that must be refused.
std::string_view default_script_text();

// What a dialogue showed, for checking expectations.
struct DialogueResult {
  std::vector<std::string> prompts;  // texts of unstructuredSS-Request prompts
  Outcome outcome;
};
// Failed expectations, readable; empty when everything holds. With no
// outcome expectation at all, a dialogue must end with a final text.
std::vector<std::string> check(const Expectations& e, const DialogueResult& r);

}  // namespace ussdgw::sim
