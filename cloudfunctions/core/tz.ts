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

/**
 * Answers of the conversions below, kept: one filing asks for the same few instants and dates
 * dozens of times (SLA timers, business-hours windows, the money guard, the stored columns), and a
 * Date round trip costs far more than a Map lookup. Pure functions of their arguments; each cache
 * is emptied when it reaches CACHE_MAX entries.
 */
const CACHE_MAX = 10_000
function remember<K, V>(cache: Map<K, V>, key: K, value: V): V {
  if (cache.size >= CACHE_MAX) cache.clear()
  cache.set(key, value)
  return value
}
const msCache = new Map<string, number>()
const isoCache = new Map<number, string>()

export function toMs(iso: string): number {
  const hit = msCache.get(iso)
  if (hit !== undefined) return hit
  const ms = Date.parse(iso)
  if (Number.isNaN(ms)) throw new Error(`invalid time ${iso}`)
  // a time without a zone is read in the process's zone (TZ may change): only UTC ones are kept
  return iso.endsWith('Z') ? remember(msCache, iso, ms) : ms
}

export function toIso(ms: number): string {
  const hit = isoCache.get(ms)
  // new Date(ms) throws on an instant out of range: only valid answers are kept
  return hit !== undefined ? hit : remember(isoCache, ms, new Date(ms).toISOString())
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

/** Days since 1970-01-01 ↔ YYYY-MM-DD (proleptic Gregorian, as Date.UTC counts them). */
const dayCache = new Map<string, number>()
const dateOfDayCache = new Map<number, string>()
function dayOf(date: string): number {
  const hit = dayCache.get(date)
  if (hit !== undefined) return hit
  const [y, m, d] = date.split('-').map(Number)
  return remember(dayCache, date, Math.floor(Date.UTC(y, m - 1, d) / DAY_MS))
}
function dateOfDay(day: number): string {
  const hit = dateOfDayCache.get(day)
  if (hit !== undefined) return hit
  const t = new Date(day * DAY_MS)
  return remember(dateOfDayCache, day, `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`)
}

/** YYYY-MM-DD of the instant in tz. */
/** localDate is asked for the same instants over and over (money guard, SLA): Intl formatting is the cost, so answers are kept. */
const dateCache = new Map<string, Map<number, string>>()

export function localDate(ms: number, tz: string): string {
  // Shanghai's fixed offset (see localParts): the local day is plain arithmetic
  if (tz === 'Asia/Shanghai' && ms >= SHANGHAI_FIXED_SINCE && ms < 8.64e15 - SHANGHAI_OFFSET_MS) return dateOfDay(Math.floor((ms + SHANGHAI_OFFSET_MS) / DAY_MS))
  let perTz = dateCache.get(tz)
  if (!perTz) dateCache.set(tz, (perTz = new Map()))
  let d = perTz.get(ms)
  if (d === undefined) {
    const p = localParts(ms, tz)
    d = remember(perTz, ms, `${p.year}-${pad(p.month)}-${pad(p.day)}`)
  }
  return d
}

/** "YYYY-MM-DD HH:mm" in tz. */
export function formatLocalTime(ms: number, tz: string): string {
  const p = localParts(ms, tz)
  return `${p.year}-${pad(p.month)}-${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)}`
}

export function addDays(date: string, n: number): string {
  return dateOfDay(dayOf(date) + n)
}

export function weekdayOf(date: string): number {
  // 1970-01-01 was a Thursday (4)
  return (((dayOf(date) + 4) % 7) + 7) % 7
}

export function parseHHMM(s: string): number {
  const [h, m] = s.split(':').map(Number)
  return h * 60 + m
}

export const DAY_MS = 86_400_000
export const HOUR_MS = 3_600_000
