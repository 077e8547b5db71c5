/**
 * Pure after-sales core. No I/O, no SDK, no clock: `now`, ids, policy, roster and buyer history
 * come in as arguments. See README.md for the state diagram and where each rule lives.
 */
export type { CoreContext } from './context'
export { openCase, proactiveLogisticsCase, type OpenCaseOutput } from './openCase'
export { decide, type DecideOutput } from './decide'
export { allowedCommands, refusal } from './allowed'
export { COMMANDS, type CommandSpec, type Guard, type GuardContext, type Refusal } from './commands'
export { checkEligibility, type Eligibility, type TypeVerdict } from './eligibility'
export { computeSeverity, type SeverityResult } from './severity'
export { routeCase, type RouteDecision } from './routing'
export { suggestOffers, daysLate, SELLER_AT_FAULT, cashOf, type OfferFacts, type OfferDraft, type Suggestion, type BuyerStats } from './offers'
export { returnShippingPayer, settledPayer, freightInsured, orderFreightInsurance } from './shipping'
export {
  startSla,
  pauseSla,
  resumeSla,
  stopSla,
  markFirstResponse,
  restartResolution,
  slaState,
  warnAt,
  buyerDeadline,
  nextTimers,
  remainingMs,
  activeTarget,
  targetToWarn,
  targetWarned,
  type SlaReport,
  type SlaLevel,
  type Timer,
} from './sla'
export { caseDueAt, slaMarks, queueDueSort, iso, NO_DUE, SINCE_EVER } from './sla-marks'
export { addBusinessTime, businessMsBetween, isBusinessTime, windowsOf, type Calendar } from './calendar'
export {
  BUYER_EVENTS,
  ON_ENTER,
  enterMessages,
  STATUS_PHRASES,
  LIMITS,
  buildBuyerMessage,
  formatField,
  truncate,
  graphemes,
  codePointLength,
  withinLimit,
  casePage,
  type BuyerEventKey,
  type MessageExtra,
  type BuyerMessageDraft,
} from './messages'
export { TRANSITIONS, NON_FINAL, BUYER_WAITS, waitIn, isListed, allowedIn, availableCommands, rowOf, type TransitionRow, type ActorKind } from './transitions'
export { claimedValueFen, committedFen, formatYuan, yuan } from './money'
export { ok, fail, type CoreError, type CoreErrorCode, type Result } from './errors'
export { formatLocalTime, localDate } from './tz'
