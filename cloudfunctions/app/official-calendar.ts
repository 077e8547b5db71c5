import type { Policy } from '@contract/policy'
// China's official calendar (statutory holidays and 调休 make-up working days), maintained as an npm
// package; read here, outside the core, and passed into it inside the policy's calendar.
import official from 'chinese-days/dist/chinese-days.json'

const DAY = 86_400_000
/** Warn when the official data stops within this many days. */
export const CALENDAR_HORIZON_DAYS = 60

const HOLIDAYS = Object.keys(official.holidays).sort()
const WORKDAYS = Object.keys(official.workdays).sort()
/** The dataset covers whole years (the State Council publishes a year at a time): the last day of its last year. */
export const OFFICIAL_LAST_DATE = `${[...HOLIDAYS, ...WORKDAYS].reduce((a, b) => (a > b ? a : b), '').slice(0, 4)}-12-31`

const merged = new WeakMap<Policy, Policy>()

/**
 * The policy with the official calendar under the seller's own: closed on statutory holidays and
 * open on 调休 weekend working days, except where the seller says otherwise — the seller's
 * `holidays` (own closures) and `makeupWorkdays` (own extra working days, also to open on an
 * official holiday) win. One merged object per policy object, so the core's per-calendar caches hold.
 */
export function withOfficialCalendar(policy: Policy): Policy {
  const hit = merged.get(policy)
  if (hit) return hit
  const own = policy.calendar
  const closed = new Set(own.holidays)
  const open = new Set(own.makeupWorkdays ?? [])
  const holidays = [...new Set([...HOLIDAYS.filter((d) => !open.has(d)), ...own.holidays])].sort()
  const makeupWorkdays = [...new Set([...WORKDAYS.filter((d) => !closed.has(d)), ...(own.makeupWorkdays ?? [])])].sort()
  const out: Policy = { ...policy, calendar: { ...own, holidays, makeupWorkdays } }
  merged.set(policy, out)
  return out
}

function uncovered(now: string): boolean {
  const horizon = new Date(Date.parse(now) + CALENDAR_HORIZON_DAYS * DAY).toISOString().slice(0, 10)
  return OFFICIAL_LAST_DATE < horizon
}

/**
 * For the owner, in the shop's words, when the official calendar has no data for the next 60 days
 * from `now` (else null): which year is missing and where to fill it in — not which package to upgrade.
 */
export function calendarWarning(now: string): string | null {
  if (!uncovered(now)) return null
  const year = Number(OFFICIAL_LAST_DATE.slice(0, 4)) + 1
  return `${year} 年法定节假日尚未发布，请在此补充店铺的休息日和调休上班日；未补充的日期按平常营业时间计算时限。`
}

/** For the operator's log: the same gap, and the fix on their side (a newer calendar dataset). */
export function calendarLogWarning(now: string): string | null {
  if (!uncovered(now)) return null
  return `法定节假日数据只到 ${OFFICIAL_LAST_DATE}：请升级依赖 chinese-days 并重新部署（店主可先在策略的休息日 / 补班日中手动补充）。`
}
