#include "gateway/ss7/stack.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstring>
#include <string>

#include "gateway/ss7/addressing.h"
#include "ussdgw/log.h"

namespace ussdgw::ss7::detail {
namespace {

struct osmo_sccp_addr to_osmo(const Address& a) {
  struct osmo_sccp_addr o = {};
  o.ri = a.ri == RoutingIndicator::kGlobalTitle ? OSMO_SCCP_RI_GT : OSMO_SCCP_RI_SSN_PC;
  if (a.ssn) {
    o.presence |= OSMO_SCCP_ADDR_T_SSN;
    o.ssn = a.ssn->value;
  }
  if (a.pc) {
    o.presence |= OSMO_SCCP_ADDR_T_PC;
    o.pc = a.pc->value;
  }
  if (a.gt) {
    o.presence |= OSMO_SCCP_ADDR_T_GT;
    o.gt.gti = a.gt->gti;
    o.gt.tt = a.gt->tt;
    o.gt.npi = a.gt->np;
    o.gt.nai = a.gt->nai;
    auto d = a.gt->digits.view();
    std::memcpy(o.gt.digits, d.data(), d.size());  // digits[32], at most 31 used: stays NUL-terminated
  }
  return o;
}

Address from_osmo(const struct osmo_sccp_addr& o) {
  Address a;
  a.ri = o.ri == OSMO_SCCP_RI_GT ? RoutingIndicator::kGlobalTitle : RoutingIndicator::kSubsystem;
  if (o.presence & OSMO_SCCP_ADDR_T_SSN) a.ssn = Ssn{static_cast<std::uint8_t>(o.ssn)};
  if (o.presence & OSMO_SCCP_ADDR_T_PC) a.pc = PointCode{o.pc};
  if (o.presence & OSMO_SCCP_ADDR_T_GT) {
    GlobalTitle gt;
    gt.gti = o.gt.gti;
    gt.tt = o.gt.tt;
    gt.np = static_cast<std::uint8_t>(o.gt.npi);
    gt.nai = static_cast<std::uint8_t>(o.gt.nai);
    gt.digits.assign(std::string_view(o.gt.digits, strnlen(o.gt.digits, sizeof o.gt.digits)));
    a.gt = gt;
  }
  return a;
}

std::vector<std::uint8_t> user_data(struct msgb* msg) {
  const auto* p = static_cast<const std::uint8_t*>(msgb_l2(msg));
  if (!p) return {};
  return {p, p + msgb_l2len(msg)};
}

enum osmo_ss7_asp_protocol protocol_of(Transport t) {
  return t == Transport::kM3uaClient ? OSMO_SS7_ASP_PROT_M3UA : OSMO_SS7_ASP_PROT_IPA;
}

}  // namespace

Stack::Stack(const EndpointConfig& cfg, std::shared_ptr<Bridge> bridge) : cfg_(cfg), bridge_(std::move(bridge)) {}

std::unique_ptr<Stack> Stack::create(const EndpointConfig& cfg, std::shared_ptr<Bridge> bridge, std::uint32_t ss7_id,
                                     const char** error) {
  std::unique_ptr<Stack> s(new Stack(cfg, std::move(bridge)));
  if (const char* e = s->build(ss7_id)) {
    *error = e;
    return nullptr;  // ~Stack frees whatever was built
  }
  return s;
}

const char* Stack::build(std::uint32_t ss7_id) {
  ctx_ = talloc_named_const(nullptr, 0, "ussdgw-ss7-endpoint");
  if (osmo_ss7_instance_find(ss7_id)) return "ss7 instance id already in use";
  const char* e = cfg_.transport == Transport::kIpaServer ? build_server(ss7_id) : build_client(ss7_id);
  if (e) return e;

  for (Ssn ssn : cfg_.ssns) {
    std::string uname = cfg_.name + "-ssn" + std::to_string(ssn.value);
    struct osmo_sccp_user* scu = osmo_sccp_user_bind(sccp_, uname.c_str(), &Stack::on_scu_prim, ssn.value);
    if (!scu) return "osmo_sccp_user_bind failed (SSN bound twice?)";
    osmo_sccp_user_set_priv(scu, this);
    users_.push_back(scu);
  }
  reassembler_ = std::make_unique<Reassembler>(clock_, cfg_.reassembly, static_cast<ReassemblyHandler&>(*this));
  install_mtp_hook();

  osmo_fd_setup(&out_ofd_, bridge_->outbound_fd, OSMO_FD_READ, &Stack::on_outbound_fd, this, 0);
  if (osmo_fd_register(&out_ofd_) < 0) {
    out_ofd_.fd = -1;
    return "osmo_fd_register failed";
  }
  osmo_timer_setup(&link_timer_, &Stack::on_link_timer, this);
  sample_link();
  return nullptr;
}

const char* Stack::build_client(std::uint32_t ss7_id) {
  auto proto = protocol_of(cfg_.transport);
  // osmo_sccp_simple_client creates instance, AS "as-clnt-NAME", ASP
  // "asp-clnt-NAME" (the IPA unit name an STP matches its AS against), a
  // default route 0/0 to that AS, and starts connecting.
  sccp_ = osmo_sccp_simple_client_on_ss7_id(
      ctx_, ss7_id, cfg_.name.c_str(), cfg_.own_pc.value, proto, cfg_.local_port,
      cfg_.local_host.empty() ? nullptr : cfg_.local_host.c_str(), cfg_.remote_port, cfg_.remote_host.c_str());
  if (!sccp_) return "osmo_sccp_simple_client failed";
  ss7_ = osmo_sccp_get_ss7(sccp_);
  as_ = osmo_ss7_as_find_by_proto(ss7_, proto);
  if (!as_) return "simple client created no AS";
  // RFC 4666 3.3.1: the routing context the SG provisioned for our AS; the
  // simple client leaves it 0. Set before the loop runs, hence before the
  // ASP-ACTIVE that carries it.
  as_->cfg.routing_key.context = cfg_.routing_context;
  struct osmo_ss7_asp* asp = osmo_ss7_asp_find_by_proto(as_, proto);
  // libosmo-netif's stream client retries every 5 s by default; the ASP
  // keeps this client object across reconnects.
  if (asp && asp->client)
    osmo_stream_cli_set_reconnect_timeout(asp->client, static_cast<int>(cfg_.reconnect_interval.count()));
  return nullptr;
}

const char* Stack::build_server(std::uint32_t ss7_id) {
  ss7_ = osmo_ss7_instance_find_or_create(ctx_, ss7_id);
  if (!ss7_) return "osmo_ss7_instance_find_or_create failed";
  ss7_->cfg.primary_pc = cfg_.own_pc.value;
  const char* host = cfg_.local_host.empty() ? "127.0.0.1" : cfg_.local_host.c_str();
  xs_ = osmo_ss7_xua_server_create(ss7_, OSMO_SS7_ASP_PROT_IPA, cfg_.local_port, host);
  if (!xs_) return "osmo_ss7_xua_server_create failed";
  // Like osmo-stp's "accept-asp-connections dynamic-permitted": an IPA peer
  // gets an ASP created on connect, bound to the AS named by its unit name.
  xs_->cfg.accept_dyn_reg = true;
  if (osmo_ss7_xua_server_bind(xs_) < 0) return "cannot listen (osmo_ss7_xua_server_bind)";

  std::string as_name = "asp-clnt-" + cfg_.peer_name;
  as_ = osmo_ss7_as_find_or_create(ss7_, as_name.c_str(), OSMO_SS7_ASP_PROT_IPA);
  if (!as_) return "osmo_ss7_as_find_or_create failed";
  // IPA has no routing label: received messages get OPC = routing key PC and
  // DPC = override DPC (the same pair osmo-stp is configured with).
  as_->cfg.routing_key.pc = cfg_.peer_pc.value;
  as_->cfg.pc_override.dpc = cfg_.own_pc.value;
  if (!osmo_ss7_route_create(ss7_->rtable_system, 0, 0, as_name.c_str())) return "osmo_ss7_route_create failed";
  sccp_ = osmo_ss7_ensure_sccp(ss7_);
  if (!sccp_) return "osmo_ss7_ensure_sccp failed";
  return nullptr;
}

Stack::~Stack() {
  if (link_timer_.cb) osmo_timer_del(&link_timer_);
  if (out_ofd_.fd > 0 && osmo_fd_is_registered(&out_ofd_)) osmo_fd_unregister(&out_ofd_);
  remove_mtp_hook();
  reassembler_.reset();  // its timer is an osmo_timer: gone before the loop is
  // Order matters: the SCCP instance sits in a library-global list and its
  // users own rate counter groups in another; osmo_ss7_instance_destroy
  // would only talloc_free them behind those lists' backs.
  users_.clear();  // unbound by osmo_sccp_instance_destroy
  if (sccp_) osmo_sccp_instance_destroy(sccp_);
  if (xs_) destroy_server();
  if (ss7_) osmo_ss7_instance_destroy(ss7_);
  if (ctx_) talloc_free(ctx_);
  if (link_up_) bridge_->link_up.store(false);
}

void Stack::destroy_server() {
  // libosmo-sigtran 1.6: osmo_ss7_xua_server_destroy -> osmo_ss7_asp_destroy
  // -> osmo_stream_srv_destroy -> xua_srv_conn_closed_cb, which destroys a
  // dynamically allocated ASP a second time (use after free, seen as a
  // SIGSEGV). Closing each accepted connection first lets that callback
  // be the only one to destroy its ASP; the server then has none left.
  std::vector<struct osmo_ss7_asp*> asps;
  for (struct llist_head* it = xs_->asp_list.next; it != &xs_->asp_list; it = it->next)
    asps.push_back(reinterpret_cast<struct osmo_ss7_asp*>(reinterpret_cast<char*>(it) -
                                                          offsetof(struct osmo_ss7_asp, siblings)));
  for (auto* asp : asps) {
    if (asp->dyn_allocated && asp->server)
      osmo_stream_srv_destroy(asp->server);
    else
      osmo_ss7_asp_destroy(asp);
  }
  osmo_ss7_xua_server_destroy(xs_);
  xs_ = nullptr;
}

// --- GT-routed called party treated as local --------------------------------
//
// libosmo-sigtran 1.6 routes an incoming UDT whose called party is routed on
// GT into its GT translation, which is a stub ("GT Routing not implemented
// yet") answering UDTS return cause 3, and offers no hook for it. The hook we
// can use is one level down: the SCCP instance is the MTP user for service
// indicator 3 (Q.704 14.2.1), registered in the public ss7->user[] table. We
// put ourselves there, look at the raw SCCP message of each
// MTP-TRANSFER.indication and, if its called GT is ours and it carries an
// SSN, set "route on SSN" before handing the message to the SCCP instance
// unchanged otherwise. sccp_scrc then takes its node 6 path (deliver to the
// user bound to that SSN).

void Stack::install_mtp_hook() {
  sccp_mtp_user_ = ss7_->user[MTP_SI_SCCP];
  if (!sccp_mtp_user_) return;
  osmo_ss7_user_unregister(ss7_, MTP_SI_SCCP, const_cast<struct osmo_ss7_user*>(sccp_mtp_user_));
  hook_user_.inst = ss7_;
  hook_user_.name = "ussdgw-gt-local";
  hook_user_.prim_cb = &Stack::on_mtp_prim;
  hook_user_.priv = this;
  osmo_ss7_user_register(ss7_, MTP_SI_SCCP, &hook_user_);
}

void Stack::remove_mtp_hook() {
  if (!sccp_mtp_user_) return;
  osmo_ss7_user_unregister(ss7_, MTP_SI_SCCP, &hook_user_);
  osmo_ss7_user_register(ss7_, MTP_SI_SCCP, const_cast<struct osmo_ss7_user*>(sccp_mtp_user_));
  sccp_mtp_user_ = nullptr;
}

int Stack::on_mtp_prim(struct osmo_prim_hdr* oph, void* ctx) {
  auto* self = static_cast<Stack*>(ctx);
  bool patched = false;
  if (OSMO_PRIM_HDR(oph) == OSMO_PRIM(OSMO_MTP_PRIM_TRANSFER, PRIM_OP_INDICATION) && msgb_l2(oph->msg)) {
    std::span<std::uint8_t> sccp(static_cast<std::uint8_t*>(msgb_l2(oph->msg)), msgb_l2len(oph->msg));
    auto* omp = reinterpret_cast<struct osmo_mtp_prim*>(oph);
    if (self->take_segmented(sccp, omp->u.transfer.opc)) {
      msgb_free(oph->msg);  // the reassembler copied what it keeps
      return 0;
    }
    if (self->cfg_.accept_gt_routed_to_local)
      patched = patch_gt_routed_to_local(sccp, self->cfg_) == GtLocalPatch::kPatched;
  }
  // The SCCP instance's callback delivers synchronously (scrc -> sclc ->
  // our on_scu_prim) and frees the msgb.
  self->delivering_patched_ = patched;
  int rc = self->sccp_mtp_user_->prim_cb(oph, self->sccp_mtp_user_->priv);
  self->delivering_patched_ = false;
  return rc;
}

// --- segmented XUDT (Q.714 4.1.1.2, 4.1.1.3) --------------------------------
//
// libosmo-sigtran 1.6 hands every segment of a segmented XUDT up as a whole
// N-UNITDATA (reassembly.h says why), so the hook above takes them before
// the SCCP instance: the reassembled message is delivered from here, with
// the checks the SCCP instance would make (an SSN of ours; a called party
// routed on GT only when the GT is ours), and failures are answered with an
// XUDTS when the sender asked for return on error (Q.714 4.2).

bool Stack::take_segmented(std::span<const std::uint8_t> sccp, std::uint32_t opc) {
  if (sccp.empty() || sccp[0] != static_cast<std::uint8_t>(sccp::MessageType::Xudt)) return false;
  auto m = sccp::decode(sccp);
  // Malformed: left to libosmo-sigtran, which discards it with its own log.
  if (!m || !m->segmentation) return false;
  reassembler_->feed(sccp, *m, opc);
  return true;
}

void Stack::on_reassembled(const sccp::Message& first, std::vector<std::uint8_t> data, std::uint32_t opc) {
  Unitdata u{from_sccp(first.called), from_sccp(first.calling), std::move(data)};
  const bool our_ssn = u.called.ssn && std::find(cfg_.ssns.begin(), cfg_.ssns.end(), *u.called.ssn) != cfg_.ssns.end();
  const bool on_gt = u.called.ri == RoutingIndicator::kGlobalTitle;
  const bool gt_ok = !on_gt || (cfg_.accept_gt_routed_to_local && u.called.gt && gt_is_local(u.called.gt->digits.view(), cfg_));
  if (!our_ssn || !gt_ok) {
    // Q.714 2.3.2 / Table 18: no translation for a GT that is not ours,
    // unequipped user for an SSN nobody bound.
    auto cause = gt_ok ? sccp::ReturnCause::UnequippedUser : sccp::ReturnCause::NoTranslationForAddress;
    log::notice("ss7", "opc=" + ussdgw::to_string(PointCode{opc}), "Reassembled XUDT not deliverable",
                sccp::return_cause_name(cause));
    if (first.protocol_class.return_on_error()) {
      std::array<std::uint8_t, 512> buf{};
      auto n = sccp::encode(sccp::make_service(first, cause), buf);
      if (n && send_sccp(std::span(buf.data(), *n), opc)) bridge_->ctr.tx_xudts.fetch_add(1, std::memory_order_relaxed);
    }
    return;
  }
  if (on_gt) bridge_->ctr.rx_gt_routed_accepted.fetch_add(1, std::memory_order_relaxed);
  bridge_->ctr.rx_reassembled.fetch_add(1, std::memory_order_relaxed);
  bridge_->ctr.rx_unitdata.fetch_add(1, std::memory_order_relaxed);
  sample_link();  // see the N-UNITDATA case in on_scu_prim
  bridge_->push_inbound(std::move(u));
}

void Stack::on_failed(ReassemblyFailure why, std::optional<std::vector<std::uint8_t>> xudts, std::uint32_t opc) {
  bridge_->ctr.rx_reassembly_failed.fetch_add(1, std::memory_order_relaxed);
  log::notice("ss7", "opc=" + ussdgw::to_string(PointCode{opc}), "Discarding a segmented XUDT", to_string(why));
  if (xudts && send_sccp(*xudts, opc)) bridge_->ctr.tx_xudts.fetch_add(1, std::memory_order_relaxed);
}

void Stack::send_segmented(const Unitdata& u) {
  auto& c = bridge_->ctr;
  // Q.714 4.1.1.2.2: segments in class 1 (same SLS, kept in order); return
  // on error so that a failed reassembly comes back as an XUDTS.
  auto tmpl = sccp::make_xudt(to_sccp(u.called), to_sccp(u.calling), {}, sccp::ProtocolClass::make(1, true),
                              sccp::HopCounter{15});
  std::array<sccp::Message, sccp::kMaxSegments> segs;
  const std::size_t per = (u.data.size() + u.xudt_segments - 1) / u.xudt_segments;
  auto n = sccp::segment(tmpl, u.data, sccp::LocalReference{next_local_ref_++ & 0xffffff}, per, segs);
  if (!n) {
    c.tx_dropped_invalid.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  const std::uint32_t dpc = u.called.pc ? u.called.pc->value : cfg_.next_hop_pc.value;
  for (std::size_t i = 0; i < *n; ++i) {
    std::array<std::uint8_t, 512> buf{};
    auto len = sccp::encode(segs[i], buf);
    if (!len || !send_sccp(std::span(buf.data(), *len), dpc)) {
      c.tx_dropped_invalid.fetch_add(1, std::memory_order_relaxed);
      return;
    }
  }
  c.tx_unitdata.fetch_add(1, std::memory_order_relaxed);
}

bool Stack::send_sccp(std::span<const std::uint8_t> sccp, std::uint32_t dpc) {
  // What sccp_scrc.c sua2sccp_tx_m3ua does after encoding: the SCCP message
  // in l2, an MTP-TRANSFER.request in front of it. The msgb is freed by
  // osmo_ss7_user_mtp_xfer_req on every path.
  struct msgb* msg = msgb_alloc_headroom(static_cast<int>(sccp.size()) + 256, 128, "ussdgw-sccp");
  if (!msg) return false;
  std::memcpy(msgb_put(msg, static_cast<unsigned>(sccp.size())), sccp.data(), sccp.size());
  msg->l2h = msg->data;
  auto* omp = reinterpret_cast<struct osmo_mtp_prim*>(msgb_push(msg, sizeof(struct osmo_mtp_prim)));
  osmo_prim_init(&omp->oph, MTP_SAP_USER, OSMO_MTP_PRIM_TRANSFER, PRIM_OP_REQUEST, msg);
  omp->u.transfer.opc = cfg_.own_pc.value;
  omp->u.transfer.dpc = dpc;
  omp->u.transfer.sls = 0;
  omp->u.transfer.sio = MTP_SIO(MTP_SI_SCCP, ss7_->cfg.network_indicator);
  return osmo_ss7_user_mtp_xfer_req(ss7_, omp) >= 0;
}

// --- SCCP user SAP (Q.711 6.2.2) ---------------------------------------------

int Stack::on_scu_prim(struct osmo_prim_hdr* oph, void* ctx) {
  auto* scu = static_cast<struct osmo_sccp_user*>(ctx);
  auto* self = static_cast<Stack*>(osmo_sccp_user_get_priv(scu));
  auto* prim = reinterpret_cast<struct osmo_scu_prim*>(oph);
  // The primitive and its msgb are ours (sccp_sclc.c hands them up and
  // forgets them): free on every path below.
  switch (OSMO_PRIM_HDR(oph)) {
    case OSMO_PRIM(OSMO_SCU_PRIM_N_UNITDATA, PRIM_OP_INDICATION): {
      Unitdata u{from_osmo(prim->u.unitdata.called_addr), from_osmo(prim->u.unitdata.calling_addr),
                 user_data(oph->msg)};
      if (self->delivering_patched_) {
        // Report the address as it was on the wire.
        u.called.ri = RoutingIndicator::kGlobalTitle;
        self->bridge_->ctr.rx_gt_routed_accepted.fetch_add(1, std::memory_order_relaxed);
      }
      self->bridge_->ctr.rx_unitdata.fetch_add(1, std::memory_order_relaxed);
      // The link state is sampled every link_poll_interval; a message that
      // just arrived may be ahead of the sample (the first BEGIN after the AS
      // came up). Sample now, so that the answer is not refused by the
      // gateway's link-down check (and recorded not_sent) for a stale flag.
      self->sample_link();
      self->bridge_->push_inbound(std::move(u));
      break;
    }
    case OSMO_PRIM(OSMO_SCU_PRIM_N_NOTICE, PRIM_OP_INDICATION): {
      // libosmo carries the SUA cause (RFC 3868 3.10.17): cause type in the
      // upper octet (0x1 = return cause), the Q.713 3.12 value in the lowest.
      Notice n{from_osmo(prim->u.notice.called_addr), from_osmo(prim->u.notice.calling_addr),
               prim->u.notice.cause & 0xff, user_data(oph->msg)};
      self->bridge_->ctr.rx_notice.fetch_add(1, std::memory_order_relaxed);
      self->bridge_->push_inbound(std::move(n));
      break;
    }
    default:
      // N-STATE / N-PCSTATE (SCMG, Q.714 5): nothing the TCAP layer uses yet.
      break;
  }
  msgb_free(oph->msg);
  return 0;
}

// --- outbound ------------------------------------------------------------

int Stack::on_outbound_fd(struct osmo_fd* ofd, unsigned int) {
  static_cast<Stack*>(ofd->data)->drain_outbound();
  return 0;
}

struct osmo_sccp_user* Stack::user_for(const Address& calling) const {
  if (calling.ssn)
    for (std::size_t i = 0; i < users_.size(); ++i)
      if (cfg_.ssns[i] == *calling.ssn) return users_[i];
  return users_.front();
}

void Stack::drain_outbound() {
  Bridge::consume(bridge_->outbound_fd);
  auto batch = bridge_->take_outbound();
  // Without an active AS libosmo-sigtran drops the message after encoding it
  // (xua_as_fsm: "AS not active"); decide here so the drop is counted.
  bool up = as_ && osmo_ss7_as_active(as_);
  auto& c = bridge_->ctr;
  for (auto& u : batch) {
    if (!up) {
      c.tx_dropped_link_down.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    if (u.xudt_segments > 0) {
      send_segmented(u);
      continue;
    }
    struct osmo_sccp_addr called = to_osmo(u.called);
    struct osmo_sccp_addr calling = to_osmo(u.calling);
    // Copies data into a fresh msgb which the SCCP stack frees on every path
    // (sccp_sclc_user_sap_down).
    int rc = osmo_sccp_tx_unitdata(user_for(u.calling), &calling, &called, u.data.data(),
                                   static_cast<unsigned>(u.data.size()));
    if (rc < 0)
      c.tx_dropped_invalid.fetch_add(1, std::memory_order_relaxed);
    else
      c.tx_unitdata.fetch_add(1, std::memory_order_relaxed);
  }
  sample_link();
}

// --- link state --------------------------------------------------------------

void Stack::on_link_timer(void* data) { static_cast<Stack*>(data)->sample_link(); }

void Stack::sample_link() {
  // libosmo-sigtran exposes no AS state callback to library users, so the
  // AS FSM state is sampled (cheap: a pointer read) on a timer and after
  // every outbound batch.
  bool up = as_ && osmo_ss7_as_active(as_);
  if (up != link_up_) {
    link_up_ = up;
    bridge_->link_up.store(up);
    (up ? bridge_->ctr.link_up_events : bridge_->ctr.link_down_events).fetch_add(1);
    bridge_->push_inbound(LinkEvent{up, std::chrono::steady_clock::now()});
  }
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(cfg_.link_poll_interval).count();
  if (!osmo_timer_pending(&link_timer_)) osmo_timer_schedule(&link_timer_, us / 1000000, us % 1000000);
}

}  // namespace ussdgw::ss7::detail
