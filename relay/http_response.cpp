#include "relay/http_response.h"

#include <algorithm>
#include <cctype>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>

#include "ussdgw/log.h"

namespace ussdgw::relay {

namespace http = boost::beast::http;
using boost::system::error_code;

ResponseParser::ResponseParser(Response& r) : r_(r) {
  r_.status = 0;
  r_.reason.clear();
  r_.content_type.clear();
  r_.body.clear();
  body_limit(kMaxResponseBody);
  header_limit(kMaxResponseHeader);
}

void ResponseParser::on_request_impl(http::verb, string_view, string_view, int, error_code& ec) {
  ec = http::error::bad_version;  // unreachable: this is a response parser
}
void ResponseParser::on_response_impl(int code, string_view reason, int, error_code&) {
  r_.status = code;
  r_.reason.assign(reason.data(), reason.size());
}
void ResponseParser::on_field_impl(http::field name, string_view, string_view value, error_code&) {
  if (name == http::field::content_type && !seen_content_type_) {
    seen_content_type_ = true;
    r_.content_type.assign(value.data(), value.size());
  }
}
void ResponseParser::on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) {
  if (length) r_.body.reserve(static_cast<std::size_t>(std::min(*length, kMaxResponseBody)));
}
std::size_t ResponseParser::on_body_impl(string_view s, error_code&) {
  r_.body.append(s.data(), s.size());
  return s.size();
}
std::size_t ResponseParser::on_chunk_body_impl(std::uint64_t, string_view s, error_code&) {
  r_.body.append(s.data(), s.size());
  return s.size();
}

namespace {

// The media type without parameters, lower-cased and trimmed.
std::string media_type(std::string_view content_type) {
  auto semi = content_type.find(';');
  std::string_view t = content_type.substr(0, semi);
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  std::string out(t);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

}  // namespace

ReplyResult classify_response(const Response& r) {
  if (r.status < 200 || r.status > 299) {
    return RelayFailure{FailureKind::HttpStatus, r.status,
                        "customer answered HTTP " + std::to_string(r.status) + " " + log::quote(r.reason)};
  }
  if (media_type(r.content_type) != "application/json")
    return RelayFailure{FailureKind::BadResponse, r.status,
                        "content type is " + log::quote(r.content_type) + ", not application/json"};
  return CustomerReply{r.status, r.body};
}

RelayFailure read_failure(const error_code& ec) {
  const bool http_syntax = ec.category() == http::make_error_code(http::error::bad_version).category() &&
                           ec != http::error::end_of_stream && ec != http::error::partial_message;
  if (http_syntax) return RelayFailure{FailureKind::BadResponse, 0, "malformed HTTP response: " + ec.message()};
  return RelayFailure{FailureKind::ConnectionLost, 0, "reading response: " + ec.message()};
}

ReplyResult parse_response_octets(std::string_view wire) {
  Response res;
  for (int interim = 0;; ++interim) {
    ResponseParser parser(res);
    error_code ec;
    while (!parser.is_done()) {
      std::size_t used = 0;
      if (!wire.empty()) {
        used = parser.put(boost::asio::buffer(wire.data(), wire.size()), ec);
        wire.remove_prefix(used);
        if (ec == http::error::need_more) ec = {};
        if (ec) return read_failure(ec);
      }
      if (used == 0 && !parser.is_done()) {
        // Nothing more will come: on a socket this is the end of the stream,
        // which completes a body delimited by the close and fails the rest
        // (Beast's async_read reports end_of_stream before the first octet).
        if (!parser.got_some()) return read_failure(http::error::end_of_stream);
        parser.put_eof(ec);
        if (ec) return read_failure(ec);
      }
    }
    if (!is_interim(res)) return classify_response(res);
    if (interim + 1 >= kMaxInterimResponses)
      return RelayFailure{FailureKind::BadResponse, res.status,
                          "more than " + std::to_string(kMaxInterimResponses) + " interim responses"};
  }
}

}  // namespace ussdgw::relay
