// ussdgw: one process, subcommands (DESIGN.md "Architecture").
#include <cstdio>
#include <cstring>
#include <string_view>

namespace ussdgw::app {
int decode_main(int argc, char** argv);
int sim_main(int argc, char** argv);
int run_main(int argc, char** argv);
int customer_demo_main(int argc, char** argv);
int demo_main(int argc, char** argv);
}

namespace {
void usage() {
  std::fprintf(stderr,
               "usage: ussdgw <command> [options]\n"
               "  demo     the whole USSD pull on loopback: simulator, osmo-stp, gateway, customer\n"
               "  run      run the gateway (--config FILE, see docs/config.md)\n"
               "  decode   decode SS7 captures or hex to JSON Lines (see docs/decode.md)\n"
               "  sim      simulate the network side (MSC/VLR) over SIGTRAN (see docs/sim.md)\n"
               "  customer-demo  run the demo customer server standalone (--behaviour, --delay; see --help)\n");
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    usage();
    return 2;
  }
  std::string_view cmd = argv[1];
  if (cmd == "demo") return ussdgw::app::demo_main(argc - 1, argv + 1);
  if (cmd == "run") return ussdgw::app::run_main(argc - 1, argv + 1);
  if (cmd == "decode") return ussdgw::app::decode_main(argc - 1, argv + 1);
  if (cmd == "sim") return ussdgw::app::sim_main(argc - 1, argv + 1);
  if (cmd == "customer-demo") return ussdgw::app::customer_demo_main(argc - 1, argv + 1);
  if (cmd == "-h" || cmd == "--help" || cmd == "help") {
    usage();
    return 0;
  }
  std::fprintf(stderr, "ussdgw: unknown command '%s'\n", argv[1]);
  usage();
  return 2;
}
