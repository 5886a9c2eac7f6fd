// `ussdgw sim --respond`: the benchmark baseline. Plays the gateway side at
// SSN 147 and answers every BEGIN at once with a fixed END (AARE accepted +
// returnResultLast(processUnstructuredSS-Request) with a fixed USSD-Res):
// no TCAP state, no customer, so a load run against it measures the
// transport (endpoint + STP) alone.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "common/ussdgw/result.h"

namespace ussdgw::sim {

class CannedResponder {
 public:
  explicit CannedResponder(std::string_view final_text = "OK");

  // The END for `begin` (valid until the next call), or nullopt when the
  // message is not a BEGIN with an otid (nothing is answered then).
  std::optional<Bytes> answer(Bytes begin);

  [[nodiscard]] std::uint64_t answered() const { return answered_; }
  [[nodiscard]] std::uint64_t ignored() const { return ignored_; }

 private:
  std::vector<std::uint8_t> res_;  // USSD-Res, encoded once
  std::array<std::uint8_t, 512> buf_{};
  std::uint64_t answered_ = 0, ignored_ = 0;
};

}  // namespace ussdgw::sim
