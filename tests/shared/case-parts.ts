import type { Case } from '@contract/domain'

type Untouched = Pick<Case, 'acceptedOfferId' | 'returnShipment' | 'inspection' | 'refunds' | 'replacementShipments' | 'rating' | 'flags' | 'appealCount'>

/** The parts of a case nothing has happened to yet (no accepted offer, return, money, rating, flag or appeal); shared by the fixtures. */
export const untouchedCase = (): Untouched => ({
  acceptedOfferId: null,
  returnShipment: null,
  inspection: null,
  refunds: [],
  replacementShipments: [],
  rating: null,
  flags: {
    escalated: false,
    risk: false,
    warehouseCheck: false,
    buyerNotNotified: false,
    refundFailed: false,
    supervisorInformed: false,
    negativeReview: false,
    trusted: false,
  },
  appealCount: 0,
})
