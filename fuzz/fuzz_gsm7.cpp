// The GSM 7-bit alphabet (TS 23.038 §6.2.1 and its extension table §6.2.1.1),
// septet packing (§6.1.2.1.1), UCS2, and the USSD-String text coding with its
// <CR> padding rule (§6.1.2.3.1), as round trips. The first octet picks the
// property (low two bits) and the fill bits for packing (next three bits);
// the rest is the input. A round trip that does not hold aborts.
#include <array>
#include <string>
#include <string_view>

#include "fuzz_common.h"
#include "ussd/codec/ussd_text.h"
#include "ussdgw/gsm7.h"

using namespace ussdgw;

namespace {

// §6.1.2.3.1: a text that ends in <CR> on an octet boundary is sent with a
// second <CR>, which the receiver keeps ("<CR><CR>" is defined as "<CR>").
bool same_text(std::string_view sent, std::string_view got) {
  if (sent == got) return true;
  return !sent.empty() && sent.back() == '\r' && got.size() == sent.size() + 1 && got.substr(0, sent.size()) == sent &&
         got.back() == '\r';
}

// Arbitrary septets -> UTF-8 -> septets -> UTF-8: the text is stable after
// one pass (ESC + unknown code and a lone ESC decode to base characters).
void septets_round_trip(Bytes p) {
  if (p.size() > 200) return;  // the encoder's septet capacity with every character escaped
  auto text = gsm7::to_utf8(p.data(), p.size());
  if (!text) return;
  auto septets = gsm7::from_utf8(text->view());
  must(septets.ok());
  auto again = gsm7::to_utf8(septets->begin(), septets->size());
  must(again.ok() && again->view() == text->view());
}

// Arbitrary UTF-8 -> septets -> UTF-8 is exact when it encodes; likewise
// UCS2 and the USSD-String coding (GSM7 or UCS2 chosen by the encoder).
void text_round_trip(std::string_view utf8) {
  if (auto s = gsm7::from_utf8(utf8)) {
    auto back = gsm7::to_utf8(s->begin(), s->size());
    must(!back.ok() || back->view() == utf8);  // only the 640-octet cap may refuse
  }
  std::array<std::uint8_t, 1024> ucs2;
  if (auto n = gsm7::utf8_to_ucs2(utf8, ucs2.data(), ucs2.size())) {
    auto back = gsm7::ucs2_to_utf8(Bytes(ucs2.data(), *n));
    must(!back.ok() || back->view() == utf8);  // only the 640-octet cap may refuse
  }
  std::array<std::uint8_t, ussd::kMaxUssdStringOctets> out;
  if (auto e = ussd::encode_text(utf8, out)) {
    auto d = ussd::decode_text(e->dcs, Bytes(out.data(), e->octets));
    must(d.ok() && same_text(utf8, d->text.view()));
  }
}

// Septets packed after `fill` bits unpack to the same septets.
void pack_round_trip(Bytes p, std::size_t fill) {
  std::array<std::uint8_t, 400> septets{}, back{};
  const std::size_t n = p.size() < septets.size() ? p.size() : septets.size();
  for (std::size_t i = 0; i < n; ++i) septets[i] = p[i] & 0x7F;
  std::array<std::uint8_t, 400> packed;
  const std::size_t octets = gsm7::pack(septets.data(), n, fill, packed.data(), packed.size());
  if (n == 0 || octets == 0) return;
  must(gsm7::unpack(Bytes(packed.data(), octets), fill, n, back.data()) == n);
  must(septets == back);
}

// Any USSD-String that decodes under any DCS re-encodes to the same text.
void ussd_round_trip(Bytes p) {
  if (p.empty()) return;
  auto d = ussd::decode_text(ussd::Dcs{p[0]}, p.subspan(1));
  if (!d) return;
  std::array<std::uint8_t, ussd::kMaxUssdStringOctets> out;
  auto e = ussd::encode_text(d->text.view(), out);
  if (!e) return;  // e.g. longer than 160 octets once re-encoded
  auto again = ussd::decode_text(e->dcs, Bytes(out.data(), e->octets));
  must(again.ok() && same_text(d->text.view(), again->text.view()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  Bytes p(data + 1, size - 1);
  switch (data[0] & 0x03) {
    case 0: septets_round_trip(p); break;
    case 1: text_round_trip(std::string_view(reinterpret_cast<const char*>(p.data()), p.size())); break;
    case 2: pack_round_trip(p, ((data[0] >> 2) & 0x07) % 7); break;
    case 3: ussd_round_trip(p); break;
  }
  return 0;
}
