#include "ussd/service/config_check.h"

#include <array>
#include <string>

#include "gateway/codec/map_errors.h"
#include "gateway/codec/map_names.h"
#include "ussd/codec/ussd_text.h"

namespace ussdgw::ussd {
namespace {

// TS 29.002 §17.6.4 processUnstructuredSS-Request ERRORS, then ussd-Busy.
constexpr map::MapError kUssdErrors[] = {map::MapError::SystemFailure,   map::MapError::DataMissing,
                                         map::MapError::UnexpectedDataValue, map::MapError::UnknownAlphabet,
                                         map::MapError::CallBarred,      map::MapError::UssdBusy};

std::string_view name_of(map::MapError e) { return map::error_name(static_cast<std::int64_t>(e)); }

// Why `text` cannot be a USSD-String, or "" when it can. The same encoder
// the service sends with, so what passes here can be sent.
std::string text_problem(const std::string& text) {
  std::array<std::uint8_t, kMaxUssdStringOctets> buf{};
  auto r = encode_text(text, buf, EncodeAs::Auto);
  if (r) return "";
  return std::string("cannot be sent as a USSD string (1 to 160 octets once encoded: 182 GSM 7-bit or 80 UCS2 "
                     "characters): ") +
         r.error().what;
}

std::string error_name_problem(const std::string& name) {
  if (ussd_error_code(name)) return "";
  std::string names;
  for (const auto& n : ussd_error_names()) names += (names.empty() ? "" : ", ") + n;
  return "'" + name + "' is not a MAP error processUnstructuredSS-Request may return; one of " + names;
}

}  // namespace

const std::vector<std::string>& ussd_error_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (map::MapError e : kUssdErrors) v.emplace_back(name_of(e));
    return v;
  }();
  return names;
}

std::optional<std::uint8_t> ussd_error_code(std::string_view name) {
  for (map::MapError e : kUssdErrors)
    if (name_of(e) == name) return static_cast<std::uint8_t>(e);
  return std::nullopt;
}

Expected<Ok, ConfigError> validate(const ServiceConfig& c) {
  const UssdSettings& u = c.ussd;
  if (!u.busy_text.empty())
    if (auto p = text_problem(u.busy_text); !p.empty()) return ConfigError{{}, 0, "ussd.busy_text", p};
  if (auto p = error_name_problem(u.no_route_error); !p.empty())
    return ConfigError{{}, 0, "ussd.no_route_error", p};
  for (std::size_t i = 0; i < c.customers.size(); ++i) {
    const Fallback& f = c.customers[i].fallback;
    const std::string key = "customers[" + std::to_string(i) + "].fallback.";
    if (f.map_error) {  // the text is never sent then
      if (auto p = error_name_problem(*f.map_error); !p.empty()) return ConfigError{{}, 0, key + "map_error", p};
    } else if (auto p = text_problem(f.text); !p.empty()) {
      return ConfigError{{}, 0, key + "text", p};
    }
  }
  return Ok{};
}

}  // namespace ussdgw::ussd
