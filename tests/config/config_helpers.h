// Shared by the config tests: a complete valid config, and the first problem
// `ussdgw run --check` reports for a YAML text (the loader's, then the
// modules' checks made by the composition root), "" when there is none.
#pragma once

#include <string>

#include "app/config_check.h"
#include "config/config.h"

namespace config_test {

inline const char* kGood = R"(ss7:
  mode: ipa-client
  remote: {host: 127.0.0.1, port: 5000}
  point_code: 0.0.2
  next_hop_point_code: 0.0.3
  global_title: "447700900123"
  ssn: [147]
tcap:
  max_dialogues: 5000
ussd:
  step_deadline: 5s
  default_customer: acme
customers:
  - id: acme
    url: http://10.1.0.2:8080/ussd
    secret: 0123456789abcdef0123
    step_deadline: 3500ms
    fallback: {text: "Try later"}
routes:
  - service_code: "*100"
    customer: acme
)";

// The problem with `yaml` as file "gw.yaml", or "" when it is valid.
inline std::string problem(const std::string& yaml) {
  auto loaded = ussdgw::config::load_string(yaml, "gw.yaml");
  if (!loaded) return loaded.error().what();
  auto checked = ussdgw::app::check(*loaded);
  return checked ? std::string() : checked.error().what();
}

// `text` with the first `from` replaced by `to` (which must be there).
inline std::string replaced(std::string text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  if (at == std::string::npos) return "<'" + from + "' not in the text>";
  return text.replace(at, from.size(), to);
}

}  // namespace config_test
