// BER reader (X.690): arbitrary bytes walked recursively, indefinite lengths
// and long forms included; the nesting limit must hold.
#include "fuzz_common.h"
#include "ussdgw/ber.h"
#include "ussdgw/tbcd.h"

using namespace ussdgw;

namespace {
void walk(ber::Reader r, int budget) {
  while (!r.at_end() && budget-- > 0) {
    auto t = r.next();
    if (!t) return;
    if (t->tag.constructed) {
      if (auto in = r.enter(*t)) walk(*in, budget);
    } else {
      touch(ber::to_integer(*t).ok());
      touch(ber::oid_to_string(t->value).ok());
      touch(decode_address_string(t->value).ok());
    }
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  walk(ber::Reader(Bytes(data, size)), 4096);
  return 0;
}
