// `ussdgw sim`: the network side (MSC/VLR) over SIGTRAN, see docs/sim.md.
#include "tools/sim/cli.h"

namespace ussdgw::app {
int sim_main(int argc, char** argv) { return ussdgw::sim::sim_main(argc, argv); }
}  // namespace ussdgw::app
