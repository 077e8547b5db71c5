/**
 * The follow-up loop on the case page (issue 23): the 差评 contact step asks for the channel, the
 * result and what the buyer said in labelled groups; the bottom bar offers the open step while the
 * task runs; a 回访 shows and links the case it opened; the buyer's preferences are shown to the
 * next agent and edited in the 回访.
 */
import './admin-setup'
import { render } from '@testing-library/react'
import Taro from '@tarojs/taro'
import type { CaseView, LinkedCaseView } from '@contract/actions'
import type { BuyerPreferences, ReviewFollowUp } from '@contract/domain'
import { defaultPolicy } from '@contract/policy'
import { setTransport } from '../../src/api/client'
import { ActionBar } from '../../src/admin/case/ActionBar'
import { CaseScreen } from '../../src/admin/case/CaseScreen'
import { LoopPanel } from '../../src/admin/case/LoopPanel'
import { caseDetail, fakeAdmin, me, policyRecord } from './admin-fixtures'
import { settle, tap, text, typeInto } from './helpers'

beforeEach(() => {
  jest.spyOn(Taro, 'showToast').mockResolvedValue({ errMsg: 'showToast:ok' })
})
afterEach(() => jest.restoreAllMocks())

const at = (h: number) => new Date(Date.parse('2026-11-23T06:00:00.000Z') + h * 3600_000).toISOString()
const review = (over: Partial<ReviewFollowUp> = {}): ReviewFollowUp => ({
  openedAt: at(-2),
  dueAt: at(22),
  trigger: { score: 1, keywords: ['霉味'] },
  cause: { category: 'product', text: '批次受潮', at: at(-1), by: 'staff-amy' },
  contacts: [],
  remedy: null,
  reply: null,
  outcome: null,
  closedAt: null,
  remindedAt: null,
  ...over,
})
const prefs: BuyerPreferences = { items: ['no_phone', 'refund_only'], note: '只在工作日白天联系', at: at(-48), by: 'staff-sup', caseId: 'case-0', caseNo: 'AS202611200007' }

function mountPanel(view: CaseView, extra: { linkedCases?: LinkedCaseView[]; preferences?: BuyerPreferences | null } = {}, handlers: Record<string, (d: Record<string, unknown>) => unknown> = {}) {
  const server = fakeAdmin(handlers)
  setTransport(server.transport)
  const onUpdated = jest.fn()
  const utils = render(<LoopPanel view={view} reasonLabel="质量问题" replyDrafts={defaultPolicy.loop.replyDrafts} onUpdated={onUpdated} {...extra} />)
  return { ...utils, server, onUpdated }
}

/** The label a group shows, and the ids of the chips inside it. */
const group = (root: ParentNode, id: string) => ({
  label: text(root, `#${id} .adm-group__label`),
  chips: Array.from(root.querySelectorAll(`#${id} .adm-chip`)).map((c) => c.id),
})

describe('差评 contact step', () => {
  test('channel, result and what the buyer said are separate labelled groups, saved together with the step', async () => {
    const view = caseDetail('closed', { reviewFollowUp: review(), actions: ['review_step'] })
    const { container, server } = mountPanel(view, {}, { review_step: () => view })
    expect(group(container, 'review-contact-channel')).toEqual({ label: '联系方式', chips: ['channel-phone', 'channel-wechat', 'channel-sms', 'channel-other'] })
    expect(group(container, 'review-contact-outcome')).toEqual({ label: '结果', chips: ['contact-reached', 'contact-no_answer', 'contact-refused'] })
    expect(text(container, '#review-contact-said-group .adm-group__label')).toBe('买家说了什么')
    await tap(container, '#channel-wechat')
    await tap(container, '#contact-reached')
    await typeInto(container, '#review-contact-said', '  希望退一半货款  ')
    await tap(container, '#review-contact')
    expect(server.of('review_step').map((c) => c.data.step)).toEqual([{ step: 'contact', channel: 'wechat', outcome: 'reached', note: '希望退一半货款' }])
  })

  test('a recorded contact shows what the buyer said', () => {
    const contacts = [{ at: at(-1), by: 'staff-amy', channel: 'phone' as const, outcome: 'reached' as const, note: '希望退一半货款' }]
    const { container } = mountPanel(caseDetail('closed', { reviewFollowUp: review({ contacts }), actions: ['review_step'] }))
    expect(text(container, '#review-step-contact')).toContain('电话：已沟通，买家说：希望退一半货款')
  })

  test('the buyer\'s preferences are right there before contacting them', () => {
    const { container } = mountPanel(caseDetail('closed', { reviewFollowUp: review(), actions: ['review_step'] }), { preferences: prefs })
    expect(text(container, '#review-buyer-preferences')).toContain('不要打电话')
    expect(text(container, '#review-buyer-preferences')).toContain('只在工作日白天联系')
  })
})

describe('the bottom bar while a follow-up is open', () => {
  test('offers the open 差评 step (not "nothing to do") and takes you to it', async () => {
    const scroll = jest.spyOn(Taro, 'pageScrollTo').mockResolvedValue({ errMsg: 'pageScrollTo:ok' } as never)
    setTransport(fakeAdmin({}).transport)
    const view = caseDetail('closed', { reviewFollowUp: review(), actions: ['review_step'] })
    const { container } = render(<ActionBar view={view} me={me()} onUpdated={jest.fn()} />)
    expect(container.querySelector('#adm-no-actions')).toBeNull()
    expect(text(container, '#act-loop-review')).toBe('差评跟进：② 联系买家')
    await tap(container, '#act-loop-review')
    expect(scroll).toHaveBeenCalledWith(expect.objectContaining({ selector: '#review-step-contact' }))
  })

  test('follows the task: the next step after a contact, nothing once it is closed', () => {
    setTransport(fakeAdmin({}).transport)
    const contacts = [{ at: at(-1), by: 'staff-amy', channel: 'phone' as const, outcome: 'reached' as const, note: '' }]
    const running = render(<ActionBar view={caseDetail('closed', { reviewFollowUp: review({ contacts }), actions: ['review_step'] })} me={me()} onUpdated={jest.fn()} />)
    expect(text(running.container, '#act-loop-review')).toBe('差评跟进：③ 补救')
    const closed = render(<ActionBar view={caseDetail('closed', { reviewFollowUp: review({ contacts, outcome: 'updated', closedAt: at(0) }), actions: [] })} me={me()} onUpdated={jest.fn()} />)
    expect(closed.container.querySelector('#act-loop-review')).toBeNull()
    expect(text(closed.container, '#adm-no-actions')).toBe('当前状态无需处理')
  })

  test('offers the 回访 while it is due', () => {
    setTransport(fakeAdmin({}).transport)
    const view = caseDetail('resolved', { followUp: { dueAt: at(-1), remindedAt: null }, actions: ['note', 'record_visit'] })
    const { container } = render(<ActionBar view={view} me={me()} onUpdated={jest.fn()} />)
    expect(text(container, '#act-loop-visit')).toBe('记录回访')
    expect(container.querySelector('#act-note')).not.toBeNull()
  })
})

describe('回访', () => {
  test('a not-satisfied visit shows the case it opened and opens it on tap', async () => {
    const nav = jest.spyOn(Taro, 'navigateTo').mockResolvedValue({ errMsg: 'navigateTo:ok' } as never)
    const view = caseDetail('resolved', { followUp: { dueAt: at(-1), remindedAt: null, outcome: 'not_satisfied', doneAt: at(0), linkedCaseId: 'case-9' }, actions: [] })
    const { container } = mountPanel(view, { linkedCases: [{ id: 'case-9', caseNo: 'AS202611230009', status: 'submitted', purpose: 'visit' }] })
    expect(text(container, '#visit-outcome')).toBe('回访结果：买家不满意')
    expect(text(container, '#linked-visit-visit')).toContain('AS202611230009')
    await tap(container, '#linked-visit-visit')
    expect(nav).toHaveBeenCalledWith({ url: '/admin/case/index?id=case-9' })
  })

  test('preferences start from the buyer\'s profile; a change is sent with the visit, 偏好电话 and 不要打电话 exclude each other', async () => {
    const view = caseDetail('resolved', { followUp: { dueAt: at(-1), remindedAt: null }, actions: ['record_visit'] })
    const { container, server } = mountPanel(view, { preferences: prefs }, { record_visit: () => view })
    const on = () => Array.from(container.querySelectorAll('#visit-preferences .adm-chip--on')).map((c) => c.id)
    expect(text(container, '#visit-preferences .adm-group__label')).toContain('买家偏好')
    expect(on()).toEqual(['pref-no_phone', 'pref-refund_only'])
    await tap(container, '#pref-prefer_phone')
    expect(on()).toEqual(['pref-prefer_phone', 'pref-refund_only'])
    await tap(container, '#visit-record')
    expect(server.of('record_visit').map((c) => c.data.preferences)).toEqual([{ items: ['prefer_phone', 'refund_only'], note: '只在工作日白天联系' }])
  })

  test('untouched preferences are left as they are on the profile', async () => {
    const view = caseDetail('resolved', { followUp: { dueAt: at(-1), remindedAt: null }, actions: ['record_visit'] })
    const { container, server } = mountPanel(view, { preferences: prefs }, { record_visit: () => view })
    await tap(container, '#visit-record')
    expect(server.of('record_visit').map((c) => c.data.preferences)).toEqual([null])
  })
})

describe('the case page', () => {
  test('shows the buyer\'s preferences next to their standing, and the timeline entry of a visit links the case it opened', async () => {
    const base = caseDetail('resolved', { followUp: { dueAt: at(-1), remindedAt: null, outcome: 'not_satisfied', doneAt: at(0), linkedCaseId: 'case-9' }, actions: ['note'] })
    const view = {
      ...base,
      timeline: [
        ...base.timeline,
        { id: 't9', at: at(0), actor: { kind: 'staff' as const, id: 'staff-amy' }, type: 'record_visit' as const, fromStatus: 'resolved' as const, toStatus: 'resolved' as const, text: '回访：买家不满意（已新建关联售后单）', internal: true, data: { outcome: 'not_satisfied', linkedCaseId: 'case-9' } },
      ],
      buyerHistory: { ...base.buyerHistory, preferences: prefs },
      linkedCases: [{ id: 'case-9', caseNo: 'AS202611230009', status: 'submitted' as const, purpose: 'visit' as const }],
    }
    setTransport(fakeAdmin({ get_case: () => view, get_policy: () => policyRecord(), list_staff: () => [] }).transport)
    const { container } = render(<CaseScreen caseId="case-1" me={me()} />)
    await settle()
    const shown = text(container, '#case-history #buyer-preferences')
    expect(shown).toContain('不要打电话')
    expect(shown).toContain('只要退款')
    expect(shown).toContain('只在工作日白天联系')
    expect(shown).toContain('AS202611200007')
    expect(text(container, '#tl-t9 #linked-visit-tl-t9')).toContain('AS202611230009')
  })
})
