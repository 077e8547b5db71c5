import { formatLocalTime, localDate, localParts, zonedToMs } from '../../cloudfunctions/core/tz'

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
