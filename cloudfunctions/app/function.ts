import { z } from 'zod'
import { CallEnvelopeSchema, type ApiResult } from '@contract/api'
import type { StaffRole } from '@contract/domain'
import type { Deps } from './deps'
import { AppError, toApiError } from './errors'
import type { StaffRecord } from '../ports/store'

/** Who is calling, derived from the call context (OPENID) — never from the payload. */
export interface Identity {
  openid: string | null
  /** WeChat unionid of the caller when the mini-program is bound to the open platform (links shop orders) */
  unionid?: string | null
}

export type Caller =
  | { kind: 'buyer'; openid: string; unionid?: string }
  | { kind: 'staff'; openid: string; staff: StaffRecord }

export interface ActionDef<S extends z.ZodTypeAny = z.ZodTypeAny> {
  input: S
  /** staff roles allowed; omitted on the buyer function (any signed-in buyer) */
  roles?: readonly StaffRole[]
  run(deps: Deps, caller: Caller, input: z.output<S>, idempotencyKey?: string): Promise<unknown>
}

export const action = <S extends z.ZodTypeAny>(def: ActionDef<S>): ActionDef<S> => def

export type FunctionHandler = (event: unknown, identity: Identity) => Promise<ApiResult<unknown>>

/**
 * A cloud function is thin: parse the envelope (zod) → identity from context → authorise → use
 * case → map errors to stable codes. `audience` says whether callers act as buyers or as staff.
 */
export function makeFunction(audience: 'buyer' | 'staff', actions: Record<string, ActionDef>, deps: Deps): FunctionHandler {
  return async (event, identity) => {
    try {
      const env = CallEnvelopeSchema.safeParse(event)
      if (!env.success) throw new AppError('VALIDATION', '请求格式错误', { issues: issuesOf(env.error) })
      const def = Object.prototype.hasOwnProperty.call(actions, env.data.action) ? actions[env.data.action] : undefined
      if (!def) throw new AppError('UNKNOWN_ACTION', `不支持的操作：${env.data.action}`)
      if (!identity.openid) throw new AppError('UNAUTHENTICATED')
      const caller = await resolveCaller(deps, audience, identity.openid, identity.unionid)
      if (caller.kind === 'staff' && def.roles && !def.roles.includes(caller.staff.role)) {
        throw new AppError('FORBIDDEN', '当前角色无权进行此操作', { role: caller.staff.role })
      }
      const input = def.input.safeParse(env.data.data ?? {})
      if (!input.success) throw new AppError('VALIDATION', describe(input.error), { issues: issuesOf(input.error) })
      const data = await def.run(deps, caller, input.data, env.data.idempotencyKey)
      return { ok: true, data }
    } catch (e) {
      return { ok: false, error: toApiError(e, deps.log) }
    }
  }
}

async function resolveCaller(deps: Deps, audience: 'buyer' | 'staff', openid: string, unionid?: string | null): Promise<Caller> {
  if (audience === 'buyer') return unionid ? { kind: 'buyer', openid, unionid } : { kind: 'buyer', openid }
  const staff = await deps.store.getStaff(openid)
  if (!staff || !staff.active) throw new AppError('FORBIDDEN', '仅限商家客服使用')
  return { kind: 'staff', openid, staff }
}

function issuesOf(e: z.ZodError) {
  return e.issues.map((i) => ({ path: i.path.join('.'), message: i.message }))
}
function describe(e: z.ZodError): string {
  const first = e.issues[0]
  if (!first) return '填写的内容有误'
  const where = first.path.length ? `${first.path.join('.')}: ` : ''
  return `填写的内容有误（${where}${first.message}）`
}
