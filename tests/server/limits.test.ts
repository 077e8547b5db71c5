/**
 * Limits that parallel calls must not bypass (issue 20 point 6): the upload quota per identity and
 * day, a buyer's commands per case, and the policy what-if (one run at a time for the shop, sliced
 * so other requests are answered while it runs, cancellable). Each is counted in the store inside
 * one atomic write; two processes on one store: limits-cross-process.test.ts. How long other
 * requests wait during a what-if is a bench figure (scripts/bench/what-if.ts), not asserted here.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Policy } from '@contract/policy'
import { startGateway, type Gateway } from '../../cloudfunctions/gateway/server'
import { BUYER_CASE_RATE } from '../../cloudfunctions/app/usecases/limits'
import { makeApp, unwrap, type App } from './app-harness'
import { draftOf, population } from './limits-fixtures'

const BUYER = 'buyer-zhao'
const OTHER = 'buyer-lin'
const OWNER = 'staff-owner'
const SUP = 'staff-sup'
const CALL = { 'x-desk-call': '1' }
type Answer<T = unknown> = { ok: boolean; data?: T; error?: { code: string; message: string } }
const codeOf = (r: Answer) => (r.ok ? 'ok' : r.error!.code)
const tally = (codes: string[]) => codes.reduce<Record<string, number>>((m, c) => ({ ...m, [c]: (m[c] ?? 0) + 1 }), {})

// ---------------------------------------------------------------- uploads

describe('the upload quota holds under parallel uploads', () => {
  const dirs: string[] = []
  const gateways: Gateway[] = []
  afterAll(async () => {
    for (const g of gateways) await g.close()
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true })
  })
  async function gateway(quota: { files: number; bytes: number }) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-limits-'))
    dirs.push(dataDir)
    const gw = await startGateway({ host: '127.0.0.1', port: 0, dataDir, quiet: true, dispatchEveryMs: 0, scheduleEveryMs: 0, uploadQuota: quota, now: () => '2026-11-23T03:00:00.000Z' })
    gateways.push(gw)
    return { gw, media: path.join(dataDir, 'media') }
  }
  const png = (bytes: number) => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(bytes - 8, 7)])
  async function upload(gw: Gateway, who: string, body: Buffer) {
    const form = new FormData()
    form.append('file', new Blob([body], { type: 'image/png' }), 'a.png')
    const res = await fetch(`${gw.url}/api/upload`, { method: 'POST', headers: { 'x-dev-openid': who, ...CALL }, body: form })
    return { status: res.status, body: (await res.json()) as Answer<{ size: number }> }
  }
  const stored = (dir: string) => fs.readdirSync(dir).filter((f) => !f.endsWith('.part'))

  test('40 uploads at once against 10 files a day: exactly 10 stored, 30 refused with 429, nothing left half-written', async () => {
    const { gw, media } = await gateway({ files: 10, bytes: 1024 * 1024 * 1024 })
    const res = await Promise.all(Array.from({ length: 40 }, () => upload(gw, BUYER, png(2_000))))
    expect(tally(res.map((r) => String(r.status)))).toEqual({ 200: 10, 429: 30 })
    for (const r of res.filter((x) => x.status === 429)) expect(r.body.error).toMatchObject({ code: 'LIMIT_EXCEEDED', message: expect.stringContaining('今日上传次数已达上限') })
    expect(stored(media)).toHaveLength(10)
    expect(fs.readdirSync(media).filter((f) => f.endsWith('.part'))).toEqual([])
    expect((await upload(gw, OTHER, png(2_000))).status).toBe(200) // per identity
  })

  test('30 uploads of 100 KB at once against 1 MB a day: never more than 1 MB kept, the rest refused', async () => {
    const quota = 1024 * 1024
    const { gw, media } = await gateway({ files: 1000, bytes: quota })
    const res = await Promise.all(Array.from({ length: 30 }, () => upload(gw, BUYER, png(100_000))))
    const kept = res.filter((r) => r.status === 200)
    expect(kept.length).toBeGreaterThanOrEqual(9) // each reserves its body (100 KB + the form) until it is stored
    expect(kept.reduce((s, r) => s + r.body.data!.size, 0)).toBeLessThanOrEqual(quota)
    expect(stored(media).reduce((s, f) => s + fs.statSync(path.join(media, f)).size, 0)).toBeLessThanOrEqual(quota)
    for (const r of res.filter((x) => x.status !== 200)) expect([r.status, r.body.error?.code]).toEqual([429, 'LIMIT_EXCEEDED'])
    // what a stored file did not use of its reservation was given back: the day's room is what is left
    const left = quota - kept.reduce((s, r) => s + r.body.data!.size, 0)
    if (left > 110_000) expect((await upload(gw, BUYER, png(100_000))).status).toBe(200)
    // a refused upload gives its whole reservation back
    const { gw: gw2 } = await gateway({ files: 1000, bytes: 150_000 })
    expect((await upload(gw2, BUYER, Buffer.alloc(120_000, 1))).status).toBe(400) // not an image: refused, nothing kept
    expect((await upload(gw2, BUYER, png(120_000))).status).toBe(200)
  })
})

// ---------------------------------------------------------------- a buyer's commands on one case

describe('a buyer\'s commands per case', () => {
  let app: App
  let now = Date.parse('2026-11-23T03:00:00.000Z')
  beforeEach(async () => {
    now = Date.parse('2026-11-23T03:00:00.000Z')
    app = await makeApp()
    app.setNow(new Date(now).toISOString())
  })
  afterEach(() => app.close())
  const tick = (ms: number) => {
    now += ms
    app.setNow(new Date(now).toISOString())
  }

  async function fileCase(): Promise<string> {
    const orders = unwrap<{ order: { orderId: string; items: { skuId: string; finalSale?: boolean }[]; deliveredAt?: string } }[]>(await app.buyer(BUYER, 'list_orders', {}))
    const o = orders.find((x) => x.order.items.length === 1 && x.order.deliveredAt && !x.order.items[0].finalSale)!.order
    const body = { orderId: o.orderId, claimedItems: [{ skuId: o.items[0].skuId, qty: 1 }], type: 'refund_only', reason: 'quality_defect', desiredRemedy: 'refund' }
    return unwrap<{ case: { id: string } }>(await app.buyer(BUYER, 'submit', body, 'k-rate-1')).case.id
  }
  const provide = (caseId: string, who = BUYER, text = '补充说明') => app.buyer(who, 'provide_info', { caseId, text }) as Promise<Answer>
  const timelineOf = async (id: string) => (await app.store.getCase(id))!.timeline.filter((t) => t.type === 'provide_info').length

  test(`30 provide_info at once on one case: at most ${BUYER_CASE_RATE.perMinute} go through this minute, the rest are LIMIT_EXCEEDED; the next minute has room again`, async () => {
    const id = await fileCase()
    const codes = (await Promise.all(Array.from({ length: 30 }, () => provide(id)))).map(codeOf)
    const t = tally(codes)
    expect(Object.keys(t).every((c) => ['ok', 'CONFLICT', 'LIMIT_EXCEEDED'].includes(c))).toBe(true)
    expect((t.ok ?? 0) + (t.CONFLICT ?? 0)).toBeLessThanOrEqual(BUYER_CASE_RATE.perMinute)
    expect(t.LIMIT_EXCEEDED).toBeGreaterThanOrEqual(30 - BUYER_CASE_RATE.perMinute)
    expect(await timelineOf(id)).toBe(t.ok)
    const refused = (await provide(id)) as Answer
    expect(refused.error).toMatchObject({ code: 'LIMIT_EXCEEDED', message: '操作太频繁，请稍等一分钟再试' })
    tick(60_000)
    expect(codeOf(await provide(id))).toBe('ok')
  })

  test(`in a day at most ${BUYER_CASE_RATE.perDay} per case, however they are spread; another buyer's attempts use none of them`, async () => {
    const id = await fileCase()
    // a stranger hammering the case is refused as NOT_FOUND and takes nothing from its owner
    const strangers = await Promise.all(Array.from({ length: 20 }, () => provide(id, OTHER)))
    expect(new Set(strangers.map(codeOf))).toEqual(new Set(['NOT_FOUND']))
    let ok = 0
    for (let minute = 0; ok < BUYER_CASE_RATE.perDay; minute++) {
      for (let i = 0; i < BUYER_CASE_RATE.perMinute && ok < BUYER_CASE_RATE.perDay; i++) {
        expect(codeOf(await provide(id))).toBe('ok')
        ok++
      }
      tick(60_000)
    }
    const over = await provide(id)
    expect(over.error).toMatchObject({ code: 'LIMIT_EXCEEDED', message: expect.stringContaining('今天的操作次数已达上限') })
    // other cases and other buyers are not affected
    expect(await timelineOf(id)).toBe(BUYER_CASE_RATE.perDay)
    tick(24 * 3600_000)
    expect(codeOf(await provide(id))).toBe('ok')
  })
})

// ---------------------------------------------------------------- policy what-if

describe('policy what-if: one run at a time for the shop, sliced, cancellable', () => {
  let app: App
  beforeAll(async () => {
    app = await makeApp()
    await population(app.store, 1500, app.deps.now())
  })
  afterAll(() => app.close())
  const draft = async () => draftOf(unwrap<{ policy: Policy }>(await app.staff(OWNER, 'get_policy', {})).policy)

  test('a second run while one runs is refused; requests of others are answered meanwhile; cancel stops the run and frees the shop', async () => {
    const policy = await draft()
    const done: string[] = []
    const first = (app.staff(OWNER, 'preview_policy', { policy }) as Promise<Answer>).then((r) => {
      done.push('what-if')
      return r
    })
    // one turn of the event loop later the run holds the shop and has yielded
    await new Promise((r) => setImmediate(r))
    const buyerList = (app.buyer(BUYER, 'list_cases', {}) as Promise<Answer>).then((r) => {
      done.push('buyer')
      return r
    })
    const second = (await app.staff(OWNER, 'preview_policy', { policy })) as Answer
    expect(second.error).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('另一次策略预演正在计算') })
    // saving with a what-if is a run too
    const cur = unwrap<{ version: number }>(await app.staff(OWNER, 'get_policy', {}))
    expect(codeOf((await app.staff(OWNER, 'update_policy', { expectedVersion: cur.version, policy, preview: {} })) as Answer)).toBe('CONFLICT')
    expect(codeOf(await buyerList)).toBe('ok')
    expect(done).toEqual(['buyer']) // answered while the what-if was still running
    expect(codeOf((await app.staff(SUP, 'cancel_preview', {})) as Answer)).toBe('FORBIDDEN')
    expect(unwrap(await app.staff(OWNER, 'cancel_preview', {}))).toEqual({ cancelled: true })
    const stopped = await first
    expect(stopped.error).toMatchObject({ code: 'CONFLICT', message: '策略预演已取消' })
    // the shop is free again: a run completes, and nothing is running to cancel afterwards
    const full = unwrap<{ cases: number; changedCases: number }>(await app.staff(OWNER, 'preview_policy', { policy }))
    expect(full.cases).toBe(1500)
    expect(full.changedCases).toBeGreaterThan(0)
    expect(unwrap(await app.staff(OWNER, 'cancel_preview', {}))).toEqual({ cancelled: false })
  })
})
