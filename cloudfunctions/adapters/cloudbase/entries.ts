import tcb from '@cloudbase/node-sdk'
import type { Deps } from '../../app/deps'
import { aftersaleFunction } from '../../app/aftersale'
import { adminFunction } from '../../app/admin'
import { authoriseOperatorCall, refusedCall, type CallContext, type OperatorFunction } from '../../app/callers'
import { runScheduler } from '../../app/usecases/run-scheduler'
import { CLOUD_DISPATCH, dispatchOutbox } from '../../app/usecases/dispatch-outbox'
import { receiveChannelsPush } from '../../app/usecases/receive-channels-push'
import type { SenderPort } from '../../ports/sender'
import { CHANNELS_ENV } from '../channels/shop'
import { answerUrlCheck, checkPushQuery, PUSH_ERROR_STATUS, PushError, pushLimits, type PushConfig, type PushQuery } from '../channels/push'
import { CloudBaseStore } from './store'
import { TencentCloudIndexes } from './indexes'

/**
 * The CloudBase entry points of every function (each `cloudfunctions/<name>/index.ts` is one line
 * on top of these), with the dependencies injected so the tests drive exactly what CloudBase runs.
 * Each checks its caller first (issue 20 §4) from the call context, never the payload.
 */

type Entry = (event: unknown, context?: unknown) => Promise<unknown>
type GetDeps = () => Promise<Deps>

const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null)

/** The call context as the platform set it (getCloudbaseContext: the context argument, then process.env). */
export function callContextOf(context: unknown): CallContext {
  let c: Record<string, unknown>
  try {
    c = tcb.getCloudbaseContext(context as never) as unknown as Record<string, unknown>
  } catch {
    // unreadable context: nobody vouches for this call
    return { openid: null, unionid: null, source: null, endUser: true }
  }
  const openid = str(c.WX_OPENID)
  const unionid = str(c.WX_UNIONID)
  return {
    openid,
    unionid,
    source: str(c.TRIGGER_SRC),
    endUser: !!(openid || unionid || str(c.TCB_UUID) || str(c.TCB_CUSTOM_USER_ID) || c.TCB_ISANONYMOUS_USER === 'true' || c.TCB_ISANONYMOUS_USER === true),
  }
}

/** The buyer function: identity = WX_OPENID (and WX_UNIONID) of the calling mini-program user. */
export function aftersaleEntry(getDeps: GetDeps): Entry {
  let handler: ReturnType<typeof aftersaleFunction> | null = null
  return async (event, context) => {
    handler ??= aftersaleFunction(await getDeps())
    const ctx = callContextOf(context)
    return handler(event, { openid: ctx.openid, unionid: ctx.unionid })
  }
}

/** The staff function: roles come from the staff collection, keyed by the context's OPENID. */
export function adminEntry(getDeps: GetDeps): Entry {
  let handler: ReturnType<typeof adminFunction> | null = null
  return async (event, context) => {
    handler ??= adminFunction(await getDeps())
    return handler(event, { openid: callContextOf(context).openid })
  }
}

/** The operator-call check, with a log line for a refusal (a timer refused by mistake would show there). */
async function authorised(deps: Deps, fn: OperatorFunction, event: unknown, context: unknown): Promise<boolean> {
  const ctx = callContextOf(context)
  if (await authoriseOperatorCall(deps, fn, event, ctx)) return true
  const type = event && typeof event === 'object' ? String((event as Record<string, unknown>).Type ?? '') : typeof event
  deps.log(`${fn}: refused a call (TRIGGER_SRC=${ctx.source ?? '-'}, end user: ${ctx.endUser}, event type: ${type.slice(0, 20) || '-'})`)
  return false
}

/** SLA warnings / breaches, buyer-side expiries, auto-close: its timer trigger, or an owner. */
export function schedulerEntry(getDeps: GetDeps): Entry {
  return async (event, context) => {
    const deps = await getDeps()
    if (!(await authorised(deps, 'scheduler', event, context))) return refusedCall()
    // timeout 60 s: at ~30 ms per round trip and ≤ 6 sequential round trips per due case, 250 cases
    // take ~45 s; the budget stops earlier when the database is slower and the next minute resumes
    return runScheduler(deps, { limit: 250, budgetMs: 45_000 })
  }
}

/** Outbox dispatcher: its timer trigger, or an owner. */
export function notifyEntry(getDeps: GetDeps, sender: () => SenderPort): Entry {
  return async (event, context) => {
    const deps = await getDeps()
    if (!(await authorised(deps, 'notify', event, context))) return refusedCall()
    return dispatchOutbox(deps, sender(), CLOUD_DISPATCH)
  }
}

/**
 * Deployment step (`tcb fn invoke setup` after `tcb fn deploy`): creates the collections and the
 * declared indexes, re-derives case documents indexed by an older version and backfills what an
 * older deployment lacks (order guards, task rows, load counters), within a budget below this
 * function's timeout; `{ done: false }` when time ran out (invoke it again, it resumes). Only a deployment
 * invoke or an owner may run it.
 */
export function setupEntry(getDeps: GetDeps): Entry {
  return async (event, context) => {
    const deps = await getDeps()
    if (!(await authorised(deps, 'setup', event, context))) return refusedCall()
    const { store } = deps
    if (!(store instanceof CloudBaseStore)) throw new Error('setup runs on CloudBase only')
    // the declared indexes, created with the function's role credentials (indexesCreated: null = skipped, no credentials)
    return store.setup({ budgetMs: 45_000, indexes: TencentCloudIndexes.fromEnv() })
  }
}

interface HttpEvent {
  httpMethod?: unknown
  queryStringParameters?: unknown
  body?: unknown
  isBase64Encoded?: unknown
}

const answer = (statusCode: number, body: string, type = 'text/plain; charset=utf-8') => ({ statusCode, headers: { 'content-type': type }, body })
const refusal = (statusCode: number, code: string, message: string) => answer(statusCode, JSON.stringify({ ok: false, error: { code, message } }), 'application/json; charset=utf-8')

function queryOf(q: unknown): PushQuery {
  const out: PushQuery = {}
  if (q && typeof q === 'object') for (const [k, v] of Object.entries(q)) if (typeof v === 'string') out[k] = v
  return out
}

/** The push settings from the function's environment (CHANNELS_PUSH_TOKEN, CHANNELS_PUSH_AES_KEY, CHANNELS_APPID). */
export function pushConfigFromEnv(env: Record<string, string | undefined>): PushConfig {
  return { token: env[CHANNELS_ENV.pushToken] ?? '', aesKey: env[CHANNELS_ENV.pushAesKey] || undefined, appid: env[CHANNELS_ENV.appid] || undefined }
}

/**
 * The shop's message push, through CloudBase HTTP access (云接入 / HTTP 访问服务; push URL = this
 * function's path): the request exactly as WeChat sends it to any server. Only that shape is
 * accepted — a call from a client SDK or any event without `httpMethod` is refused, nothing done —
 * and a POST passes the same checks as the gateway route (signature, timestamp window, body size,
 * the nonce claimed in the store, safe mode) before the body is parsed. GET with `echostr`
 * answers the URL check. Refusals are 4xx JSON `{ ok: false, error: { code } }`.
 */
export function channelsEntry(getDeps: GetDeps, config: () => PushConfig): Entry {
  return async (raw, context) => {
    const cfg = config()
    const event: HttpEvent = raw && typeof raw === 'object' ? (raw as HttpEvent) : {}
    if (callContextOf(context).endUser || typeof event.httpMethod !== 'string') {
      return refusal(403, 'FORBIDDEN', 'only signed WeChat message pushes over HTTP are accepted')
    }
    const query = queryOf(event.queryStringParameters)
    const deps = await getDeps()
    const nowMs = Date.parse(deps.now())
    if (event.httpMethod === 'GET') {
      const echo = answerUrlCheck(cfg, query, nowMs)
      return echo === null ? refusal(401, 'BAD_SIGNATURE', 'signature mismatch or stale timestamp') : answer(200, echo)
    }
    if (event.httpMethod !== 'POST') return refusal(405, 'METHOD_NOT_ALLOWED', 'POST only')
    try {
      checkPushQuery(cfg, query, nowMs)
      const body = typeof event.body === 'string' ? event.body : ''
      // base64 is 4/3 of the bytes: refuse before decoding anything oversized
      if (body.length > Math.ceil((pushLimits(cfg).maxBodyBytes * 4) / 3) + 4) throw new PushError('TOO_LARGE', 'push body too large')
      await receiveChannelsPush(deps, cfg, query, event.isBase64Encoded === true ? Buffer.from(body, 'base64').toString('utf8') : body)
      return answer(200, 'success')
    } catch (e) {
      if (e instanceof PushError) return refusal(PUSH_ERROR_STATUS[e.code], e.code, e.message)
      throw e
    }
  }
}
