/**
 * The little a Taro weapp bundle needs from the mini-program host, for miniprogram-simulate:
 * `wx` (with the cloud SDK answering from a fake function), `App`, `getApp`, `getCurrentPages`
 * and a `Page` that forwards to `Component`, calling onLoad / onShow / onReady from its lifetimes.
 * Install before requiring miniprogram-simulate (it merges its own `wx` API mocks into ours).
 */
import path from 'node:path'
import fs from 'node:fs'

type Handler = (action: string, data: Record<string, unknown>) => unknown
type PageConfig = Record<string, unknown> & { data?: Record<string, unknown> }

export interface Host {
  calls: { name: string; action: string; data: Record<string, unknown>; idempotencyKey?: string }[]
  /** answer of the cloud function per action */
  handler: Handler
  /** query the next loaded page gets in onLoad */
  query: Record<string, string>
  modalConfirm: boolean
}

export const DIST = process.env.WEAPP_DIST ? path.resolve(process.env.WEAPP_DIST) : path.resolve(__dirname, '../../dist/weapp')

export function installHost(): Host {
  if (!fs.existsSync(path.join(DIST, 'app.js'))) {
    throw new Error(`no weapp build at ${DIST}: run \`npx taro build --type weapp\` first`)
  }
  const host: Host = { calls: [], handler: () => ({}), query: {}, modalConfirm: true }
  const g = globalThis as unknown as Record<string, unknown>
  const pages: unknown[] = []
  let app: Record<string, unknown> = {}

  g.wx = {
    cloud: {
      init: () => undefined,
      callFunction: async ({ name, data }: { name: string; data: { action: string; data?: Record<string, unknown>; idempotencyKey?: string } }) => {
        const payload = data.data ?? {}
        host.calls.push({ name, action: data.action, data: payload, idempotencyKey: data.idempotencyKey })
        try {
          return { result: { ok: true, data: await host.handler(data.action, payload) }, errMsg: 'cloud.callFunction:ok' }
        } catch (e) {
          const err = e as { code?: string; message?: string }
          return { result: { ok: false, error: { code: err.code ?? 'INTERNAL', message: err.message ?? '' } }, errMsg: 'cloud.callFunction:ok' }
        }
      },
    },
    showModal: (opt: { success?: (r: unknown) => void; complete?: (r: unknown) => void }) => {
      const res = { confirm: host.modalConfirm, cancel: !host.modalConfirm, errMsg: 'showModal:ok' }
      opt.success?.(res)
      opt.complete?.(res)
    },
  }
  g.App = (config: Record<string, unknown>) => {
    app = config
    ;(config.onLaunch as ((o: unknown) => void) | undefined)?.call(config, { path: 'pages/index/index', query: {} })
    ;(config.onShow as ((o: unknown) => void) | undefined)?.call(config, { path: 'pages/index/index', query: {} })
  }
  g.getApp = () => app
  g.getCurrentPages = () => pages
  g.Page = (config: PageConfig) => {
    const methods: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(config)) if (typeof v === 'function') methods[k] = v
    const Component = g.Component as (def: unknown) => void
    Component({
      data: config.data ?? {},
      options: { addGlobalClass: true },
      methods,
      lifetimes: {
        attached(this: Record<string, unknown> & { onLoad?: (q: unknown) => void; onShow?: () => void }) {
          this.route = (config.route as string) ?? ''
          this.options = host.query
          pages.push(this)
          this.onLoad?.(host.query)
          this.onShow?.()
        },
        ready(this: { onReady?: () => void }) {
          this.onReady?.()
        },
        detached(this: { onUnload?: () => void }) {
          this.onUnload?.()
          pages.pop()
        },
      },
    })
  }
  return host
}
