import { cloudDeps } from '../adapters/cloudbase/deps'
import { CHANNELS_ENV } from '../adapters/channels/shop'
import { PushError, answerUrlCheck } from '../adapters/channels/push'
import { handlePushMessage, receiveChannelsPush } from '../app/usecases/receive-channels-push'

interface HttpEvent {
  httpMethod?: string
  queryStringParameters?: Record<string, string>
  body?: string
  isBase64Encoded?: boolean
}

const text = (statusCode: number, body: string) => ({ statusCode, headers: { 'content-type': 'text/plain; charset=utf-8' }, body })

/**
 * The shop's message push (channels_ec_aftersale_update). Two ways in:
 * - CloudBase message push (云开发 → 消息推送, target this function): WeChat delivers the event
 *   object itself, inside WeChat's network, already decrypted — there is no signature to check.
 * - HTTP access (云接入 / HTTP 访问服务, push URL = this function's path): the request as WeChat
 *   sends it to any server — `signature` checked with CHANNELS_PUSH_TOKEN, safe mode opened with
 *   CHANNELS_PUSH_AES_KEY; the GET with `echostr` answers the URL check.
 * Both read the after-sale from the shop and create / update its one case; both answer `success`.
 */
export async function main(event: HttpEvent & Record<string, unknown>) {
  const deps = await cloudDeps()
  if (!event.httpMethod) {
    await handlePushMessage(deps, JSON.stringify(event))
    return 'success'
  }
  const query = event.queryStringParameters ?? {}
  const token = process.env[CHANNELS_ENV.pushToken] ?? ''
  const cfg = { token, aesKey: process.env[CHANNELS_ENV.pushAesKey] || undefined, appid: process.env[CHANNELS_ENV.appid] || undefined }
  const body = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '')
  if (event.httpMethod === 'GET') {
    const echo = answerUrlCheck(token, query)
    return echo === null ? text(401, 'bad signature') : text(200, echo)
  }
  try {
    await receiveChannelsPush(deps, cfg, query, body)
    return text(200, 'success')
  } catch (e) {
    if (e instanceof PushError) return text(e.code === 'BAD_SIGNATURE' ? 401 : 400, e.message)
    throw e
  }
}
