#include "ussd/service/step_codec.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <ctime>

#include <nlohmann/json.hpp>

#include "ussdgw/log.h"

namespace ussdgw::ussd {

using nlohmann::json;

namespace {

constexpr std::array<std::pair<MapErrorName, std::string_view>, 6> kMapErrors{{
    {MapErrorName::SystemFailure, "systemFailure"},
    {MapErrorName::DataMissing, "dataMissing"},
    {MapErrorName::UnexpectedDataValue, "unexpectedDataValue"},
    {MapErrorName::UnknownAlphabet, "unknownAlphabet"},
    {MapErrorName::CallBarred, "callBarred"},
    {MapErrorName::UssdBusy, "ussd-Busy"},
}};

// Code points in valid UTF-8 (nlohmann has already rejected invalid UTF-8).
std::size_t utf8_length(std::string_view s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

bool is_digits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<std::chrono::system_clock::time_point> parse_iso8601_utc(std::string_view s) {
  // Exactly the form format_iso8601_utc writes: YYYY-MM-DDTHH:MM:SS.mmmZ
  if (s.size() != 24 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
      s[19] != '.' || s[23] != 'Z')
    return std::nullopt;
  auto num = [&](std::size_t pos, std::size_t len, int& out) {
    std::string_view part = s.substr(pos, len);
    if (!is_digits(part)) return false;
    out = 0;
    for (char c : part) out = out * 10 + (c - '0');
    return true;
  };
  int y, mo, d, h, mi, se, ms;
  if (!num(0, 4, y) || !num(5, 2, mo) || !num(8, 2, d) || !num(11, 2, h) || !num(14, 2, mi) || !num(17, 2, se) ||
      !num(20, 3, ms))
    return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = se;
  std::time_t secs = timegm(&tm);
  return std::chrono::system_clock::from_time_t(secs) + std::chrono::milliseconds(ms);
}

}  // namespace

std::string_view to_string(MapErrorName e) {
  for (const auto& [k, name] : kMapErrors)
    if (k == e) return name;
  return "systemFailure";
}

std::optional<MapErrorName> map_error_from_string(std::string_view s) {
  for (const auto& [k, name] : kMapErrors)
    if (name == s) return k;
  return std::nullopt;
}

std::string_view to_string(StepAction a) {
  switch (a) {
    case StepAction::Reply: return "reply";
    case StepAction::Prompt: return "prompt";
    case StepAction::Release: return "release";
  }
  return "release";
}

std::string format_iso8601_utc(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  auto ms_total = duration_cast<milliseconds>(t.time_since_epoch()).count();
  auto secs = static_cast<std::time_t>(ms_total / 1000);
  auto ms = static_cast<int>(ms_total % 1000);
  if (ms < 0) {  // before 1970: keep the fraction positive
    ms += 1000;
    --secs;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[80];  // room for any int the compiler can imagine in each field
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
  return buf;
}

std::string session_label(std::string_view session_prefix, SessionId session) {
  std::string s(session_prefix);
  s += std::to_string(session.value);
  return s;
}

std::string idempotency_key(std::string_view session_label, StepNumber step) {
  std::string k(session_label);
  k += '-';
  k += std::to_string(step.value);
  return k;
}

relay::CustomerRequest encode_step_request(const StepRequest& req, std::string_view session_prefix) {
  std::string label = session_label(session_prefix, req.session);
  // nlohmann::ordered_json keeps the documented key order, which makes bodies
  // easy to read in captures and logs.
  nlohmann::ordered_json j;
  j["version"] = 1;
  j["session_id"] = label;
  j["step"] = req.step.value;
  j["imsi"] = req.imsi ? json(req.imsi->digits.str()) : json(nullptr);
  j["msisdn"] = req.msisdn ? json(req.msisdn->digits.str()) : json(nullptr);
  j["service_code"] = req.service_code;
  j["text"] = req.text;
  j["dcs"] = req.dcs;
  j["network"] = {{"calling_gt", req.calling_gt.digits.str()}, {"called_gt", req.called_gt.digits.str()}};
  j["time"] = format_iso8601_utc(req.received_at);
  // Invalid UTF-8 from a decoder bug must not make the gateway throw mid-step:
  // replace it, the customer sees U+FFFD.
  relay::CustomerRequest out;
  out.body = j.dump(-1, ' ', false, json::error_handler_t::replace);
  out.idempotency_key = idempotency_key(label, req.step);
  return out;
}

Expected<ReceivedStep, std::string> parse_step_request(std::string_view body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) return std::string("body is not JSON");
  if (!j.is_object()) return std::string("body is not a JSON object");
  auto str = [&](const char* key) -> const std::string* {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get_ptr<const std::string*>() : nullptr;
  };
  ReceivedStep received;
  StepRequest& r = received.request;
  auto v = j.find("version");
  if (v == j.end() || !v->is_number_unsigned() || v->get<unsigned>() != 1) return std::string("version is not 1");
  const std::string* session = str("session_id");
  if (!session || session->empty()) return std::string("session_id missing");
  received.session_id = *session;
  auto step = j.find("step");
  if (step == j.end() || !step->is_number_unsigned() || step->get<std::uint64_t>() == 0 ||
      step->get<std::uint64_t>() > UINT32_MAX)
    return std::string("step is not a positive integer");
  r.step.value = step->get<std::uint32_t>();
  for (const char* key : {"imsi", "msisdn"}) {
    auto it = j.find(key);
    if (it == j.end()) return std::string(key) + " missing";
    if (it->is_null()) continue;
    if (!it->is_string() || !is_digits(it->get_ref<const std::string&>()))
      return std::string(key) + " is neither null nor digits";
    Digits d(it->get_ref<const std::string&>());
    if (std::string_view(key) == "imsi") r.imsi = Imsi{d};
    else r.msisdn = Msisdn{d};
  }
  const std::string* code = str("service_code");
  const std::string* text = str("text");
  if (!code || !text) return std::string("service_code or text missing");
  r.service_code = *code;
  r.text = *text;
  auto dcs = j.find("dcs");
  if (dcs == j.end() || !dcs->is_number_unsigned() || dcs->get<unsigned>() > 255) return std::string("dcs is not an octet");
  r.dcs = dcs->get<std::uint8_t>();
  auto net = j.find("network");
  if (net == j.end() || !net->is_object()) return std::string("network missing");
  auto calling = net->find("calling_gt");
  auto called = net->find("called_gt");
  if (calling == net->end() || called == net->end() || !calling->is_string() || !called->is_string())
    return std::string("network.calling_gt or network.called_gt missing");
  r.calling_gt.digits.assign(calling->get_ref<const std::string&>());
  r.called_gt.digits.assign(called->get_ref<const std::string&>());
  const std::string* time = str("time");
  auto when = time ? parse_iso8601_utc(*time) : std::nullopt;
  if (!when) return std::string("time is not YYYY-MM-DDTHH:MM:SS.mmmZ");
  r.received_at = *when;
  return received;
}

Expected<StepAnswer, std::string> parse_step_answer(std::string_view body) {
  json j;
  try {
    j = json::parse(body);  // also rejects invalid UTF-8 inside strings
  } catch (const json::exception& e) {
    // parse_error, and out_of_range for a number no double holds
    // ("2e29919", found by fuzz/fuzz_step_answer.cpp: before, it escaped and
    // ended the process). The message repeats what was read last: customer
    // text.
    return "body is not JSON: " + log::quote(e.what(), 160);
  }
  if (!j.is_object()) return std::string("body is not a JSON object");
  // Unknown keys are refused rather than ignored: a misspelt "eror" would
  // otherwise turn an intended release-with-error into a silent empty release.
  for (const auto& [key, value] : j.items()) {
    if (key != "action" && key != "text" && key != "error") return "unknown key " + log::quote(key);
  }
  auto action = j.find("action");
  if (action == j.end()) return std::string("'action' missing");
  if (!action->is_string()) return std::string("'action' is not a string");
  const auto& a = action->get_ref<const std::string&>();
  StepAnswer out;
  if (a == "reply") out.action = StepAction::Reply;
  else if (a == "prompt") out.action = StepAction::Prompt;
  else if (a == "release") out.action = StepAction::Release;
  else return "'action' is " + log::quote(a) + ", not reply, prompt or release";

  auto text = j.find("text");
  if (text != j.end() && !text->is_null()) {
    if (!text->is_string()) return std::string("'text' is not a string");
    out.text = text->get<std::string>();
  }
  auto error = j.find("error");
  if (error != j.end() && !error->is_null()) {
    if (!error->is_string()) return std::string("'error' is not a string");
    const auto& name = error->get_ref<const std::string&>();
    if (!name.empty()) {
      out.error = map_error_from_string(name);
      if (!out.error) return "'error' is " + log::quote(name) + ", not a MAP error name the gateway can send";
    }
  }

  if (out.action == StepAction::Release) {
    if (!out.text.empty()) return std::string("'release' carries no text (use 'reply' for a final text)");
    return out;
  }
  if (out.error) return "'error' is only allowed with 'release', not with '" + a + "'";
  if (out.text.empty()) return "'" + a + "' needs a non-empty 'text'";
  if (std::size_t n = utf8_length(out.text); n > kMaxUssdChars)
    return "'text' has " + std::to_string(n) + " characters, more than " + std::to_string(kMaxUssdChars) +
           " fit in a USSD string";
  return out;
}

std::string encode_step_answer(const StepAnswer& answer) {
  nlohmann::ordered_json j;
  j["action"] = std::string(to_string(answer.action));
  if (!answer.text.empty()) j["text"] = answer.text;
  if (answer.error) j["error"] = std::string(to_string(*answer.error));
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace ussdgw::ussd
