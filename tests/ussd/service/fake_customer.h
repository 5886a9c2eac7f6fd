// Customers for the service's unit tests: fakes of the customer channel
// (relay/customer_channel.h) that answer on the test's ManualClock, so a
// story about a slow, failing or misbehaving customer runs in microseconds
// with no socket and no sleep. Each fake behaves like the demo customer
// server's behaviours (the same scripted menu, tools/customer_demo), and
// keeps the channel's contract: the answer never comes inside send(), and a
// call whose deadline passes completes with Timeout at that deadline.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "relay/customer_channel.h"
#include "tools/customer_demo/demo_customer_server.h"
#include "ussd/service/step_codec.h"
#include "ussdgw/manual_clock.h"

namespace ussdsvc_test {

enum class Behaviour : std::uint8_t {
  Menu,          // the demo menu (customer_demo::DemoMenu)
  AnswerAtOnce,  // {"action":"reply","text":"OK"}
  Garbage,       // 200 application/json, not JSON
  Fixed,         // the answer given to set_answer()
  RawJson,       // the body given to set_raw_json(), as is
  Down,          // the connection is refused: ConnectFailed
};

struct FakeRequestSeen {
  std::string idempotency_key;
  std::string body;
};

struct FakeStats {
  std::uint64_t requests = 0;
  std::uint64_t answers = 0;    // answers delivered to the service
  std::uint64_t cancelled = 0;  // calls the service cancelled before the answer
};

class FakeCustomer {
 public:
  FakeCustomer(ussdgw::ManualClock& clock, std::string id, Behaviour b) : clock_(clock), id_(std::move(id)), b_(b) {}

  // What the config's customers[].url names; the channel factory finds the fake by it.
  [[nodiscard]] std::string url() const { return "http://fake-" + id_ + ".invalid/ussd"; }
  void set_behaviour(Behaviour b) { b_ = b; }
  // Think time before every answer, on the manual clock.
  void set_delay(std::chrono::milliseconds d) { delay_ = d; }
  void set_answer(ussdgw::ussd::StepAnswer a) {
    fixed_ = std::move(a);
    b_ = Behaviour::Fixed;
  }
  void set_raw_json(std::string body) {
    raw_ = std::move(body);
    b_ = Behaviour::RawJson;
  }
  [[nodiscard]] const FakeStats& stats() const { return stats_; }
  [[nodiscard]] std::optional<FakeRequestSeen> last_request() const { return last_; }

  // One call, as the channel runs it.
  class Call : public ussdgw::relay::PendingCall {
   public:
    Call(FakeCustomer& c, ussdgw::relay::ReplyCallback done) : customer_(c), done_(std::move(done)), timer_(c.clock_.make_timer()) {}
    void cancel() override {
      if (!done_) return;
      ++customer_.stats_.cancelled;
      finish(ussdgw::relay::RelayFailure{ussdgw::relay::FailureKind::Cancelled, 0, "cancelled by caller"});
    }
    // Completes on the next clock turn (never inside send() or cancel()).
    void finish_at(ussdgw::Clock::SteadyTime at, ussdgw::relay::ReplyResult r) {
      timer_->arm(at, [this, r = std::move(r)]() mutable {
        if (r) ++customer_.stats_.answers;
        finish(std::move(r));
      });
    }

   private:
    void finish(ussdgw::relay::ReplyResult r) {
      auto done = std::move(done_);
      done_ = nullptr;
      timer_->cancel();
      if (!done) return;
      // The channel's callbacks run later, never inside the caller: hand the
      // outcome to the clock, which runs it on its next turn.
      auto later = customer_.clock_.make_timer();
      auto* t = later.get();
      customer_.deferred_.push_back(std::move(later));
      t->arm(customer_.clock_.now(), [done = std::move(done), r = std::move(r)]() mutable { done(std::move(r)); });
    }
    FakeCustomer& customer_;
    ussdgw::relay::ReplyCallback done_;
    std::unique_ptr<ussdgw::Timer> timer_;
  };

  ussdgw::relay::CallHandle send(ussdgw::relay::CustomerRequest req, std::chrono::milliseconds deadline,
                                 ussdgw::relay::ReplyCallback done) {
    using ussdgw::relay::FailureKind;
    using ussdgw::relay::RelayFailure;
    ++stats_.requests;
    last_ = FakeRequestSeen{req.idempotency_key, req.body};
    auto call = std::make_shared<Call>(*this, std::move(done));
    calls_.push_back(call);
    const auto now = clock_.now();
    if (b_ == Behaviour::Down) {
      call->finish_at(now, RelayFailure{FailureKind::ConnectFailed, 0, "connecting to 127.0.0.1:9 (Connection refused)"});
    } else if (delay_ >= deadline) {
      call->finish_at(now + deadline,
                      RelayFailure{FailureKind::Timeout, 0, "no answer within " + std::to_string(deadline.count()) + " ms"});
    } else {
      call->finish_at(now + delay_, ussdgw::relay::CustomerReply{200, body_for(req.body)});
    }
    return ussdgw::relay::CallHandle(std::weak_ptr<ussdgw::relay::PendingCall>(call));
  }

 private:
  std::string body_for(const std::string& request) {
    using namespace ussdgw::ussd;
    switch (b_) {
      case Behaviour::AnswerAtOnce: return R"({"action":"reply","text":"OK"})";
      case Behaviour::Garbage: return "<html>this is not JSON";
      case Behaviour::Fixed: return encode_step_answer(fixed_);
      case Behaviour::RawJson: return raw_;
      case Behaviour::Menu:
      case Behaviour::Down: break;
    }
    auto step = parse_step_request(request);
    if (!step) return R"({"error":"bad request body"})";
    return encode_step_answer(menu_.answer(step.value()));
  }

  ussdgw::ManualClock& clock_;
  std::string id_;
  Behaviour b_;
  std::chrono::milliseconds delay_{0};
  ussdgw::ussd::StepAnswer fixed_{ussdgw::ussd::StepAction::Reply, "OK", std::nullopt};
  std::string raw_;
  ussdgw::customer_demo::DemoMenu menu_;
  FakeStats stats_;
  std::optional<FakeRequestSeen> last_;
  std::vector<std::shared_ptr<Call>> calls_;
  std::vector<std::unique_ptr<ussdgw::Timer>> deferred_;
};

// The channel the service holds for one customer: forwards to its fake.
class FakeChannel final : public ussdgw::relay::CustomerChannel {
 public:
  FakeChannel(FakeCustomer& c, ussdgw::CustomerId id) : c_(c), id_(std::move(id)) {}
  ussdgw::relay::CallHandle send(ussdgw::relay::CustomerRequest request, std::chrono::milliseconds deadline,
                                 ussdgw::relay::ReplyCallback done) override {
    return c_.send(std::move(request), deadline, std::move(done));
  }
  [[nodiscard]] const ussdgw::CustomerId& customer() const override { return id_; }

 private:
  FakeCustomer& c_;
  ussdgw::CustomerId id_;
};

}  // namespace ussdsvc_test
