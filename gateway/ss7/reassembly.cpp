#include "gateway/ss7/reassembly.h"

#include <algorithm>
#include <array>

namespace ussdgw::ss7 {

const char* to_string(ReassemblyFailure f) {
  switch (f) {
    case ReassemblyFailure::kTimeout: return "reassembly timer expired";
    case ReassemblyFailure::kOutOfSequence: return "segment out of sequence";
    case ReassemblyFailure::kNoFirstSegment: return "segment without a first segment";
    case ReassemblyFailure::kTooLong: return "message longer than the reassembly bound";
    case ReassemblyFailure::kTooMany: return "too many messages in reassembly";
  }
  return "reassembly failed";
}

sccp::ReturnCause return_cause(ReassemblyFailure f) {
  switch (f) {
    case ReassemblyFailure::kTimeout: return sccp::ReturnCause::ErrorInMessageTransport;
    case ReassemblyFailure::kOutOfSequence:
    case ReassemblyFailure::kNoFirstSegment: return sccp::ReturnCause::SegmentationFailure;
    case ReassemblyFailure::kTooLong:
    case ReassemblyFailure::kTooMany: return sccp::ReturnCause::ErrorInLocalProcessing;
  }
  return sccp::ReturnCause::SegmentationFailure;
}

std::optional<std::vector<std::uint8_t>> encode_return(std::span<const std::uint8_t> original, sccp::ReturnCause cause) {
  auto m = sccp::decode(original);
  if (!m) return std::nullopt;
  // Q.713 §4.19: the XUDTS is at most as long as the XUDT plus nothing: one
  // octet replaces another (class -> return cause).
  std::vector<std::uint8_t> out(original.size() + 16);
  auto n = sccp::encode(sccp::make_service(*m, cause), out);
  if (!n) return std::nullopt;
  out.resize(*n);
  return out;
}

Reassembler::Reassembler(Clock& clock, ReassemblyConfig cfg, ReassemblyHandler& handler)
    : clock_(clock), cfg_(cfg), handler_(handler), timer_(clock.make_timer()) {}

Reassembler::~Reassembler() = default;

Reassembler::Iter Reassembler::find(const sccp::Message& m) {
  return std::find_if(partials_.begin(), partials_.end(), [&](const Partial& p) {
    return p.ref == m.segmentation->ref.value &&
           std::equal(p.calling.begin(), p.calling.end(), m.calling_raw.begin(), m.calling_raw.end());
  });
}

void Reassembler::erase(Iter it) {
  held_ -= it->bytes();
  partials_.erase(it);
}

void Reassembler::fail(ReassemblyFailure why, std::span<const std::uint8_t> returned, std::uint32_t opc) {
  std::optional<std::vector<std::uint8_t>> xudts;
  auto m = sccp::decode(returned);
  if (m && m->protocol_class.return_on_error()) xudts = encode_return(returned, return_cause(why));
  handler_.on_failed(why, std::move(xudts), opc);
}

void Reassembler::fail_partial(Iter it, ReassemblyFailure why) {
  std::vector<std::uint8_t> first = std::move(it->first);
  std::uint32_t opc = it->opc;
  held_ -= first.size();  // the moved-out part; erase() takes the rest
  erase(it);
  fail(why, first, opc);
}

void Reassembler::feed(std::span<const std::uint8_t> raw, const sccp::Message& m, std::uint32_t opc) {
  if (!m.segmentation) return;
  const sccp::Segmentation& s = *m.segmentation;
  auto it = find(m);

  if (s.first) {
    if (it != partials_.end()) {
      // A second first segment for a message in progress: the two cannot
      // be told apart, so both are given up (Q.714 §4.1.1.3 reassembly error).
      fail_partial(it, ReassemblyFailure::kOutOfSequence);
      fail(ReassemblyFailure::kOutOfSequence, raw, opc);
      return;
    }
    if (s.remaining == 0) {  // a single segment (Q.714 §4.1.1.2.3 allows it)
      handler_.on_reassembled(m, std::vector<std::uint8_t>(m.data.begin(), m.data.end()), opc);
      return;
    }
    if (partials_.size() >= cfg_.max_partials) return fail(ReassemblyFailure::kTooMany, raw, opc);
    if (held_ + raw.size() + m.data.size() > cfg_.max_held_bytes) return fail(ReassemblyFailure::kTooLong, raw, opc);
    Partial p;
    p.first.assign(raw.begin(), raw.end());
    p.calling.assign(m.calling_raw.begin(), m.calling_raw.end());
    p.ref = s.ref.value;
    p.opc = opc;
    p.expect_remaining = static_cast<std::uint8_t>(s.remaining - 1);
    p.deadline = clock_.now() + cfg_.timeout;
    p.data.assign(m.data.begin(), m.data.end());
    held_ += p.bytes();
    partials_.push_back(std::move(p));
    rearm();
    return;
  }

  if (it == partials_.end()) return fail(ReassemblyFailure::kNoFirstSegment, raw, opc);
  if (s.remaining != it->expect_remaining) return fail_partial(it, ReassemblyFailure::kOutOfSequence);
  if (held_ + m.data.size() > cfg_.max_held_bytes) return fail_partial(it, ReassemblyFailure::kTooLong);
  it->data.insert(it->data.end(), m.data.begin(), m.data.end());
  held_ += m.data.size();
  if (s.remaining > 0) {
    it->expect_remaining = static_cast<std::uint8_t>(s.remaining - 1);
    return;
  }
  // Last segment: the message is whole. Take it out of the table before
  // calling the handler (which may feed us again).
  Partial done = std::move(*it);
  held_ -= done.bytes();
  partials_.erase(it);
  rearm();
  auto first = sccp::decode(done.first);  // decoded once already when it arrived
  if (first) handler_.on_reassembled(*first, std::move(done.data), done.opc);
}

void Reassembler::on_timer() {
  const auto now = clock_.now();
  // Collect first: the handler may feed us again.
  std::vector<Partial> expired;
  for (auto it = partials_.begin(); it != partials_.end();) {
    if (it->deadline <= now) {
      held_ -= it->bytes();
      expired.push_back(std::move(*it));
      it = partials_.erase(it);
    } else {
      ++it;
    }
  }
  rearm();
  for (auto& p : expired) fail(ReassemblyFailure::kTimeout, p.first, p.opc);
}

void Reassembler::rearm() {
  if (partials_.empty()) {
    timer_->cancel();
    return;
  }
  auto earliest = std::min_element(partials_.begin(), partials_.end(), [](const Partial& a, const Partial& b) {
                    return a.deadline < b.deadline;
                  })->deadline;
  // The timer is ours and dies with us: capturing `this` is safe (Clock
  // contract: no callback after its Timer is destroyed).
  timer_->arm(earliest, [this] { on_timer(); });
}

}  // namespace ussdgw::ss7
