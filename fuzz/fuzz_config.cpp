// The config loader on any text (issue 7 item 16): whatever an operator's
// file holds, load_string() returns a Config or an error naming a line,
// and never throws, crashes or hangs. The first octet picks the form: the
// text alone, or the text after a minimal valid `ss7` section, so that the
// fuzzer reaches the customers, routes and cross-key checks without having
// to invent a global title first.
#include <string>

#include "config/config.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  std::string text = (data[0] & 1) ? "ss7:\n  global_title: \"447700900123\"\n" : "";
  text.append(reinterpret_cast<const char*>(data + 1), size - 1);
  auto r = ussdgw::config::load_string(text, "fuzz.yaml");
  if (r) {
    const auto& c = r->config;
    touch(c.customers.size() + c.routes.size() + c.ss7.ssns.size());
    // Every route names a customer that exists (the router relies on it).
    for (const auto& route : c.routes)
      if (!c.customer(route.customer)) __builtin_trap();
    touch(r->lines.line_of("customers[0].url"));
  } else {
    // "(yaml)" is the loader's net for a yaml-cpp exception it did not
    // expect: the fuzzer reports it so that the access gets its guard.
    if (r.error().unexpected || r.error().line < 0) __builtin_trap();
    touch(r.error().what().size());
  }
  return 0;
}
