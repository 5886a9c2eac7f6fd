// A customer server that answers every step with one fixed StepAnswer, over
// real loopback HTTP. The demo customer server (relay/http) only speaks its
// menu; the stories about texts (UCS2, too long) need the customer to say a
// given text. It does not check signatures: the relay tests cover those.
#pragma once

#include <utility>

#include <memory>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "relay/http/relay_types.h"
#include "relay/http/step_codec.h"

namespace ussdsvc_test {

class ScriptedCustomer : public std::enable_shared_from_this<ScriptedCustomer> {
 public:
  ScriptedCustomer(boost::asio::io_context& io, ussdgw::relay::StepAnswer answer)
      : io_(io), acceptor_(io), body_(ussdgw::relay::encode_step_answer(answer)) {}

  static std::shared_ptr<ScriptedCustomer> start(boost::asio::io_context& io, ussdgw::relay::StepAnswer answer) {
    namespace asio = boost::asio;
    auto s = std::make_shared<ScriptedCustomer>(io, std::move(answer));
    asio::ip::tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
    s->acceptor_.open(ep.protocol());
    s->acceptor_.bind(ep);
    s->acceptor_.listen();
    asio::co_spawn(io, s->accept_loop(), asio::detached);
    return s;
  }
  ~ScriptedCustomer() = default;

  [[nodiscard]] std::string url() const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + "/ussd";
  }
  void stop() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
  }
  int requests = 0;

 private:
  boost::asio::awaitable<void> accept_loop() {
    namespace asio = boost::asio;
    auto self = shared_from_this();
    for (;;) {
      boost::system::error_code ec;
      asio::ip::tcp::socket sock = co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      asio::co_spawn(io_, serve(std::move(sock)), asio::detached);
    }
  }

  boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket sock) {
    namespace asio = boost::asio;
    namespace http = boost::beast::http;
    auto self = shared_from_this();
    boost::beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> req;
      boost::system::error_code ec;
      co_await http::async_read(sock, buffer, req, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      ++requests;
      http::response<http::string_body> res{http::status::ok, req.version()};
      res.set(http::field::content_type, "application/json");
      res.body() = body_;
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      co_await http::async_write(sock, res, asio::redirect_error(asio::use_awaitable, ec));
      if (ec || !req.keep_alive()) break;
    }
    boost::system::error_code ignored;
    sock.close(ignored);
  }

  boost::asio::io_context& io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::string body_;
};

}  // namespace ussdsvc_test
