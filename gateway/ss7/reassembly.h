// Reassembly of segmented XUDT at the endpoint (Q.714 §4.1.1.3), before
// anything reaches the TCAP layer.
//
// libosmo-sigtran 1.6 cannot do it: its SCCP -> SUA conversion
// (sccp2sua.c sccp_to_xua_opt) logs "Unsupported SCCP option type 16" for
// the segmentation parameter, ignores that error and delivers every segment
// as an N-UNITDATA.indication of its own; the primitive
// (osmo_scu_unitdata_param) has no field for the parameter. So the endpoint
// takes segmented XUDTs off the MTP-TRANSFER.indication before the SCCP
// instance sees them (stack.cpp, the MTP user hook) and feeds the raw SCCP
// octets here.
//
// A partial message is keyed by the calling party address (its octets as
// received) and the segmentation local reference (Q.713 §3.17). Limits: a
// reassembly timer per message (T(reassembly), Q.714 Annex C.4: 10-20 s),
// a bound on the octets held by all partial messages together and one on
// the number of partial messages. Free of libosmo and of any event loop:
// time comes from the injected Clock, so tests run on a ManualClock.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "gateway/codec/sccp.h"
#include "gateway/ss7/config.h"
#include "ussdgw/clock.h"

namespace ussdgw::ss7 {

// Why a reassembly failed.
enum class ReassemblyFailure : std::uint8_t {
  kTimeout,         // T(reassembly) expired before the last segment came
  kOutOfSequence,   // a segment other than the expected next one, a repeated first segment
  kNoFirstSegment,  // a later segment for which no reassembly is in progress (also a duplicate last one)
  kTooLong,         // the message or all partial messages together would exceed the byte bound
  kTooMany,         // too many messages in reassembly at once
};
[[nodiscard]] const char* to_string(ReassemblyFailure f);

// The return cause of the XUDTS answering a failed reassembly (Q.713 §3.12,
// Table 18):
//  * a segment that never came (timeout): "error in message transport"
//    (0x08), the cause a real SCCP returned for a failed two-segment
//    reassembly (PROTOCOL-NOTES, vector S16 m2pa);
//  * segments that cannot form a message (out of sequence, no first
//    segment): "segmentation failure" (0x0E);
//  * our own resource bound (too long, too many): "error in local
//    processing" (0x09).
[[nodiscard]] sccp::ReturnCause return_cause(ReassemblyFailure f);

// Where the results go: called from feed() or from the reassembly timer.
class ReassemblyHandler {
 public:
  virtual ~ReassemblyHandler() = default;
  // A whole message. `first` is the decoded first segment (addresses,
  // protocol class; its spans are valid during the call only), `data` the
  // user data of all segments in order, `opc` the MTP originating point
  // code the first segment came from.
  virtual void on_reassembled(const sccp::Message& first, std::vector<std::uint8_t> data, std::uint32_t opc) = 0;
  // A reassembly failed and its segments were discarded. `xudts` is the
  // encoded XUDTS to send back to `opc` (the first segment, or the offending
  // one when there is no first, returned with return_cause(why)); nullopt
  // when that segment did not ask for return on error (Q.714 §4.2).
  virtual void on_failed(ReassemblyFailure why, std::optional<std::vector<std::uint8_t>> xudts, std::uint32_t opc) = 0;
};

class Reassembler {
 public:
  Reassembler(Clock& clock, ReassemblyConfig cfg, ReassemblyHandler& handler);
  ~Reassembler();
  Reassembler(const Reassembler&) = delete;
  Reassembler& operator=(const Reassembler&) = delete;

  // One received XUDT carrying a segmentation parameter: `sccp` are its
  // octets, `m` their decoding (sccp::decode(sccp)), `opc` the MTP OPC. A
  // single segment (first, 0 remaining) is whole at once.
  void feed(std::span<const std::uint8_t> sccp, const sccp::Message& m, std::uint32_t opc);

  [[nodiscard]] std::size_t partials() const { return partials_.size(); }
  [[nodiscard]] std::size_t held_bytes() const { return held_; }

 private:
  struct Partial {
    std::vector<std::uint8_t> first;    // the first segment as received
    std::vector<std::uint8_t> calling;  // key: calling address octets
    std::uint32_t ref = 0;              // key: local reference
    std::uint32_t opc = 0;
    std::uint8_t expect_remaining = 0;  // what the next segment must carry
    Clock::SteadyTime deadline;
    std::vector<std::uint8_t> data;
    [[nodiscard]] std::size_t bytes() const { return first.size() + data.size(); }
  };
  using Iter = std::vector<Partial>::iterator;

  Iter find(const sccp::Message& m);
  void fail(ReassemblyFailure why, std::span<const std::uint8_t> returned, std::uint32_t opc);
  void fail_partial(Iter it, ReassemblyFailure why);
  void erase(Iter it);
  void on_timer();
  void rearm();

  Clock& clock_;
  ReassemblyConfig cfg_;
  ReassemblyHandler& handler_;
  std::unique_ptr<Timer> timer_;
  std::vector<Partial> partials_;  // few at a time: a linear search is cheapest
  std::size_t held_ = 0;
};

// The XUDTS returning the XUDT `original` (its octets) with `cause`
// (Q.714 §4.2; the addresses swapped, the user data and segmentation
// parameter returned unchanged). nullopt when `original` cannot be decoded
// or re-encoded.
[[nodiscard]] std::optional<std::vector<std::uint8_t>> encode_return(std::span<const std::uint8_t> original,
                                                                   sccp::ReturnCause cause);

}  // namespace ussdgw::ss7
