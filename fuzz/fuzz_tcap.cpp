// TCAP (Q.773) messages: transaction and dialogue portions, every component,
// the MAP dialogue PDU in the user information, and a re-encode of it all.
#include "fuzz_common.h"
#include "gateway/codec/map_dialogue.h"
#include "gateway/codec/tcap.h"

#include <array>

using namespace ussdgw;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  tcap::MessageError why;
  auto m = tcap::decode_message(Bytes(data, size), &why);
  if (!m) return 0;
  if (m->dialogue && m->dialogue->user_information) {
    if (auto pdu = map::decode_user_information(*m->dialogue->user_information)) {
      if (pdu->destination_reference) touch(map::read_reference(*pdu->destination_reference).best_digits());
    }
  }
  std::array<tcap::Component, 16> comps;
  std::size_t n = 0;
  auto reader = m->components();
  while (!reader.at_end()) {
    auto c = reader.next();
    if (!c) {
      touch(reader.last_problem().to_reject());
      continue;
    }
    if (n < comps.size()) comps[n++] = *c;
  }
  std::array<std::uint8_t, 8192> out;
  touch(tcap::encode_message(out, *m, std::span<const tcap::Component>(comps.data(), n)).ok());
  touch(tcap::encode_message_raw(out, *m).ok());
  return 0;
}
