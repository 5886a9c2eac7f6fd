// BER reader (X.690): arbitrary bytes walked recursively, indefinite lengths
// and long forms included; the nesting limit must hold. Every element read is
// written back with the canonical writer and read again: the writer's output
// must be accepted and carry the same tag and contents (and the same INTEGER
// value), also when the tag needs the long form (§8.1.2.4) or the length the
// long form (§8.1.3.5). A writer with too little room must say so.
#include <array>
#include <cstring>

#include "fuzz_common.h"
#include "ussdgw/ber.h"
#include "ussdgw/tbcd.h"

using namespace ussdgw;

namespace {

void write_back(ber::Writer& w, const ber::Tlv& t) {
  if (t.tag.constructed) {
    auto m = w.open(t.tag);
    w.put_raw(t.value);
    w.close(m);
  } else {
    w.put(t.tag, t.value);
  }
}

void rewrite(const ber::Tlv& t) {
  static std::array<std::uint8_t, 70000> buf;
  ber::Writer w(buf);
  write_back(w, t);
  must(w.ok());
  auto back = ber::parse_single(w.bytes());
  must(back.ok());
  must(back->tag == t.tag && !back->indefinite);
  must(back->value.size() == t.value.size() &&
       (t.value.empty() || std::memcmp(back->value.data(), t.value.data(), t.value.size()) == 0));
  // A buffer one octet short overflows instead of writing past its end.
  if (w.size() > 1) {
    ber::Writer small(std::span<std::uint8_t>(buf.data(), w.size() - 1));
    write_back(small, t);
    must(!small.ok());
  }
}

void primitive(const ber::Tlv& t) {
  if (auto v = ber::to_integer(t)) {
    std::array<std::uint8_t, 16> out;
    ber::Writer w(out);
    w.put_integer(t.tag, *v);
    auto back = ber::parse_single(w.bytes());
    must(back.ok());
    auto again = ber::to_integer(*back);
    must(again.ok() && *again == *v);
  }
  touch(ber::to_boolean(t).ok());
  touch(ber::to_null(t).ok());
  if (auto s = ber::oid_to_string(t.value)) {
    FixedVector<std::uint8_t, 32> enc;
    touch(ber::oid_from_string(s->view(), enc));
  }
  touch(decode_address_string(t.value).ok());
}

void walk(ber::Reader r, int& budget) {
  while (!r.at_end() && budget-- > 0) {
    auto t = r.next();
    if (!t) return;
    rewrite(*t);
    if (t->tag.constructed) {
      if (auto in = r.enter(*t)) walk(*in, budget);
    } else {
      primitive(*t);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Bytes in(data, size);
  int budget = 4096;
  walk(ber::Reader(in), budget);
  touch(ber::parse_single(in).ok());
  // The input as dotted text: the OID parser takes operator-written strings.
  FixedVector<std::uint8_t, 32> enc;
  touch(ber::oid_from_string(std::string_view(reinterpret_cast<const char*>(data), size), enc));
  return 0;
}
