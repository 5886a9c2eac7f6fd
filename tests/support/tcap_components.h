// The components of a decoded TCAP message as a list, for tests that look at
// them one by one (the codec vectors, the dialogue layer's sent messages).
// Fails the test when a component does not decode.
#pragma once

#include <doctest/doctest.h>

#include <vector>

#include "gateway/codec/tcap.h"

namespace ussdgw::test {

inline std::vector<tcap::Component> all_components(const tcap::Message& m) {
  std::vector<tcap::Component> out;
  auto r = m.components();
  while (!r.at_end()) {
    auto c = r.next();
    REQUIRE(c.ok());
    out.push_back(*c);
  }
  return out;
}

}  // namespace ussdgw::test
