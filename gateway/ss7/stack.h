// The libosmo side of one endpoint. Every member function runs on the SS7
// thread (loop.h); the object is created and destroyed there too. It is the
// single owner of the osmo_ss7 instance, the SCCP instance and users, the
// listening IPA server (server mode), the wake-up osmo_fd and the link timer.
// Internal to gateway/ss7.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "gateway/ss7/bridge.h"
#include "gateway/ss7/config.h"
#include "gateway/ss7/osmo.h"
#include "gateway/ss7/osmo_clock.h"
#include "gateway/ss7/reassembly.h"

namespace ussdgw::ss7::detail {

class Stack final : private ReassemblyHandler {
 public:
  // nullptr and *error set (a static text) when libosmo refuses.
  static std::unique_ptr<Stack> create(const EndpointConfig& cfg, std::shared_ptr<Bridge> bridge,
                                       std::uint32_t ss7_id, const char** error);
  ~Stack() override;
  Stack(const Stack&) = delete;
  Stack& operator=(const Stack&) = delete;

 private:
  Stack(const EndpointConfig& cfg, std::shared_ptr<Bridge> bridge);
  const char* build(std::uint32_t ss7_id);
  const char* build_client(std::uint32_t ss7_id);
  const char* build_server(std::uint32_t ss7_id);
  void destroy_server();
  void install_mtp_hook();
  void remove_mtp_hook();

  void drain_outbound();
  void send_segmented(const Unitdata& u);
  // Hands one encoded SCCP message to MTP (MTP-TRANSFER.request, Q.711
  // 6.3), for what libosmo-sigtran cannot build: XUDT segments, XUDTS.
  bool send_sccp(std::span<const std::uint8_t> sccp, std::uint32_t dpc);
  // True when `sccp` was a segmented XUDT and is now the reassembler's.
  bool take_segmented(std::span<const std::uint8_t> sccp, std::uint32_t opc);
  void on_reassembled(const sccp::Message& first, std::vector<std::uint8_t> data, std::uint32_t opc) override;
  void on_failed(ReassemblyFailure why, std::optional<std::vector<std::uint8_t>> xudts, std::uint32_t opc) override;
  void sample_link();
  struct osmo_sccp_user* user_for(const Address& calling) const;

  static int on_outbound_fd(struct osmo_fd* ofd, unsigned int what);
  static void on_link_timer(void* data);
  static int on_scu_prim(struct osmo_prim_hdr* oph, void* ctx);
  static int on_mtp_prim(struct osmo_prim_hdr* oph, void* ctx);

  const EndpointConfig cfg_;
  std::shared_ptr<Bridge> bridge_;
  void* ctx_ = nullptr;  // talloc parent of everything libosmo allocates for us
  struct osmo_ss7_instance* ss7_ = nullptr;
  struct osmo_sccp_instance* sccp_ = nullptr;
  struct osmo_xua_server* xs_ = nullptr;
  struct osmo_ss7_as* as_ = nullptr;
  std::vector<struct osmo_sccp_user*> users_;
  // The SCCP instance's own MTP user, replaced by hook_user_ while we live
  // (see install_mtp_hook), restored before the SCCP instance is destroyed.
  const struct osmo_ss7_user* sccp_mtp_user_ = nullptr;
  struct osmo_ss7_user hook_user_ = {};
  bool delivering_patched_ = false;
  OsmoClock clock_;
  std::unique_ptr<Reassembler> reassembler_;
  std::uint32_t next_local_ref_ = 1;  // segmentation local reference of what we segment (Q.713 3.17)  // the indication being delivered had RI=GT on the wire
  struct osmo_fd out_ofd_ = {};
  struct osmo_timer_list link_timer_ = {};
  bool link_up_ = false;
};

}  // namespace ussdgw::ss7::detail
