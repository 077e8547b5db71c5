import http from 'node:http'
import https from 'node:https'
import { WECOM_NO_KEY, type SendResult, type WecomMessage } from '../../ports/sender'

export const WECOM_WEBHOOK_URL = 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send'

/** WeCom's content limits in UTF-8 bytes: text 2048, markdown 4096. */
const MAX_BYTES = { text: 2048, markdown: 4096 } as const

/** Cuts `s` to at most `max` UTF-8 bytes on a code point boundary, marking the cut with "…". */
export function cutBytes(s: string, max: number): string {
  if (Buffer.byteLength(s, 'utf8') <= max) return s
  let out = ''
  let used = 0
  const budget = max - Buffer.byteLength('…', 'utf8')
  for (const ch of s) {
    const b = Buffer.byteLength(ch, 'utf8')
    if (used + b > budget) break
    out += ch
    used += b
  }
  return `${out}…`
}

/**
 * A team's WeCom group robot (企业微信群机器人): POST <webhook>?key=<key> with
 * `{ msgtype: 'text', text: { content } }` or `{ msgtype: 'markdown', markdown: { content } }`; the
 * answer is `{ errcode, errmsg }` (0 = posted, 45009 = more than 20 messages a minute).
 *
 * The key is read from the environment variable the policy names, at send time, and goes only
 * into the request's query string: never into a result, an error message or a log line.
 * Node's http(s): the request is small and needs no more than the core modules.
 */
export class WecomRobot {
  constructor(
    private readonly env: Record<string, string | undefined> = process.env,
    private readonly baseUrl: string = env.WECOM_WEBHOOK_URL || WECOM_WEBHOOK_URL,
    private readonly timeoutMs = 8_000,
  ) {}

  async send(m: WecomMessage): Promise<SendResult> {
    const key = this.env[m.keyEnv]?.trim()
    if (!key) return { errcode: WECOM_NO_KEY, errmsg: `环境变量 ${m.keyEnv} 未设置（企业微信机器人密钥）` }
    const content = cutBytes(m.content, MAX_BYTES[m.msgtype])
    const body = JSON.stringify(m.msgtype === 'markdown' ? { msgtype: 'markdown', markdown: { content } } : { msgtype: 'text', text: { content } })
    const url = new URL(this.baseUrl)
    url.searchParams.set('key', key)
    const answer = await post(url, body, this.timeoutMs)
    const r = answer as { errcode?: unknown; errmsg?: unknown }
    if (typeof r?.errcode !== 'number') throw new Error('企业微信返回了无法识别的内容')
    return { errcode: r.errcode, errmsg: String(r.errmsg ?? '') }
  }
}

/** POSTs JSON; resolves the parsed answer of a 200, rejects otherwise (the dispatcher retries). */
function post(url: URL, body: string, timeoutMs: number): Promise<unknown> {
  const lib = url.protocol === 'http:' ? http : https
  return new Promise((resolve, reject) => {
    const req = lib.request(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          if (res.statusCode !== 200) return reject(new Error(`企业微信 HTTP ${res.statusCode ?? '?'}`))
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')))
          } catch {
            reject(new Error('企业微信返回的不是 JSON'))
          }
        })
        res.on('error', () => reject(new Error('企业微信连接中断')))
      },
    )
    // errors name the host at most, never the query string that carries the key
    req.on('timeout', () => req.destroy(new Error('企业微信请求超时')))
    req.on('error', (e: NodeJS.ErrnoException) => reject(new Error(`企业微信请求失败：${e.code ?? e.message}`)))
    req.end(body)
  })
}
