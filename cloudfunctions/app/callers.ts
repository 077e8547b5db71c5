import type { Deps } from './deps'

/**
 * Who is behind a call, as the platform's call context says (never the payload): read by the
 * CloudBase entry points (adapters/cloudbase/entries.ts) with the SDK's getCloudbaseContext.
 */
export interface CallContext {
  /** the mini-program user's openid (WX_OPENID), null when none */
  openid: string | null
  unionid: string | null
  /** the platform's TRIGGER_SRC: 'timer' when a timer trigger fired the function */
  source: string | null
  /**
   * an end user of a client SDK is behind the call (mini-program openid / unionid, web login uuid,
   * custom login), or the context could not be read (then nobody vouches for the call)
   */
  endUser: boolean
}

/** The timer trigger of each timer-driven function, as in its config.json and cloudbaserc.json. */
export const TIMER_TRIGGERS = { notify: 'notify-every-minute', scheduler: 'scheduler-every-minute' } as const

export type OperatorFunction = keyof typeof TIMER_TRIGGERS | 'setup'

/** How an operator function's call was let in. */
export type OperatorCall = { as: 'timer' } | { as: 'deploy' } | { as: 'owner'; openid: string }

/** The event a CloudBase timer trigger passes: `{ Type: 'Timer', TriggerName, Time, Message? }`. */
export function isTimerEvent(event: unknown, triggerName: string): boolean {
  if (!event || typeof event !== 'object') return false
  const e = event as Record<string, unknown>
  return typeof e.Type === 'string' && e.Type.toLowerCase() === 'timer' && e.TriggerName === triggerName && typeof e.Time === 'string'
}

/**
 * Whether an operator function may run this call (issue 20 §4), decided before it does anything:
 * - `scheduler` / `notify`: their own timer — the trigger's event shape with the function's trigger
 *   name AND the platform's TRIGGER_SRC=timer (a client that sends a timer-shaped payload is
 *   invoked with TRIGGER_SRC=tcb and its openid), or no TRIGGER_SRC and no end user at all;
 * - `setup`: a deployment invoke (`tcb fn invoke setup`, signed with the cloud account's keys): no
 *   end user behind it and not an HTTP request;
 * - any of them: an active owner of the staff roster, identified by the context's openid.
 * Anything else → null (refused).
 */
export async function authoriseOperatorCall(deps: Pick<Deps, 'store'>, fn: OperatorFunction, event: unknown, ctx: CallContext): Promise<OperatorCall | null> {
  const http = !!event && typeof event === 'object' && 'httpMethod' in event
  // TRIGGER_SRC is set by the platform for each invocation: a client cannot make it 'timer'. Without
  // one and without an end user the call can only be the platform's or a keyed invoke: accepted too,
  // so the timers keep running should a runtime not set it.
  const timerSource = ctx.source === 'timer' || (ctx.source === null && !ctx.endUser)
  if (fn !== 'setup' && !http && timerSource && isTimerEvent(event, TIMER_TRIGGERS[fn])) return { as: 'timer' }
  if (fn === 'setup' && !ctx.endUser && !http && ctx.source !== 'timer') return { as: 'deploy' }
  if (!ctx.openid) return null
  try {
    const staff = await deps.store.getStaff(ctx.openid)
    return staff?.active && staff.role === 'owner' ? { as: 'owner', openid: ctx.openid } : null
  } catch {
    // the store not set up yet (setup's first run): only a deployment invoke can run it then
    return null
  }
}

/** The answer of a refused operator call: nothing was done. */
export const refusedCall = () => ({ ok: false as const, error: { code: 'FORBIDDEN' as const, message: '仅限定时触发器、部署调用或店主调用' } })
