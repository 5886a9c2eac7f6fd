#include "tools/decode/sms_concat.h"

#include <algorithm>

namespace ussdgw::decode {

using nlohmann::json;

namespace {

const json& field(const json& j, const char* key) {
  static const json none;
  return j.contains(key) ? j[key] : none;
}

}  // namespace

void ConcatJoiner::feed(std::uint64_t frame, json& tcap) {
  if (!tcap.contains("components")) return;
  for (auto& c : tcap["components"]) {
    if (!c.contains("param") || !c["param"].contains("tpdu")) continue;
    add_part(frame, c["param"], c["param"]["tpdu"]);
  }
}

void ConcatJoiner::add_part(std::uint64_t frame, const json& param, json& tpdu) {
  if (!tpdu.contains("concat") || !tpdu.contains("text")) return;
  const json& c = tpdu["concat"];
  const int total = c.value("total", 0);
  const int seq = c.value("sequence", 0);
  // §9.2.3.24.1: a sequence number of 0 or above the total makes the
  // receiver ignore the IE; the part is then shown on its own.
  if (total < 1 || seq < 1 || seq > total) return;
  const std::string type = tpdu.value("type", "");
  std::string originator, destination;
  if (type == "sms-deliver") {
    originator = field(tpdu, "originator").dump();
    destination = field(param, "sm_rp_da").dump();
  } else if (type == "sms-submit") {
    originator = field(param, "sm_rp_oa").dump();
    destination = field(tpdu, "destination").dump();
  } else {
    return;
  }
  const std::string key = type + '|' + originator + '|' + destination + '|' + (c.value("ref16", false) ? "16:" : "8:") +
                          std::to_string(c.value("reference", 0)) + '|' + std::to_string(total);

  auto it = pending_.find(key);
  if (it == pending_.end()) {
    if (pending_.size() >= kMaxPending) {
      auto oldest = std::min_element(pending_.begin(), pending_.end(),
                                     [](const auto& a, const auto& b) { return a.second.order < b.second.order; });
      pending_.erase(oldest);
    }
    it = pending_.emplace(key, Pending{}).first;
    it->second.order = arrivals_++;
  }
  Pending& p = it->second;
  p.texts[static_cast<std::uint8_t>(seq)] = tpdu["text"].get<std::string>();
  if (p.frames.empty() || p.frames.back() != frame) p.frames.push_back(frame);
  if (p.texts.size() < static_cast<std::size_t>(total)) return;

  std::string text;
  for (const auto& [n, t] : p.texts) text += t;
  tpdu["joined"] = json{{"text", text}, {"parts", total}, {"frames", p.frames}};
  pending_.erase(it);
}

}  // namespace ussdgw::decode
