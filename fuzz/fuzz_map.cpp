// MAP operation parameters (TS 29.002 §17.7): the first octet picks the
// decoder, the rest is the parameter. Whatever decodes is encoded again
// where the codec has an encoder (the map_mobility decoders are read-only).
#include "fuzz_common.h"
#include "gateway/codec/map_dialogue.h"
#include "gateway/codec/map_errors.h"
#include "gateway/codec/map_mobility.h"
#include "hlr-sms/codec/sm_ops.h"
#include "ussd/codec/ussd_ops.h"
#include "ussd/codec/ussd_text.h"

#include <array>

using namespace ussdgw;

namespace {
template <class T>
void reencode(const Result<T>& r) {
  if (!r) return;
  std::array<std::uint8_t, 4096> out;
  ber::Writer w(out);
  touch(sms::encode(w, *r));
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  Bytes p(data + 1, size - 1);
  std::array<std::uint8_t, 4096> out;
  switch (data[0] % 27) {
    case 0: {
      auto a = ussd::decode_ussd_arg(p);
      if (a) {
        touch(ussd::decode_text(a->dcs, a->string).ok());
        touch(ussd::encode_ussd_arg(*a, out).ok());
      }
      break;
    }
    case 1: {
      auto r = ussd::decode_ussd_res(p);
      if (r) {
        touch(ussd::decode_text(r->dcs, r->string).ok());
        touch(ussd::encode_ussd_res(*r, out).ok());
      }
      break;
    }
    case 2: reencode(sms::decode_routing_info_for_sm_arg(p)); break;
    case 3: reencode(sms::decode_routing_info_for_sm_res(p)); break;
    case 4: reencode(sms::decode_mt_forward_sm_arg(p)); break;
    case 5: reencode(sms::decode_mo_forward_sm_arg(p)); break;
    case 6: reencode(sms::decode_forward_sm_arg(p)); break;
    case 7: reencode(sms::decode_forward_sm_res(p)); break;
    case 8: reencode(sms::decode_report_sm_delivery_status_arg(p)); break;
    case 9: reencode(sms::decode_report_sm_delivery_status_res(p)); break;
    case 10: reencode(sms::decode_inform_service_centre_arg(p)); break;
    case 11: reencode(sms::decode_alert_service_centre_arg(p)); break;
    case 12: {
      // Error parameters: the second octet is the error code (§17.6.6).
      if (p.empty()) break;
      auto e = map::decode_error_parameter(p[0], p.size() > 1 ? std::optional<Bytes>(p.subspan(1)) : std::nullopt);
      if (e) touch(map::encode_error_parameter(out, *e).ok());
      break;
    }
    case 13: {
      auto d = map::decode_dialogue_pdu(p);
      if (d) {
        touch(map::encode_user_information(out, *d).ok());
        if (d->destination_reference) touch(map::read_reference(*d->destination_reference).best_digits());
      }
      break;
    }
    // Identity parameters of ops 2, 7, 22, 23, 55, 56, 71 (map_mobility.h).
    case 14: touch(map::decode_update_location_arg(p).ok()); break;
    case 15: touch(map::decode_hlr_number_res(p).ok()); break;
    case 16: touch(map::decode_update_gprs_location_arg(p).ok()); break;
    case 17: touch(map::decode_send_authentication_info_arg(p).ok()); break;
    case 18: touch(map::decode_send_authentication_info_res(p).ok()); break;
    case 19: touch(map::decode_send_identification_arg(p).ok()); break;
    case 20: touch(map::decode_send_identification_res(p).ok()); break;
    case 21: touch(map::decode_insert_subscriber_data_arg(p).ok()); break;
    case 22: touch(map::decode_insert_subscriber_data_res(p).ok()); break;
    case 23: touch(map::decode_send_routing_info_arg(p).ok()); break;
    case 24: touch(map::decode_send_routing_info_res(p).ok()); break;
    case 25: touch(map::decode_any_time_interrogation_arg(p).ok()); break;
    case 26: {
      auto r = map::decode_any_time_interrogation_res(p);
      if (r && !r->cell_global_id.empty()) touch(map::decode_cell_id(r->cell_global_id).ok());
      if (r && !r->location_area_id.empty()) touch(map::decode_cell_id(r->location_area_id).ok());
      break;
    }
  }
  return 0;
}
