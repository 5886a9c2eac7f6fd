// Local transaction ids (Q.774 §3.2.1.1): layout with the instance number,
// lookup, and the rules that keep a late message off a new transaction.
#include <doctest/doctest.h>

#include <chrono>
#include <set>

#include "gateway/tcap/transaction_table.h"

using namespace ussdgw;
using namespace ussdgw::dialogue;
using namespace std::chrono_literals;

namespace {
const TransactionTable::Time t0{std::chrono::hours(1)};
}

TEST_CASE("a tid carries the instance number in its top 4 bits and finds its slot") {
  TransactionTable t(TableConfig{100, 2s, 5});
  auto e = t.allocate(t0);
  REQUIRE(e);
  CHECK(e->tid.instance() == 5);
  CHECK(t.ours(e->tid));
  CHECK(t.find(e->tid) == e->slot);
  CHECK(t.find(e->tid.wire()) == e->slot);
  CHECK(t.tid(e->slot) == e->tid);
  // The same low bits under another instance number are not ours.
  LocalTid other{(e->tid.value & 0x0fffffffu) | (6u << LocalTid::kInstanceShift)};
  CHECK_FALSE(t.ours(other));
  CHECK_FALSE(t.find(other));
  // Only 4-octet dtids can be ours.
  CHECK_FALSE(t.find(TransactionId::from_u32(e->tid.value, 3)));
  CHECK(t.open() == 1);
}

TEST_CASE("instance 0 by default, and a tid is never 0") {
  TransactionTable t(TableConfig{4, 0ms, 0});
  std::set<std::uint32_t> seen;
  for (int k = 0; k < 10000; ++k) {
    auto e = t.allocate(t0);
    REQUIRE(e);
    CHECK(e->tid.value != 0);
    CHECK(e->tid.instance() == 0);
    CHECK(seen.insert(e->tid.value).second);  // not reused soon
    t.release(e->slot, t0);
    CHECK_FALSE(t.find(e->tid));  // a freed tid is unknown at once
  }
}

TEST_CASE("a freed slot waits out the quarantine while the table can grow") {
  TransactionTable t(TableConfig{4, 2s, 0});
  auto a = t.allocate(t0);
  REQUIRE(a);
  t.release(a->slot, t0);
  auto b = t.allocate(t0 + 1s);
  REQUIRE(b);
  CHECK(b->slot != a->slot);  // still in quarantine: a new slot
  auto c = t.allocate(t0 + 2s);
  REQUIRE(c);
  CHECK(c->slot == a->slot);  // quarantine over: reused, with a new tid
  CHECK(c->tid != a->tid);
  CHECK(t.slots() == 2);
}

TEST_CASE("the table is bounded: allocate says when it is full") {
  TransactionTable t(TableConfig{0, 2s, 0});  // room for the minimum (256 slots)
  std::uint32_t n = 0;
  while (t.allocate(t0)) ++n;
  CHECK(n == 256);
  CHECK(t.open() == 256);
}
