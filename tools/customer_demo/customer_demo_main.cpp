// `ussdgw customer-demo`: the demo customer provisioning server
// (relay/http/demo_customer_server.h) as a standalone process, for operators
// testing their set-up and for the load benchmark (bench/load_bench.sh).
// Prints its URL on stdout once it listens; SIGTERM/SIGINT stop it.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "config/config.h"
#include "tools/customer_demo/demo_customer_server.h"

namespace ussdgw::app {
namespace {

void customer_demo_usage(std::FILE* f) {
  std::fprintf(f,
               "usage: ussdgw customer-demo [options]   (docs/customer-api.md)\n"
               "  --port N               listen port (default 0: an ephemeral port)\n"
               "  --bind ADDR            listen address (default 127.0.0.1)\n"
               "  --secret S             HMAC key shared with the gateway's customer entry (required)\n"
               "  --behaviour B          menu (default) | answer | garbage | wrong-schema |\n"
               "                         http-error | close | fixed\n"
               "                           menu: *100# -> \"1. Balance 2. Profile\" -> reply\n"
               "                           answer: reply \"OK\" to every step at once\n"
               "                           fixed: --reply/--prompt/--release to every step\n"
               "  --delay D              think time before every answer (e.g. 200ms, 30s)\n"
               "  --reply TEXT           fixed: reply (final text) TEXT\n"
               "  --prompt TEXT          fixed: prompt (menu) TEXT\n"
               "  --release [ERROR]      fixed: release, optionally with a MAP error (e.g. systemFailure)\n"
               "  --http-status N        http-error: the status (default 500)\n"
               "  --tls-cert FILE --tls-key FILE   serve HTTPS\n"
               "  --no-verify            accept requests with a wrong or missing signature\n"
               "Prints the URL on stdout when listening; SIGTERM/SIGINT stop it and print counters on stderr.\n");
}

}  // namespace

int customer_demo_main(int argc, char** argv) {
  relay::DemoServerConfig cfg;
  relay::DemoBehaviour behaviour = relay::DemoBehaviour::Menu;
  std::optional<relay::StepAnswer> fixed;
  config::Millis delay{0};
  unsigned http_status = 0;
  auto bad = [](const std::string& why) {
    std::fprintf(stderr, "ussdgw customer-demo: %s\n", why.c_str());
    customer_demo_usage(stderr);
    return 2;
  };
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    bool has_value = i + 1 < argc;
    if (a == "-h" || a == "--help") {
      customer_demo_usage(stdout);
      return 0;
    } else if (a == "--no-verify") {
      cfg.verify_signatures = false;
    } else if (a == "--release") {
      relay::StepAnswer r{relay::StepAction::Release, "", std::nullopt};
      if (has_value && argv[i + 1][0] != '-') {
        r.error = relay::map_error_from_string(argv[++i]);
        if (!r.error) return bad(std::string("--release: unknown MAP error '") + argv[i] + "'");
      }
      fixed = r;
    } else if (!has_value) {
      return bad("missing value or unknown option '" + a + "'");
    } else if (a == "--port") {
      char* end = nullptr;
      long p = std::strtol(argv[++i], &end, 10);
      if (*end != '\0' || p < 0 || p > 65535) return bad(std::string("--port: not a port: ") + argv[i]);
      cfg.port = static_cast<std::uint16_t>(p);
    } else if (a == "--bind") {
      cfg.bind_address = argv[++i];
    } else if (a == "--secret") {
      cfg.secret = argv[++i];
    } else if (a == "--behaviour" || a == "--behavior") {
      std::string b = argv[++i];
      if (b == "menu") behaviour = relay::DemoBehaviour::Menu;
      else if (b == "answer") behaviour = relay::DemoBehaviour::AnswerAtOnce;
      else if (b == "garbage") behaviour = relay::DemoBehaviour::Garbage;
      else if (b == "wrong-schema") behaviour = relay::DemoBehaviour::WrongSchema;
      else if (b == "http-error") behaviour = relay::DemoBehaviour::HttpError;
      else if (b == "close") behaviour = relay::DemoBehaviour::CloseWithoutAnswer;
      else if (b == "fixed") behaviour = relay::DemoBehaviour::Fixed;
      else return bad("--behaviour: unknown behaviour '" + b + "'");
    } else if (a == "--delay") {
      auto d = config::parse_duration(argv[++i]);
      if (!d) return bad(std::string("--delay: not a duration (e.g. 200ms, 30s): ") + argv[i]);
      delay = *d;
    } else if (a == "--reply") {
      fixed = relay::StepAnswer{relay::StepAction::Reply, argv[++i], std::nullopt};
    } else if (a == "--prompt") {
      fixed = relay::StepAnswer{relay::StepAction::Prompt, argv[++i], std::nullopt};
    } else if (a == "--http-status") {
      char* end = nullptr;
      long s = std::strtol(argv[++i], &end, 10);
      if (*end != '\0' || s < 100 || s > 599) return bad(std::string("--http-status: not a status: ") + argv[i]);
      http_status = static_cast<unsigned>(s);
    } else if (a == "--tls-cert") {
      cfg.tls_cert_file = argv[++i];
    } else if (a == "--tls-key") {
      cfg.tls_key_file = argv[++i];
    } else {
      return bad("unknown option '" + a + "'");
    }
  }
  if (cfg.secret.empty() && cfg.verify_signatures) return bad("--secret is required (or --no-verify)");
  if (cfg.tls_cert_file.empty() != cfg.tls_key_file.empty()) return bad("--tls-cert and --tls-key go together");
  if (fixed && behaviour == relay::DemoBehaviour::Menu) behaviour = relay::DemoBehaviour::Fixed;

  boost::asio::io_context io(1);
  auto started = relay::DemoCustomerServer::start(io, cfg);
  if (!started) {
    std::fprintf(stderr, "ussdgw customer-demo: %s\n", started.error().c_str());
    return 1;
  }
  auto server = std::move(started).value();
  server->set_behaviour(behaviour);
  if (delay.count() > 0) server->set_delay(delay);
  if (fixed) server->set_answer(*fixed);
  if (http_status) server->set_http_status(http_status);

  std::printf("%s\n", server->url().c_str());
  std::fflush(stdout);

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) return;
    server->stop();
    io.stop();
  });
  io.run();
  const auto& s = server->stats();
  std::fprintf(stderr,
               "ussdgw customer-demo: stopped. connections=%llu requests=%llu answers=%llu bad_signatures=%llu "
               "max_open_connections=%zu\n",
               static_cast<unsigned long long>(s.connections_accepted.load()),
               static_cast<unsigned long long>(s.requests.load()), static_cast<unsigned long long>(s.answers.load()),
               static_cast<unsigned long long>(s.bad_signatures.load()), s.max_open_connections.load());
  return 0;
}

}  // namespace ussdgw::app
