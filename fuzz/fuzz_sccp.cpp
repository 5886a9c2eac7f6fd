// SCCP (Q.713) messages and SIGTRAN framing (M3UA, IPA, MTP3, M2PA), plus
// the XUDT reassembler fed with whatever decodes.
#include "fuzz_common.h"
#include "gateway/codec/sccp.h"
#include "gateway/codec/sigtran.h"

#include <array>

using namespace ussdgw;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Bytes in(data, size);
  static sccp::Reassembler reassembler;
  static std::uint64_t tick = 0;
  if (auto m = sccp::decode(in)) {
    std::array<std::uint8_t, 4096> out{};
    touch(sccp::encode(*m, out).ok());
    if (m->segmentation) touch(reassembler.feed(*m, std::chrono::steady_clock::time_point(std::chrono::seconds(++tick))).ok());
  }
  touch(sigtran::decode_m3ua(in).ok());
  touch(sigtran::decode_ipa(in).ok());
  touch(sigtran::decode_mtp3(in).ok());
  touch(sigtran::decode_m2pa(in).ok());
  return 0;
}
