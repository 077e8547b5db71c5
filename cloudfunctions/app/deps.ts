import type { Store } from '../ports/store'
import type { PaymentPort } from '../ports/payments'
import type { MediaPort } from '../ports/media'

/** Everything a use case may touch from the outside world, injected per runtime. */
export interface Deps {
  store: Store
  payments: PaymentPort
  media: MediaPort
  /** current instant, ISO-8601 UTC */
  now(): string
  newId(): string
  log(msg: string, err?: unknown): void
}
