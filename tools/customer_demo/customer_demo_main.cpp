// `ussdgw customer-demo`: the demo customer provisioning server
// (tools/customer_demo/demo_customer_server.h) as a standalone process, for operators
// testing their set-up and for the load benchmark (bench/load_bench.sh).
// Prints its URL on stdout once it listens; SIGTERM/SIGINT stop it.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "config/config.h"
#include "tools/customer_demo/demo_customer_server.h"
#include "ussd/service/step_codec.h"

namespace ussdgw::app {
namespace {

void customer_demo_usage(std::FILE* f) {
  std::fprintf(f,
               "usage: ussdgw customer-demo [options]   (docs/customer-api.md)\n"
               "  --port N               listen port (default 0: an ephemeral port)\n"
               "  --bind ADDR            listen address (default 127.0.0.1)\n"
               "  --secret-file FILE     HMAC key shared with the gateway's customer entry, read from FILE\n"
               "                         (one trailing newline is dropped). Or set USSDGW_CUSTOMER_SECRET.\n"
               "  --secret S             the same on the command line (visible to `ps`: prefer the file\n"
               "                         or the environment). One of the three is required.\n"
               "  --behaviour B          menu (default) | answer | garbage | wrong-schema |\n"
               "                         http-error | close | fixed\n"
               "                           menu: *100# -> \"1. Balance 2. Profile\" -> reply\n"
               "                           answer: reply \"OK\" to every step at once\n"
               "                           fixed: --reply/--prompt/--release to every step\n"
               "  --delay D              think time before every answer (e.g. 200ms, 30s)\n"
               "  --read-timeout D       a request's header and body must arrive within D of the connection\n"
               "                         opening or the previous answer, else the connection is closed\n"
               "                         (default 20s)\n"
               "  --reply TEXT           fixed: reply (final text) TEXT\n"
               "  --prompt TEXT          fixed: prompt (menu) TEXT\n"
               "  --release [ERROR]      fixed: release, optionally with a MAP error (e.g. systemFailure)\n"
               "  --http-status N        http-error: the status (default 500)\n"
               "  --tls-cert FILE --tls-key FILE   serve HTTPS\n"
               "  --no-verify            accept requests with a wrong or missing signature\n"
               "Prints the URL on stdout when listening; SIGTERM/SIGINT stop it and print counters on stderr.\n");
}

// The secret from a file: what operators copy around must not sit on a
// command line. One trailing newline (as editors and `echo` write) is not
// part of the key.
std::optional<std::string> read_secret_file(const std::string& path, std::string& why) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    why = "--secret-file: cannot read '" + path + "'";
    return std::nullopt;
  }
  std::string s{std::istreambuf_iterator<char>(f), {}};
  if (!s.empty() && s.back() == '\n') s.pop_back();
  if (!s.empty() && s.back() == '\r') s.pop_back();
  if (s.empty()) {
    why = "--secret-file: '" + path + "' is empty";
    return std::nullopt;
  }
  return s;
}

}  // namespace

int customer_demo_main(int argc, char** argv) {
  using ussd::StepAction;
  using ussd::StepAnswer;
  customer_demo::DemoServerConfig cfg;
  customer_demo::DemoBehaviour behaviour = customer_demo::DemoBehaviour::Menu;
  std::optional<StepAnswer> fixed;
  std::optional<std::string> secret_arg, secret_file;
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
      StepAnswer r{StepAction::Release, "", std::nullopt};
      if (has_value && argv[i + 1][0] != '-') {
        r.error = ussd::map_error_from_string(argv[++i]);
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
      secret_arg = argv[++i];
    } else if (a == "--secret-file") {
      secret_file = argv[++i];
    } else if (a == "--read-timeout") {
      auto d = config::parse_duration(argv[++i]);
      if (!d || d->count() <= 0) return bad(std::string("--read-timeout: not a positive duration: ") + argv[i]);
      cfg.read_timeout = *d;
    } else if (a == "--behaviour" || a == "--behavior") {
      std::string b = argv[++i];
      if (b == "menu") behaviour = customer_demo::DemoBehaviour::Menu;
      else if (b == "answer") behaviour = customer_demo::DemoBehaviour::AnswerAtOnce;
      else if (b == "garbage") behaviour = customer_demo::DemoBehaviour::Garbage;
      else if (b == "wrong-schema") behaviour = customer_demo::DemoBehaviour::WrongSchema;
      else if (b == "http-error") behaviour = customer_demo::DemoBehaviour::HttpError;
      else if (b == "close") behaviour = customer_demo::DemoBehaviour::CloseWithoutAnswer;
      else if (b == "fixed") behaviour = customer_demo::DemoBehaviour::Fixed;
      else return bad("--behaviour: unknown behaviour '" + b + "'");
    } else if (a == "--delay") {
      auto d = config::parse_duration(argv[++i]);
      if (!d) return bad(std::string("--delay: not a duration (e.g. 200ms, 30s): ") + argv[i]);
      delay = *d;
    } else if (a == "--reply") {
      fixed = StepAnswer{StepAction::Reply, argv[++i], std::nullopt};
    } else if (a == "--prompt") {
      fixed = StepAnswer{StepAction::Prompt, argv[++i], std::nullopt};
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
  if (secret_arg && secret_file) return bad("--secret and --secret-file: give the secret once");
  if (secret_file) {
    std::string why;
    auto s = read_secret_file(*secret_file, why);
    if (!s) return bad(why);
    cfg.secret = std::move(*s);
  } else if (secret_arg) {
    cfg.secret = std::move(*secret_arg);
  } else if (const char* env = std::getenv("USSDGW_CUSTOMER_SECRET"); env && *env) {
    cfg.secret = env;
  }
  if (cfg.secret.empty() && cfg.verify_signatures)
    return bad("a secret is required: --secret-file, USSDGW_CUSTOMER_SECRET or --secret (or --no-verify)");
  if (cfg.tls_cert_file.empty() != cfg.tls_key_file.empty()) return bad("--tls-cert and --tls-key go together");
  if (fixed && behaviour == customer_demo::DemoBehaviour::Menu) behaviour = customer_demo::DemoBehaviour::Fixed;

  boost::asio::io_context io(1);
  auto started = customer_demo::DemoCustomerServer::start(io, cfg);
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
