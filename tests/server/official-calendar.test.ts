/** China's official calendar (chinese-days) under the seller's own closures and working days (issue 14 point 8). */
import { defaultPolicy, type Policy } from '@contract/policy'
import { calendarLogWarning, calendarWarning, OFFICIAL_LAST_DATE, withOfficialCalendar } from '../../cloudfunctions/app/official-calendar'
import { runScheduler } from '../../cloudfunctions/app/usecases/run-scheduler'
import { isBusinessTime } from '../../cloudfunctions/core'
import { makeApp, unwrap } from './app-harness'

const OWNER = 'staff-owner'
const BUYER = 'buyer-zhao'
/** Wednesday 2026-09-30 20:00 in Shanghai, the evening before the National Day holiday (Oct 1–7). */
const EVE = '2026-09-30T12:00:00.000Z'
const own = (cal: Partial<Policy['calendar']>): Policy => ({ ...defaultPolicy, calendar: { ...defaultPolicy.calendar, holidays: [], makeupWorkdays: [], ...cal } })

test('statutory holidays close the desk and 调休 weekends open it, from the dataset, not from the seller\'s list', () => {
  const p = withOfficialCalendar(own({}))
  expect(isBusinessTime('2026-10-02T04:00:00.000Z', p.calendar)).toBe(false) // National Day, a Friday
  expect(isBusinessTime('2026-09-20T04:00:00.000Z', p.calendar)).toBe(true) // Sunday worked in lieu (调休)
  expect(isBusinessTime('2026-09-20T04:00:00.000Z', own({}).calendar)).toBe(false) // the seller's list alone knows neither
  expect(isBusinessTime('2026-10-02T04:00:00.000Z', own({}).calendar)).toBe(true)
})

test('the seller\'s own closures and working days win over the official calendar', () => {
  const p = withOfficialCalendar(own({ holidays: ['2026-09-20', '2026-11-24'], makeupWorkdays: ['2026-10-02'] }))
  expect(isBusinessTime('2026-10-02T04:00:00.000Z', p.calendar)).toBe(true) // open on a holiday
  expect(isBusinessTime('2026-09-20T04:00:00.000Z', p.calendar)).toBe(false) // closed on a 调休 Sunday
  expect(isBusinessTime('2026-11-24T04:00:00.000Z', p.calendar)).toBe(false) // own closure on a Tuesday
  expect(withOfficialCalendar(p)).not.toBe(p)
  const again = own({})
  expect(withOfficialCalendar(again)).toBe(withOfficialCalendar(again)) // one merged object per policy
})

test('a case filed on the eve of National Day is due after the holiday, with the seller\'s list empty', async () => {
  const app = await makeApp({ now: EVE })
  try {
    unwrap(await app.staff(OWNER, 'update_policy', { expectedVersion: 1, policy: own({}) }))
    const orders = unwrap<{ order: { orderId: string; items: { skuId: string; finalSale?: boolean }[]; deliveredAt?: string } }[]>(await app.buyer(BUYER, 'list_orders', {}))
    const o = orders.find((x) => x.order.items.length === 1 && x.order.deliveredAt && !x.order.items[0].finalSale)!.order
    const { case: c } = unwrap<{ case: { next: { dueAt: string } } }>(
      await app.buyer(BUYER, 'submit', { orderId: o.orderId, claimedItems: [{ skuId: o.items[0].skuId, qty: 1 }], type: 'refund_only', reason: 'quality_defect', desiredRemedy: 'refund' }, 'k-eve-0001'),
    )
    // 4 business hours: 20:00–21:00 on the eve, Oct 1–7 closed, then 09:00–12:00 on Thursday Oct 8 (the buyer's countdown)
    expect(c.next.dueAt).toBe('2026-10-08T04:00:00.000Z')
  } finally {
    await app.close()
  }
})

test('admin pages and the scheduler log warn when the calendar has no data for the next 60 days', async () => {
  expect(OFFICIAL_LAST_DATE >= '2026-12-31').toBe(true)
  expect(calendarWarning('2026-06-01T00:00:00.000Z')).toBeNull()
  const late = new Date(Date.parse(`${OFFICIAL_LAST_DATE}T00:00:00Z`) - 30 * 86_400_000).toISOString()
  // the owner reads the shop's words: the missing year and where to fill it in, never a package name
  const nextYear = Number(OFFICIAL_LAST_DATE.slice(0, 4)) + 1
  expect(calendarWarning(late)).toContain(`${nextYear} 年法定节假日尚未发布，请在此补充`)
  expect(calendarWarning(late)).not.toMatch(/chinese-days|升级|[A-Za-z]/)
  // the operator's log names the fix on their side
  expect(calendarLogWarning(late)).toContain('chinese-days')
  const app = await makeApp({ now: late })
  try {
    const rec = unwrap<{ calendarWarning: string | null }>(await app.staff(OWNER, 'get_policy', {}))
    expect(rec.calendarWarning).toContain('节假日')
    const logged: string[] = []
    const deps = { ...app.deps, log: (m: string) => logged.push(m) }
    await runScheduler(deps)
    await runScheduler(deps)
    expect(logged.filter((m) => m.includes('节假日'))).toHaveLength(1) // once a day, not every pass
  } finally {
    await app.close()
  }
  const early = await makeApp({ now: '2026-06-01T03:00:00.000Z' })
  try {
    expect(unwrap<{ calendarWarning: string | null }>(await early.staff(OWNER, 'get_policy', {})).calendarWarning).toBeNull()
  } finally {
    await early.close()
  }
})
