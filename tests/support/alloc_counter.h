// Counts calls to the global operator new, for tests that prove a decode path
// does not touch the heap. Linked into the codec test binaries only
// (tests/CMakeLists.txt); replacing operator new is off under ASan, which
// brings its own, and then counting() is false.
#pragma once

#include <cstddef>

namespace ussdgw::test {
// True when this binary counts allocations (not an ASan build).
bool counting_allocations();
// Allocations made by the calling program so far.
long allocations();
}  // namespace ussdgw::test
