import Taro from '@tarojs/taro'
import { CALL_HEADER, errorText, type ApiResult, type CallEnvelope, type FunctionName } from '@contract/api'

/**
 * One client, two transports: wx.cloud.callFunction in the weapp build, the local gateway over
 * HTTP in the H5 build. Pages only see `call()` and never know which one ran.
 */
export class ApiFailure extends Error {
  constructor(
    public code: string,
    message: string,
    public details?: unknown,
  ) {
    super(message)
  }
}

type Transport = (fn: FunctionName, envelope: CallEnvelope) => Promise<ApiResult<unknown>>

const cloudTransport: Transport = async (fn, envelope) => {
  const res = await Taro.cloud.callFunction({ name: fn, data: envelope as unknown as Record<string, unknown> })
  return res.result as ApiResult<unknown>
}

const httpTransport: Transport = async (fn, envelope) => {
  const res = await fetch(`${API_BASE}/api/fn/${fn}`, {
    method: 'POST',
    credentials: 'include',
    // the custom header marks the desk's own calls (the gateway refuses cross-site posts without it)
    headers: { 'content-type': 'application/json', [CALL_HEADER]: '1' },
    body: JSON.stringify(envelope),
  })
  return (await res.json()) as ApiResult<unknown>
}

let transport: Transport = process.env.TARO_ENV === 'weapp' ? cloudTransport : httpTransport

/** Tests swap the transport; production code never calls this. */
export function setTransport(t: Transport) {
  transport = t
}

export async function call<T>(fn: FunctionName, action: string, data?: unknown, idempotencyKey?: string): Promise<T> {
  let result: ApiResult<unknown>
  try {
    result = await transport(fn, { action, data, idempotencyKey })
  } catch {
    throw new ApiFailure('NETWORK', '网络不给力，请检查网络后重试')
  }
  if (!result || typeof result !== 'object') throw new ApiFailure('INTERNAL', errorText.INTERNAL)
  if (result.ok) return result.data as T
  const code = result.error.code
  throw new ApiFailure(code, result.error.message || errorText[code] || errorText.INTERNAL, result.error.details)
}

/** A fresh key per form: double taps of the same submit reuse it, so only one case is created. */
export function newIdempotencyKey(): string {
  const rnd = Math.random().toString(36).slice(2, 10)
  return `${Date.now().toString(36)}-${rnd}-${Math.random().toString(36).slice(2, 10)}`
}
