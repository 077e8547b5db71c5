import type { ShopOptions } from '@contract/actions'
import type { Deps } from '../deps'
import { requireShop } from './sync-shop-orders'

/**
 * What the seller picks from on a shop after-sale, read live from the platform (the reason list
 * changes on the platform's side): its reject reasons and the shop's return addresses.
 */
export async function shopOptions(deps: Deps): Promise<ShopOptions> {
  const shop = requireShop(deps)
  const [reasons, addresses] = await Promise.all([shop.getRejectReasons(), shop.listAddresses()])
  return {
    rejectReasons: reasons.map((r) => ({ type: r.reject_reason_type, text: r.reject_reason_type_text, detail: r.reject_reason })),
    addresses: addresses
      .filter((a) => a.recv_addr !== 0)
      .map((a) => ({ id: a.address_id, label: `${a.name} ${a.address_info.province_name}${a.address_info.city_name}${a.address_info.detail_info}`, isDefault: a.default_recv === 1 })),
  }
}
