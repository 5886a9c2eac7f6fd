// The customer's JSON answer to a USSD step (docs/customer-api.md,
// "Response"): arbitrary octets through parse_step_answer. An accepted answer
// must re-encode to an answer that parses back equal, and every refusal's
// reason must be safe for a log line (no newline, no raw control octet:
// customer text reaches it only through log::quote). The demo customer's
// request parser takes the same octets.
#include <string>
#include <string_view>

#include "fuzz_common.h"
#include "ussd/service/step_codec.h"

using namespace ussdgw;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto answer = ussd::parse_step_answer(body);
  if (answer) {
    auto again = ussd::parse_step_answer(ussd::encode_step_answer(*answer));
    if (!again || !(*again == *answer)) __builtin_trap();
  } else {
    for (char c : answer.error())
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) __builtin_trap();
  }
  auto request = ussd::parse_step_request(body);
  touch(request.ok());
  return 0;
}
