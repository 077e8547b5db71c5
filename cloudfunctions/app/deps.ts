import type { Store } from '../ports/store'
import type { PaymentPort } from '../ports/payments'
import type { MediaPort } from '../ports/media'
import type { ShopPort } from '../ports/shop'

/** Everything a use case may touch from the outside world, injected per runtime. */
export interface Deps {
  store: Store
  payments: PaymentPort
  media: MediaPort
  /**
   * The Channels shop (微信小店), when the seller connected one: orders and after-sale orders come
   * in through it, and on its after-sales the seller's decisions go out through it. Absent = the
   * desk runs on CSV orders and mini-program cases only.
   */
  shop?: ShopPort
  /** current instant, ISO-8601 UTC */
  now(): string
  newId(): string
  log(msg: string, err?: unknown): void
}
