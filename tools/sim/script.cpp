#include "tools/sim/script.h"

#include "tools/sim/parse.h"

#include <cctype>
#include <charconv>

namespace ussdgw::sim {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Strips one level of double quotes, honouring \" and \\; nullopt if the
// closing quote is missing.
std::optional<std::string> unquote(std::string_view v) {
  if (v.empty() || v.front() != '"') return std::string(v);
  std::string out;
  for (std::size_t i = 1; i < v.size(); ++i) {
    char c = v[i];
    if (c == '\\' && i + 1 < v.size()) {
      out.push_back(v[++i]);
    } else if (c == '"') {
      if (i + 1 != v.size()) return std::nullopt;  // text after the closing quote
      return out;
    } else {
      out.push_back(c);
    }
  }
  return std::nullopt;
}

bool contains(std::string_view hay, std::string_view needle) { return hay.find(needle) != std::string_view::npos; }

class Parser {
 public:
  Parser(std::string_view file) : file_(file) {}

  void error(int line, const std::string& what) {
    out_.errors.push_back(std::string(file_) + ":" + std::to_string(line) + ": " + what);
  }

  // Keys valid both as defaults and inside a dialogue. True when handled.
  bool common_key(int line, std::string_view key, const std::string& v, DialogueSpec& s) {
    if (key == "imsi") {
      // IMSI: 6..15 digits (TS 23.003 §2.2).
      if (!digits_ok(v, 6, 15)) error(line, "imsi: expected 6 to 15 digits, got '" + v + "'");
      else s.imsi.digits.assign(v);
    } else if (key == "msisdn") {
      if (v == "none") s.msisdn.reset();
      else if (!digits_ok(v, 1, 16)) error(line, "msisdn: expected up to 16 digits or 'none', got '" + v + "'");
      else s.msisdn = Msisdn{Digits(v)};
    } else if (key == "vlr") {
      if (!digits_ok(v, 1, 16)) error(line, "vlr: expected up to 16 digits, got '" + v + "'");
      else s.vlr_number.assign(v);
    } else if (key == "orig-ref") {
      if (v == "msisdn") s.orig_ref = OrigRef::kMsisdn;
      else if (v == "vlr") s.orig_ref = OrigRef::kVlr;
      else if (v == "none") s.orig_ref = OrigRef::kNone;
      else error(line, "orig-ref: expected msisdn, vlr or none, got '" + v + "'");
    } else if (key == "timeout") {
      auto d = parse_duration(v);
      if (!d) error(line, "timeout: expected a duration like 10s or 500ms, got '" + v + "'");
      else s.timeout = *d;
    } else {
      return false;
    }
    return true;
  }

  void dialogue_key(int line, std::string_view key, const std::string& v) {
    ScriptDialogue& d = *cur_;
    DialogueSpec& s = d.spec;
    Expectations& e = d.expect;
    if (common_key(line, key, v, s)) return;
    if (key == "dial") {
      s.dial = v;
      have_dial_ = true;
    } else if (key == "answer") {
      s.answers.push_back(v);
    } else if (key == "xudt-segments") {
      // Q.713 §3.17: at most 16 segments (4 bits of remaining segments).
      auto n = parse_num<int>(v);
      if (!n || *n < 1 || *n > 16) error(line, "xudt-segments: expected 1 to 16, got '" + v + "'");
      else s.xudt_segments = static_cast<std::uint8_t>(*n);
    } else if (key == "abort-after") {
      auto n = parse_num<int>(v);
      // The gateway's tid is only known from its first CONTINUE (Q.774
      // §3.2.1), so a TC-U-ABORT can go out at the earliest then.
      if (!n || *n < 1) error(line, "abort-after: expected a number of prompts >= 1, got '" + v + "'");
      else {
        s.abort_after = *n;
        e.local_abort = true;
      }
    } else if (key == "send") {
      if (v == "malformed") s.action = Action::kMalformed;
      else if (v == "unknown-op") s.action = Action::kUnknownOperation;
      else if (v == "truncated-dialogue") s.action = Action::kTruncatedDialogue;
      else if (v == "truncated-components") s.action = Action::kTruncatedComponents;
      else if (v == "unknown-message-type") s.action = Action::kUnknownMessageType;
      else
        error(line, "send: expected malformed, unknown-op, truncated-dialogue, truncated-components or "
                    "unknown-message-type, got '" + v + "'");
    } else if (key == "ac-version") {
      auto n = parse_num<int>(v);
      if (!n || *n < 2 || *n > 3) error(line, "ac-version: expected 2 or 3, got '" + v + "'");
      else s.ac_version = static_cast<std::uint8_t>(*n);
    } else if (key == "expect-prompt") {
      e.prompt_contains.push_back(v);
    } else if (key == "expect-end") {
      std::string_view sv = v;
      if (sv.starts_with("equals ")) e.end_equals = unquote(trim(sv.substr(7))).value_or("");
      else if (sv.starts_with("contains ")) e.end_contains = unquote(trim(sv.substr(9))).value_or("");
      else if (sv.empty()) e.end_contains = "";
      else error(line, "expect-end: expected 'equals TEXT' or 'contains TEXT'");
    } else if (key == "expect-error") {
      e.error = v;
    } else if (key == "expect-abort") {
      e.abort = true;
      e.abort_contains = v;
    } else if (key == "expect-reject") {
      e.reject = true;
      e.reject_contains = v;
    } else if (key == "expect-timeout") {
      e.timeout = true;
    } else {
      error(line, "unknown key '" + std::string(key) + "' in a dialogue");
    }
  }

  void close_dialogue(int line) {
    // A damaged BEGIN is built from a whole one: without `dial`, *100# is dialled.
    const Action a = cur_->spec.action;
    if (!have_dial_ && (a == Action::kTruncatedDialogue || a == Action::kTruncatedComponents ||
                        a == Action::kUnknownMessageType))
      cur_->spec.dial = "*100#";
    else if (!have_dial_ && a != Action::kMalformed)
      error(cur_->line, "dialogue '" + cur_->name + "' has no 'dial'");
    if (cur_->spec.imsi.digits.empty()) error(cur_->line, "dialogue '" + cur_->name + "' has no imsi");
    (void)line;
    out_.script.dialogues.push_back(std::move(*cur_));
    cur_.reset();
  }

  ScriptParse run(std::string_view text) {
    int line = 0;
    while (!text.empty()) {
      ++line;
      auto nl = text.find('\n');
      std::string_view raw = text.substr(0, nl);
      text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
      std::string_view l = trim(raw);
      if (l.empty() || l.front() == '#') continue;
      auto sp = l.find_first_of(" \t");
      std::string_view key = l.substr(0, sp);
      std::string_view rest = sp == std::string_view::npos ? std::string_view{} : trim(l.substr(sp));
      std::string value;
      if (key == "expect-end") {
        value = std::string(rest);  // unquoted after the equals/contains word
      } else if (auto u = unquote(rest)) {
        value = std::move(*u);
      } else {
        error(line, "unterminated quoted value");
        continue;
      }

      if (key == "dialogue") {
        if (cur_) {
          error(line, "'dialogue' inside dialogue '" + cur_->name + "' (missing 'end'?)");
          close_dialogue(line);
        }
        cur_.emplace();
        cur_->name = value.empty() ? "dialogue " + std::to_string(out_.script.dialogues.size() + 1) : value;
        cur_->line = line;
        cur_->spec = defaults_;
        have_dial_ = false;
      } else if (key == "end") {
        if (!cur_) error(line, "'end' outside a dialogue");
        else close_dialogue(line);
      } else if (cur_) {
        if (value.empty() && key != "expect-abort" && key != "expect-reject" && key != "expect-timeout" &&
            key != "expect-end")
          error(line, "'" + std::string(key) + "' needs a value");
        else
          dialogue_key(line, key, value);
      } else {
        if (value.empty()) error(line, "'" + std::string(key) + "' needs a value");
        else if (!common_key(line, key, value, defaults_))
          error(line, "unknown key '" + std::string(key) + "' outside a dialogue");
      }
    }
    if (cur_) {
      error(cur_->line, "dialogue '" + cur_->name + "' is not closed with 'end'");
      cur_.reset();
    }
    if (out_.errors.empty() && out_.script.dialogues.empty()) error(line, "no dialogue in the script");
    return std::move(out_);
  }

 private:
  std::string_view file_;
  ScriptParse out_;
  DialogueSpec defaults_;
  std::optional<ScriptDialogue> cur_;
  bool have_dial_ = false;
};

}  // namespace

ScriptParse parse_script(std::string_view text, std::string_view file_name) { return Parser(file_name).run(text); }

std::string_view default_script_text() {
  return R"(# Built-in script of `ussdgw sim` (docs/sim.md).
imsi    234150000000001
msisdn  447700900001
timeout 10s

dialogue menu: the first prompt is answered with 1
  dial   *100#
  answer 1
  answer 1
end

dialogue direct service code
  dial *100*1#
  answer 1
end

dialogue AC version 3 is refused (only networkUnstructuredSsContext-v2 exists)
  ac-version   3
  dial         *100#
  expect-abort ac-refused
end
)";
}

std::vector<std::string> check(const Expectations& e, const DialogueResult& r) {
  std::vector<std::string> f;
  for (std::size_t i = 0; i < e.prompt_contains.size(); ++i) {
    if (i >= r.prompts.size())
      f.push_back("expected prompt " + std::to_string(i + 1) + " containing '" + e.prompt_contains[i] + "', got none");
    else if (!contains(r.prompts[i], e.prompt_contains[i]))
      f.push_back("prompt " + std::to_string(i + 1) + " '" + r.prompts[i] + "' does not contain '" +
                  e.prompt_contains[i] + "'");
  }
  const Outcome& o = r.outcome;
  auto kind_is = [&](OutcomeKind k, const char* what) {
    if (o.kind == k) return true;
    f.push_back(std::string("expected ") + what + ", got " + to_string(o.kind) + ": " + o.text);
    return false;
  };
  bool any = false;
  if (e.end_equals || e.end_contains) {
    any = true;
    if (kind_is(OutcomeKind::kEnd, "a final text")) {
      if (e.end_equals && o.text != *e.end_equals)
        f.push_back("final text '" + o.text + "' is not '" + *e.end_equals + "'");
      if (e.end_contains && !contains(o.text, *e.end_contains))
        f.push_back("final text '" + o.text + "' does not contain '" + *e.end_contains + "'");
    }
  }
  if (e.error) {
    any = true;
    if (kind_is(OutcomeKind::kMapError, "a MAP error")) {
      bool by_name = o.text.starts_with(*e.error + "(");
      bool by_code = std::to_string(o.map_error) == *e.error;
      if (!by_name && !by_code) f.push_back("MAP error " + o.text + " is not " + *e.error);
    }
  }
  if (e.abort) {
    any = true;
    if (kind_is(OutcomeKind::kAbort, "an abort") && !contains(o.text, e.abort_contains))
      f.push_back("abort '" + o.text + "' does not mention '" + e.abort_contains + "'");
  }
  if (e.reject) {
    any = true;
    if (kind_is(OutcomeKind::kReject, "a reject") && !contains(o.text, e.reject_contains))
      f.push_back("reject '" + o.text + "' does not mention '" + e.reject_contains + "'");
  }
  if (e.timeout) {
    any = true;
    kind_is(OutcomeKind::kTimeout, "a timeout");
  }
  if (e.local_abort && !any) {
    any = true;
    kind_is(OutcomeKind::kLocalAbort, "our TC-U-ABORT");
  }
  if (!any) kind_is(OutcomeKind::kEnd, "a final text");
  return f;
}

}  // namespace ussdgw::sim
