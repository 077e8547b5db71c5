/**
 * Time-zone helpers (pure: every instant comes in as an argument).
 * Uses Intl with a cached formatter per zone; works for any IANA zone incl. DST.
 */

export interface LocalParts {
  year: number
  month: number
  day: number
  hour: number
  minute: number
  second: number
  /** 0 = Sunday */
  weekday: number
}

const fmtCache = new Map<string, Intl.DateTimeFormat>()
function formatter(tz: string): Intl.DateTimeFormat {
  let f = fmtCache.get(tz)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
    fmtCache.set(tz, f)
  }
  return f
}

export function toMs(iso: string): number {
  const ms = Date.parse(iso)
  if (Number.isNaN(ms)) throw new Error(`invalid time ${iso}`)
  return ms
}

export function toIso(ms: number): string {
  return new Date(ms).toISOString()
}

/**
 * China's zone has been UTC+8 without DST since 1991-09-15 (IANA Asia/Shanghai): its wall time is
 * plain arithmetic, answered without Intl — the first DateTimeFormat with a zone loads ICU's zone
 * and pattern data (~14 ms of a function's cold start). Other zones and older instants use Intl.
 */
const SHANGHAI_FIXED_SINCE = Date.UTC(1992, 0, 1)
const SHANGHAI_OFFSET_MS = 8 * 3_600_000

export function localParts(ms: number, tz: string): LocalParts {
  if (tz === 'Asia/Shanghai' && ms >= SHANGHAI_FIXED_SINCE && ms < 8.64e15 - SHANGHAI_OFFSET_MS) {
    const d = new Date(ms + SHANGHAI_OFFSET_MS)
    return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(), weekday: d.getUTCDay() }
  }
  const parts = formatter(tz).formatToParts(new Date(ms))
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? '0')
  const year = get('year')
  const month = get('month')
  const day = get('day')
  return {
    year,
    month,
    day,
    hour: get('hour') % 24,
    minute: get('minute'),
    second: get('second'),
    weekday: new Date(Date.UTC(year, month - 1, day)).getUTCDay(),
  }
}

/** Offset of the zone at instant ms, in ms (local - UTC). */
function offsetAt(ms: number, tz: string): number {
  const p = localParts(ms, tz)
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second)
  return asUtc - (ms - (ms % 1000 + 1000) % 1000)
}

/** Local wall time (date + minutes after midnight) in tz → UTC ms. */
export function zonedToMs(date: string, minutesOfDay: number, tz: string): number {
  const [y, m, d] = date.split('-').map(Number)
  const wall = Date.UTC(y, m - 1, d) + minutesOfDay * 60_000
  let guess = wall - offsetAt(wall, tz)
  const off2 = offsetAt(guess, tz)
  guess = wall - off2
  return guess
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0')

/** YYYY-MM-DD of the instant in tz. */
/** localDate is asked for the same instants over and over (money guard, SLA): Intl formatting is the cost, so answers are kept. */
const dateCache = new Map<string, string>()

export function localDate(ms: number, tz: string): string {
  const key = `${tz}|${ms}`
  let d = dateCache.get(key)
  if (d === undefined) {
    const p = localParts(ms, tz)
    d = `${p.year}-${pad(p.month)}-${pad(p.day)}`
    if (dateCache.size >= 10_000) dateCache.clear()
    dateCache.set(key, d)
  }
  return d
}

/** "YYYY-MM-DD HH:mm" in tz. */
export function formatLocalTime(ms: number, tz: string): string {
  const p = localParts(ms, tz)
  return `${p.year}-${pad(p.month)}-${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)}`
}

export function addDays(date: string, n: number): string {
  const [y, m, d] = date.split('-').map(Number)
  const t = new Date(Date.UTC(y, m - 1, d + n))
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`
}

export function weekdayOf(date: string): number {
  const [y, m, d] = date.split('-').map(Number)
  return new Date(Date.UTC(y, m - 1, d)).getUTCDay()
}

export function parseHHMM(s: string): number {
  const [h, m] = s.split(':').map(Number)
  return h * 60 + m
}

export const DAY_MS = 86_400_000
export const HOUR_MS = 3_600_000
