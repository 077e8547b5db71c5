/**
 * Who pays the buyer's return shipping (issue 21): the seller when at fault, else the order's
 * 运费险 when the returned products carry it (the buyer pays nothing), else the buyer. The engine,
 * the commands and the staff / buyer texts all ask here.
 */
import type { ShippingPayer } from '@contract/domain'

// the facts (shared with the screens): which returns the insurance covers
export { freightInsured, orderFreightInsurance } from '@contract/domain'

/** The one answer: seller at fault → seller; insured → insurance; else buyer. */
export function returnShippingPayer(f: { sellerAtFault: boolean; insured: boolean }): ShippingPayer {
  if (f.sellerAtFault) return 'seller'
  return f.insured ? 'insurance' : 'buyer'
}

/**
 * A payer someone chose (staff, an older offer) made true to the order: 'buyer' on an insured
 * return becomes 'insurance', so the buyer is never told to pay what the insurance pays.
 */
export function settledPayer(chosen: ShippingPayer, insured: boolean): ShippingPayer {
  return chosen === 'buyer' && insured ? 'insurance' : chosen
}
