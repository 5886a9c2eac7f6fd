// The glue between Beast's HTTP/1.1 response framing and the channel's
// answer (docs/customer-api.md, "Response"): what is kept of a response, how
// interim 1xx responses are told apart (RFC 9110 §15.2: skipped, the final
// response follows on the same connection), and how a final response
// becomes a CustomerReply or a RelayFailure. No I/O here, so the rules are
// tested and fuzzed without sockets (fuzz/fuzz_http_response.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/beast/http/basic_parser.hpp>

#include "relay/customer_channel.h"

namespace ussdgw::relay {

// A valid answer is a few hundred octets; anything near these limits is a
// misbehaving customer, and reading it would only delay the failure.
inline constexpr std::uint64_t kMaxResponseBody = 16 * 1024;
inline constexpr std::uint32_t kMaxResponseHeader = 8 * 1024;
// Interim responses tolerated before the final one: a customer that only
// ever sends 100 Continue is failed, not waited for until the deadline.
inline constexpr int kMaxInterimResponses = 8;

// What the relay needs from a response, kept per connection so its strings
// keep their capacity from one exchange to the next.
struct Response {
  int status = 0;
  std::string reason;
  std::string content_type;  // the first Content-Type field
  std::string body;
};

// An HTTP/1.1 response parser that stores only the fields above: no field
// list is built, so parsing a response allocates nothing once the strings
// have grown. Beast does the framing, limits and keep-alive logic.
// One parser per response: after an interim (1xx) response, make a new one
// on the same buffer.
class ResponseParser final : public boost::beast::http::basic_parser<false> {
 public:
  explicit ResponseParser(Response& r);

 private:
  using error_code = boost::system::error_code;
  using string_view = boost::beast::string_view;
  void on_request_impl(boost::beast::http::verb, string_view, string_view, int, error_code& ec) override;
  void on_response_impl(int code, string_view reason, int, error_code&) override;
  void on_field_impl(boost::beast::http::field name, string_view, string_view value, error_code&) override;
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override;
  std::size_t on_body_impl(string_view s, error_code&) override;
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, string_view s, error_code&) override;
  void on_finish_impl(error_code&) override {}

  Response& r_;
  bool seen_content_type_ = false;
};

// An interim response (1xx, RFC 9110 §15.2): not the answer; the final one follows.
[[nodiscard]] inline bool is_interim(const Response& r) { return r.status >= 100 && r.status <= 199; }

// A final response as the channel's result: 2xx with media type
// application/json gives the body; anything else a failure whose reason
// quotes (log::quote) what the customer sent.
[[nodiscard]] ReplyResult classify_response(const Response& r);

// The failure for a read that ended in a Beast/Asio error: BadResponse for
// broken HTTP syntax, else ConnectionLost.
[[nodiscard]] RelayFailure read_failure(const boost::system::error_code& ec);

// The whole path from octets to a result, as the client runs it on a socket
// (interim responses skipped, at most kMaxInterimResponses), for tests and
// the fuzzer: `wire` is everything the customer sent; a response that does
// not end within it is ConnectionLost.
[[nodiscard]] ReplyResult parse_response_octets(std::string_view wire);

}  // namespace ussdgw::relay
