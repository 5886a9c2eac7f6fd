// SMS TPDUs (TS 23.040) in both directions, and USSD/SMS text decoding
// (TS 23.038) under every DCS.
#include "fuzz_common.h"
#include "hlr-sms/codec/tpdu.h"
#include "ussd/codec/ussd_text.h"

#include <array>
#include <variant>

using namespace ussdgw;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  Bytes p(data + 1, size - 1);
  std::array<std::uint8_t, 512> out;
  auto dir = (data[0] & 1) ? sms::Direction::MsToSc : sms::Direction::ScToMs;
  if (auto t = sms::decode_tpdu(p, dir)) {
    if (auto* d = std::get_if<sms::Deliver>(&*t)) touch(sms::encode_deliver(*d, out).ok());
    if (auto* s = std::get_if<sms::Submit>(&*t)) touch(sms::encode_submit(*s, out).ok());
  }
  // The first octet doubles as a USSD DCS for the text decoder.
  if (auto txt = ussd::decode_text(ussd::Dcs{data[0]}, p)) touch(txt->text.size());
  if (auto g = gsm7::to_utf8(p.data(), p.size())) touch(g->size());
  if (auto u = gsm7::ucs2_to_utf8(p)) touch(u->size());
  std::string_view s(reinterpret_cast<const char*>(p.data()), p.size());
  if (auto e = ussd::encode_text(s, out)) touch(e->octets);
  return 0;
}
