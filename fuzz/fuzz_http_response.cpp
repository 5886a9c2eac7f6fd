// The glue between Beast's HTTP/1.1 response framing and the customer
// channel (relay/http_response.h): arbitrary octets as everything a customer
// sent on a connection, interim 1xx responses skipped, the final response
// classified. A reply is always a 2xx; every failure reason is safe for a
// log line; an accepted body goes on to the USSD step's JSON codec, as the
// service does.
#include <string_view>

#include "fuzz_common.h"
#include "relay/http_response.h"
#include "ussd/service/step_codec.h"

using namespace ussdgw;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto r = relay::parse_response_octets(std::string_view(reinterpret_cast<const char*>(data), size));
  if (r) {
    if (r->http_status < 200 || r->http_status > 299) __builtin_trap();
    if (r->body.size() > relay::kMaxResponseBody) __builtin_trap();
    touch(ussd::parse_step_answer(r->body).ok());
  } else {
    for (char c : r.error().reason)
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) __builtin_trap();
  }
  return 0;
}
