/**
 * A local stand-in for the WeCom (企业微信) group robot webhook, for tests only. It speaks the
 * documented wire format: `POST /cgi-bin/webhook/send?key=<key>` with a JSON body
 * `{ msgtype: 'text', text: { content } }` or `{ msgtype: 'markdown', markdown: { content } }`,
 * answered with HTTP 200 and `{ errcode, errmsg }`:
 *   0 ok · 93000 invalid webhook url (unknown key) · 40008 invalid message type ·
 *   44004 empty content · 45009 api freq out of limit (more than 20 messages a minute per robot) ·
 *   -1 system busy.
 * Content over the documented limit (text 2048 bytes, markdown 4096 bytes) is refused (40058).
 *
 * Tests inject answers: `failNext(key, ...answers)` queues answers for a robot ('busy' = -1,
 * 'rate' = 45009, 'http500', 'drop' = the connection is cut after the request was read — the
 * message is NOT posted in that case, so a retry is not a duplicate).
 *
 * NOT reproduced: the real service's wording of errmsg and its "hint" links, mentioned_list /
 * @all, the other message types (image, news, file, template_card), the upload_media API, TLS,
 * the exact window WeCom uses for its 20-a-minute limit (here: a minute of the stand-in's clock,
 * fixed windows — the clock is the test's), any throttling beyond that, and a cut connection after
 * the message was posted (a retry would then post twice: the dispatcher cannot tell either).
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'

export type Injected = 'busy' | 'rate' | 'http500' | 'drop'

export interface Posted {
  key: string
  msgtype: 'text' | 'markdown'
  content: string
}

export class WecomStandIn {
  readonly posted: Posted[] = []
  /** every request the stand-in answered, including refused ones */
  requests = 0
  private server: http.Server | null = null
  private readonly keys = new Set<string>()
  private readonly injected = new Map<string, Injected[]>()
  private readonly windows = new Map<string, { minute: number; used: number }>()

  constructor(
    keys: string[],
    /** the stand-in's clock (ms): tests pass their own so "a minute later" needs no waiting */
    private readonly clock: () => number = () => Date.now(),
  ) {
    for (const k of keys) this.keys.add(k)
  }

  get url(): string {
    const a = this.server?.address() as AddressInfo | null
    if (!a) throw new Error('stand-in not started')
    return `http://127.0.0.1:${a.port}/cgi-bin/webhook/send`
  }

  failNext(key: string, ...answers: Injected[]): void {
    this.injected.set(key, [...(this.injected.get(key) ?? []), ...answers])
  }

  /** messages posted to the robot of `key` */
  postedTo(key: string): Posted[] {
    return this.posted.filter((p) => p.key === key)
  }

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => this.handle(req, res, Buffer.concat(chunks).toString('utf8')))
    })
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()))
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, body: string) {
    this.requests++
    const answer = (o: { errcode: number; errmsg: string }) => {
      res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' })
      res.end(JSON.stringify(o))
    }
    const u = new URL(req.url ?? '/', 'http://local')
    if (req.method !== 'POST' || u.pathname !== '/cgi-bin/webhook/send') {
      res.writeHead(404)
      return res.end()
    }
    const key = u.searchParams.get('key') ?? ''
    if (!this.keys.has(key)) return answer({ errcode: 93000, errmsg: 'invalid webhook url' })
    const inj = this.injected.get(key)?.shift()
    if (inj === 'drop') return req.socket.destroy()
    if (inj === 'http500') {
      res.writeHead(500)
      return res.end('internal error')
    }
    if (inj === 'busy') return answer({ errcode: -1, errmsg: 'system busy' })
    if (inj === 'rate') return answer({ errcode: 45009, errmsg: 'api freq out of limit' })

    let msg: { msgtype?: unknown; text?: { content?: unknown }; markdown?: { content?: unknown } }
    try {
      msg = JSON.parse(body) as typeof msg
    } catch {
      return answer({ errcode: 40001, errmsg: 'invalid json' })
    }
    const type = msg.msgtype
    if (type !== 'text' && type !== 'markdown') return answer({ errcode: 40008, errmsg: 'invalid message type' })
    const content = type === 'text' ? msg.text?.content : msg.markdown?.content
    if (typeof content !== 'string' || content.length === 0) return answer({ errcode: 44004, errmsg: 'empty content' })
    if (Buffer.byteLength(content, 'utf8') > (type === 'text' ? 2048 : 4096)) return answer({ errcode: 40058, errmsg: 'content exceed max length' })

    const minute = Math.floor(this.clock() / 60_000)
    const w = this.windows.get(key)
    const win = w && w.minute === minute ? w : { minute, used: 0 }
    if (win.used >= 20) return answer({ errcode: 45009, errmsg: 'api freq out of limit' })
    win.used++
    this.windows.set(key, win)
    this.posted.push({ key, msgtype: type, content })
    answer({ errcode: 0, errmsg: 'ok' })
  }
}
