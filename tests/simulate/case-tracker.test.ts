/**
 * The case page as the mini-program renders it: the compiled weapp build (dist/weapp) under
 * miniprogram-simulate with the official wcc compiler. Build first: `npx taro build --type weapp`.
 */
import path from 'node:path'
import { STATUS_LABELS } from '@contract/domain'
import { caseView } from '../components/fixtures'
import { DIST, installHost } from './weapp-shims'

const host = installHost()
// eslint-disable-next-line @typescript-eslint/no-require-imports
const simulate = require('miniprogram-simulate') as typeof import('miniprogram-simulate')
// eslint-disable-next-line @typescript-eslint/no-require-imports
require(path.join(DIST, 'app.js'))

type Comp = ReturnType<typeof simulate.render>
const textOf = (c: Comp, sel: string) => (c.querySelector(sel)?.dom?.textContent ?? '').replace(/\s+/g, ' ').trim()

// load once: webpack keeps the page module, so a second load would not call Page() again
const pageId = simulate.load(path.join(DIST, 'pages/case/index'), { rootPath: DIST, compiler: 'official' })

async function openCase(): Promise<Comp> {
  host.query = { id: 'case-1' }
  const page = simulate.render(pageId)
  page.attach(document.createElement('parent-wrapper'))
  for (let i = 0; i < 20 && !page.querySelector('#case-status'); i++) await simulate.sleep(30)
  return page
}

beforeEach(() => {
  host.calls.length = 0
})

test('the buyer sees the status, what to do next by when, and the buttons the case allows', async () => {
  const view = caseView('awaiting_return')
  host.handler = (action) => {
    if (action === 'get_case') return view
    if (action === 'get_policy') return { templateIds: [], reasons: [] }
    throw { code: 'UNKNOWN_ACTION', message: action }
  }
  const page = await openCase()
  expect(host.calls.find((c) => c.action === 'get_case')).toMatchObject({ name: 'aftersale', data: { caseId: 'case-1' } })
  expect(textOf(page, '#case-status')).toBe(STATUS_LABELS.awaiting_return)
  expect(textOf(page, '#next-text')).toBe('请寄回商品并填写快递单号')
  expect(textOf(page, '#next-due')).toMatch(/^还剩 6天23小时（截止 \d{4}-\d{2}-\d{2} \d{2}:\d{2}）$/)
  expect(textOf(page, '#step-current')).toContain(STATUS_LABELS.awaiting_return)
  expect(textOf(page, '#action-ship_return')).toBe('填写退货物流')
  expect(textOf(page, '#action-cancel')).toBe('撤销申请')
  expect(page.querySelector('#action-rate')).toBeFalsy()
  expect(page.querySelector('#action-confirm_receipt')).toBeFalsy()
})

test('tapping 撤销申请 and confirming cancels the case and the tracker follows', async () => {
  const view = caseView('submitted')
  host.modalConfirm = true
  host.handler = (action, data) => {
    if (action === 'get_case') return view
    if (action === 'get_policy') return { templateIds: [], reasons: [] }
    if (action === 'cancel') {
      expect(data).toMatchObject({ caseId: 'case-1', expectedVersion: 4 })
      return caseView('cancelled', { version: 5 })
    }
    throw { code: 'UNKNOWN_ACTION', message: action }
  }
  const page = await openCase()
  expect(textOf(page, '#case-status')).toBe(STATUS_LABELS.submitted)
  const cancel = page.querySelector('#action-cancel')
  expect(cancel).toBeTruthy()
  cancel?.dispatchEvent('tap')
  for (let i = 0; i < 20 && textOf(page, '#case-status') !== STATUS_LABELS.cancelled; i++) await simulate.sleep(30)
  expect(host.calls.filter((c) => c.action === 'cancel')).toHaveLength(1)
  expect(host.calls.find((c) => c.action === 'cancel')?.idempotencyKey).toEqual(expect.any(String))
  expect(textOf(page, '#case-status')).toBe(STATUS_LABELS.cancelled)
  expect(textOf(page, '#next-text')).toBe('您已撤销申请')
  expect(page.querySelector('#action-cancel')).toBeFalsy()
})
