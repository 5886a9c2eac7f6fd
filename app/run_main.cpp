// `ussdgw run --config FILE`: the gateway process.
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "app/config_check.h"
#include "app/gateway.h"
#include "config/config.h"
#include "ussdgw/log.h"

namespace ussdgw::app {
namespace {

void run_usage() {
  std::fprintf(stderr,
               "usage: ussdgw run --config FILE [--check] [--stats-every DURATION]\n"
               "  --check              check the config as far as it can be without the network, and exit (0 = valid)\n"
               "  --stats-every D      print counters every D (e.g. 10s; default: at exit only)\n"
               "Config keys: docs/config.md. SIGTERM/SIGINT: graceful stop.\n");
}

// Prints the counters every `every` until the gateway stops.
void schedule_stats(boost::asio::steady_timer& t, gateway::Gateway& gw, config::Millis every) {
  t.expires_after(every);
  t.async_wait([&t, &gw, every](const boost::system::error_code& ec) {
    if (ec) return;
    log::info("gw", gateway::to_string(gw.stats()), "Counters");
    schedule_stats(t, gw, every);
  });
}

}  // namespace

int run_main(int argc, char** argv) {
  std::string path;
  bool check = false;
  std::optional<config::Millis> stats_every;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    // "--config --check" is a missing value too, not a file called "--check".
    if ((a == "--config" || a == "--stats-every") && (i + 1 == argc || std::string_view(argv[i + 1]).starts_with("--"))) {
      std::fprintf(stderr, "ussdgw run: %s: the value is missing\n", a.c_str());
      run_usage();
      return 2;
    }
    if (a == "--config") path = argv[++i];
    else if (a == "--check") check = true;
    else if (a == "--stats-every") {
      stats_every = config::parse_duration(argv[++i]);
      if (!stats_every || stats_every->count() == 0) {
        std::fprintf(stderr, "ussdgw run: --stats-every: not a duration: %s\n", argv[i]);
        return 2;
      }
    } else if (a == "-h" || a == "--help") {
      run_usage();
      return 0;
    } else {
      std::fprintf(stderr, "ussdgw run: unknown argument '%s'\n", a.c_str());
      run_usage();
      return 2;
    }
  }
  if (path.empty()) {
    run_usage();
    return 2;
  }
  auto loaded = load_and_check(path);
  if (!loaded) {
    std::fprintf(stderr, "ussdgw run: %s\n", loaded.error().what().c_str());
    return 2;
  }
  const config::Config& cfg = *loaded;
  if (check) {
    std::printf("%s: valid\n", path.c_str());
    return 0;
  }
  log::configure(cfg.log);

  boost::asio::io_context io(1);
  auto gw = gateway::Gateway::create(io, cfg);
  if (!gw) {
    std::fprintf(stderr, "ussdgw run: %s\n", gw.error().c_str());
    return 1;
  }
  auto& g = *gw.value();
  auto started = g.start();
  if (!started) {
    std::fprintf(stderr, "ussdgw run: %s\n", started.error().c_str());
    return 1;
  }
  log::notice("gw",
              "instance=" + std::to_string(cfg.instance.number) +
                  (cfg.instance.name.empty() ? "" : "/" + cfg.instance.name) + " gt=" + cfg.ss7.global_title + " pc=" + ussdgw::to_string(cfg.ss7.point_code) +
                  " customers=" + std::to_string(cfg.customers.size()) + " db=" + cfg.storage.path,
              "Running");

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  boost::asio::steady_timer stats_timer(io);
  if (stats_every) schedule_stats(stats_timer, g, *stats_every);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    log::notice("gw", sig == SIGTERM ? "signal=SIGTERM" : "signal=SIGINT", "Stopping",
                "open dialogues get " + std::to_string(cfg.tcap.shutdown_grace.count()) + " ms to end");
    // A second signal stops at once.
    signals.async_wait([&](const boost::system::error_code& e2, int) {
      if (!e2) io.stop();
    });
    g.shutdown([&] {
      stats_timer.cancel();
      signals.cancel();
      io.stop();
    });
  });
  io.run();
  log::notice("gw", gateway::to_string(g.stats()), "Stopped");
  log::flush();
  return 0;
}

}  // namespace ussdgw::app
