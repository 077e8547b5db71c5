import { addDays, formatLocalTime, localDate, localParts, toIso, toMs, weekdayOf, zonedToMs } from '../../cloudfunctions/core/tz'

/** The wall time ICU gives for the instant in the zone: what localParts answered with Intl for every zone before the Asia/Shanghai fast path. */
function icuParts(ms: number, tz: string) {
  const f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
  const parts = f.formatToParts(new Date(ms))
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? '0')
  const [year, month, day] = [get('year'), get('month'), get('day')]
  return { year, month, day, hour: get('hour') % 24, minute: get('minute'), second: get('second'), weekday: new Date(Date.UTC(year, month - 1, day)).getUTCDay() }
}

describe('local wall time in Asia/Shanghai (answered without Intl since 1992)', () => {
  it('equals ICU’s answer for instants from 1992 to 2200, midnights, year ends and the 1992 boundary', () => {
    const from = Date.UTC(1992, 0, 1)
    const to = Date.UTC(2200, 0, 1)
    // a fixed spread of instants (no randomness): every ~9.7 days plus odd seconds and milliseconds
    const instants = Array.from({ length: 8000 }, (_, i) => from + Math.floor(((to - from) / 8000) * i) + ((i * 7919) % 86_400_000))
    instants.push(from, from - 1, Date.UTC(2026, 11, 31, 15, 59, 59, 999), Date.UTC(2026, 11, 31, 16), Date.UTC(2028, 1, 28, 16), Date.UTC(2100, 1, 28, 16))
    const wrong = instants.filter((ms) => JSON.stringify(localParts(ms, 'Asia/Shanghai')) !== JSON.stringify(icuParts(ms, 'Asia/Shanghai')))
    expect(wrong.map((ms) => new Date(ms).toISOString())).toEqual([])
  })

  it('keeps the zone’s history before 1992 (summer time 1986–1991) and other zones’ DST from Intl', () => {
    const summer1988 = Date.UTC(1988, 5, 1, 12)
    expect(localParts(summer1988, 'Asia/Shanghai').hour).toBe(21)
    expect(localParts(summer1988, 'Asia/Shanghai')).toEqual(icuParts(summer1988, 'Asia/Shanghai'))
    const julyNoonUtc = Date.UTC(2026, 6, 1, 12)
    expect(localParts(julyNoonUtc, 'Europe/Berlin').hour).toBe(14)
    expect(formatLocalTime(Date.UTC(2026, 11, 31, 16, 30), 'Asia/Shanghai')).toBe('2027-01-01 00:30')
    expect(localDate(Date.UTC(2026, 11, 31, 15, 59), 'Asia/Shanghai')).toBe('2026-12-31')
    expect(zonedToMs('2026-12-08', 9 * 60, 'Asia/Shanghai')).toBe(Date.UTC(2026, 11, 8, 1))
  })
})

describe('day arithmetic and conversions (answered from caches and day numbers)', () => {
  const icuDate = (ms: number, tz: string) => {
    const p = icuParts(ms, tz)
    return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`
  }
  const dateUtc = (y: number, m: number, d: number) => {
    const t = new Date(Date.UTC(y, m - 1, d))
    return `${t.getUTCFullYear()}-${String(t.getUTCMonth() + 1).padStart(2, '0')}-${String(t.getUTCDate()).padStart(2, '0')}`
  }

  it('localDate equals ICU’s date in Asia/Shanghai and another zone, asked twice (the second from the cache)', () => {
    const from = Date.UTC(1985, 0, 1)
    const instants = Array.from({ length: 3000 }, (_, i) => from + i * 1_234_567_891 + ((i * 7919) % 86_400_000))
    instants.push(Date.UTC(2026, 11, 31, 15, 59, 59, 999), Date.UTC(2026, 11, 31, 16), Date.UTC(1991, 11, 31, 15, 59, 59, 999), Date.UTC(1991, 11, 31, 16))
    for (const tz of ['Asia/Shanghai', 'America/New_York']) {
      for (const round of [1, 2]) {
        const wrong = instants.filter((ms) => localDate(ms, tz) !== icuDate(ms, tz))
        expect({ tz, round, wrong: wrong.map((ms) => new Date(ms).toISOString()) }).toEqual({ tz, round, wrong: [] })
      }
    }
  })

  it('addDays and weekdayOf equal Date.UTC’s answers, across month and year ends, leap days and before 1970', () => {
    const dates = Array.from({ length: 1500 }, (_, i) => dateUtc(1960 + (i % 170), 1 + ((i * 7) % 12), 1 + ((i * 13) % 31)))
    dates.push('2028-02-28', '2028-02-29', '2100-02-28', '2000-02-29', '1969-12-31', '1970-01-01')
    for (const d of dates) {
      const [y, m, day] = d.split('-').map(Number)
      for (const n of [-400, -31, -1, 0, 1, 2, 29, 365, 366]) expect([d, n, addDays(d, n)]).toEqual([d, n, dateUtc(y, m, day + n)])
      expect([d, weekdayOf(d)]).toEqual([d, new Date(Date.UTC(y, m - 1, day)).getUTCDay()])
    }
    // a day past the month's end rolls over, as Date.UTC does
    expect(addDays('2026-02-30', 0)).toBe('2026-03-02')
  })

  it('toMs / toIso answer as Date does and refuse bad input every time (nothing wrong is kept)', () => {
    for (const s of ['2026-12-08T01:02:03.004Z', '2026-12-08T09:02:03+08:00', '2026-12-08']) {
      expect(toMs(s)).toBe(Date.parse(s))
      expect(toMs(s)).toBe(Date.parse(s))
      expect(toIso(toMs(s))).toBe(new Date(Date.parse(s)).toISOString())
    }
    expect(() => toMs('not a time')).toThrow('invalid time')
    expect(() => toMs('not a time')).toThrow('invalid time')
    expect(() => toIso(8.64e15 + 1)).toThrow(RangeError)
    expect(() => toIso(8.64e15 + 1)).toThrow(RangeError)
  })
})
