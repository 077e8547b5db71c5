/**
 * Business-hours calendar (DESIGN §3 SLA): business hours per weekday, holidays and 调休补班
 * days, all in the policy's time zone (Asia/Shanghai by default).
 */
import type { Policy } from '@contract/policy'
import { addDays, localDate, parseHHMM, toIso, toMs, weekdayOf, zonedToMs } from './tz'

export type Calendar = Policy['calendar']

/** Max days scanned looking for business time (a year without any opening = bad policy). */
const MAX_SCAN_DAYS = 800

type Window = [number, number]
const windowCache = new WeakMap<Calendar, Map<string, Window[]>>()

/** Business windows [startMs, endMs] of a local date. */
export function windowsOf(date: string, cal: Calendar): Window[] {
  let perCal = windowCache.get(cal)
  if (!perCal) {
    perCal = new Map()
    windowCache.set(cal, perCal)
  }
  const hit = perCal.get(date)
  if (hit) return hit
  let res: Window[] = []
  if (!cal.holidays.includes(date)) {
    const wd = weekdayOf(date)
    const makeup = (cal.makeupWorkdays ?? []).includes(date)
    const key = String(makeup ? 1 : wd) as keyof Calendar['businessHours']
    const ws = cal.businessHours[key] ?? []
    res = ws
      .map((w) => [zonedToMs(date, parseHHMM(w.start), cal.timezone), zonedToMs(date, parseHHMM(w.end), cal.timezone)] as Window)
      .filter(([s, e]) => e > s)
      .sort((a, b) => a[0] - b[0])
  }
  perCal.set(date, res)
  return res
}

/** Is this instant inside business hours (window ends inclusive)? */
export function isBusinessTime(iso: string, cal: Calendar): boolean {
  const t = toMs(iso)
  const day = localDate(t, cal.timezone)
  // a window of the previous local day ending at 24:00 still holds its last instant (midnight), as addBusinessMs counts it
  return [addDays(day, -1), day].some((d) => windowsOf(d, cal).some(([s, e]) => t >= s && t <= e))
}

/**
 * Add `ms` of business time to `fromIso`. With ms = 0 this aligns forward to the next business
 * instant (identity if already inside business hours).
 */
export function addBusinessTime(fromIso: string, ms: number, cal: Calendar): string {
  return toIso(addBusinessMs(toMs(fromIso), ms, cal))
}

export function addBusinessMs(from: number, ms: number, cal: Calendar): number {
  if (ms < 0) throw new Error('addBusinessTime: negative duration')
  let left = ms
  let date = addDays(localDate(from, cal.timezone), -1) // a window of the previous local day can still be open
  for (let i = 0; i < MAX_SCAN_DAYS; i++, date = addDays(date, 1)) {
    for (const [s, e] of windowsOf(date, cal)) {
      if (e < from) continue
      const start = Math.max(s, from)
      const avail = e - start
      if (left <= avail) return start + left
      left -= avail
    }
  }
  throw new Error('calendar has no business hours in range')
}

/** Business ms between a and b (negative if b < a). */
export function businessMsBetween(aIso: string, bIso: string, cal: Calendar): number {
  return businessMsBetweenMs(toMs(aIso), toMs(bIso), cal)
}

export function businessMsBetweenMs(a: number, b: number, cal: Calendar): number {
  if (b < a) return -businessMsBetweenMs(b, a, cal)
  let sum = 0
  const last = localDate(b, cal.timezone)
  let date = addDays(localDate(a, cal.timezone), -1)
  for (let i = 0; i < MAX_SCAN_DAYS * 10; i++, date = addDays(date, 1)) {
    for (const [s, e] of windowsOf(date, cal)) {
      const lo = Math.max(s, a)
      const hi = Math.min(e, b)
      if (hi > lo) sum += hi - lo
    }
    if (date >= last) break
  }
  return sum
}
