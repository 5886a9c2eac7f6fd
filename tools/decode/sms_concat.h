// Joins the parts of a concatenated short message seen in one capture
// (TS 23.040 §9.2.3.24.1 8-bit and §9.2.3.24.8 16-bit reference).
//
// Parts belong together when they have the same TPDU type, originator,
// destination, reference (and its width) and total. For an SMS-DELIVER the
// originator is TP-OA and the destination the SM-RP-DA of the MAP message
// (the IMSI or LMSI it goes to); for an SMS-SUBMIT the originator is the
// SM-RP-OA (the sender's MSISDN) and the destination TP-DA. When the last
// missing part arrives, that part's `tpdu` object gains
//   "joined": {"text": ..., "parts": total, "frames": [...]}
// with the parts' texts in sequence order, and every part keeps its own
// fields. A part sent again (a retransmission) replaces the earlier copy and
// its frame is listed too, as tshark lists it among the fragments.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ussdgw::decode {

class ConcatJoiner {
 public:
  // Messages still waiting for parts; beyond this the oldest is dropped so a
  // capture of millions of lone parts cannot grow the tool without bound.
  static constexpr std::size_t kMaxPending = 4096;

  // `tcap` is the decoded `tcap` object of one message (describe_tcap);
  // the components' `param.tpdu` objects are read and, on completion, extended.
  void feed(std::uint64_t frame, nlohmann::json& tcap);

  [[nodiscard]] std::size_t pending() const { return pending_.size(); }

 private:
  struct Pending {
    std::uint64_t order = 0;                // arrival of the first part, for eviction
    std::map<std::uint8_t, std::string> texts;  // by sequence number
    std::vector<std::uint64_t> frames;
  };
  void add_part(std::uint64_t frame, const nlohmann::json& param, nlohmann::json& tpdu);

  std::map<std::string, Pending> pending_;
  std::uint64_t arrivals_ = 0;
};

}  // namespace ussdgw::decode
