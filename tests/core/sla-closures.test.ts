/**
 * SLA targets over closures (issue #23 point 7): a case filed while the shop is closed for days (a
 * holiday, a weekend without business hours) counts both targets from the reopening, and the
 * resolution is never due before the first response.
 */
import fc from 'fast-check'
import { defaultPolicy, weeklyBusinessMinutes, type Policy } from '@contract/policy'
import { addBusinessTime, isBusinessTime, pauseSla, restartResolution, resumeSla, startSla } from '../../cloudfunctions/core'

const policy = defaultPolicy
const at = (iso: string) => Date.parse(iso)

describe('多日休息后的时效', () => {
  test('国庆期间（10月3日10点）提交的P2：首次响应10月8日13点，处理完成从10月8日9点起算72小时', () => {
    const sla = startSla('P2', '2026-10-03T02:00:00.000Z', policy)
    expect(sla.firstResponse.dueAt).toBe('2026-10-08T05:00:00.000Z') // 10-08 13:00 Shanghai
    // 72 h from the reopening (10-08 09:00) → 10-11 09:00, a Sunday (closed) → Monday 10-12 09:00
    expect(sla.resolution.dueAt).toBe('2026-10-12T01:00:00.000Z')
    expect(at(sla.resolution.dueAt)).toBeGreaterThan(at(sla.firstResponse.dueAt))
  })

  test('周日（不营业）提交的P2：处理完成从周一开门起算72小时', () => {
    // Sunday 2026-11-22 10:00 Shanghai; Monday opens 09:00 → +72 h = Thursday 11-26 09:00 (not Wednesday 10:00)
    const sla = startSla('P2', '2026-11-22T02:00:00.000Z', policy)
    expect(sla.resolution.dueAt).toBe('2026-11-26T01:00:00.000Z')
  })

  test('营业时间内提交：处理完成照旧按自然时间算（周一10点 + 72小时 = 周四10点）', () => {
    const sla = startSla('P2', '2026-11-23T02:00:00.000Z', policy)
    expect(sla.resolution.dueAt).toBe('2026-11-26T02:00:00.000Z')
  })
})

// ------------------------------------------------------------ property over random calendars

const HHMM = (min: number) => `${String(Math.floor(min / 60)).padStart(2, '0')}:${String(min % 60).padStart(2, '0')}`
/** one day's windows: closed, or 1–2 windows on the half hour */
const dayHours = fc.oneof(
  { weight: 1, arbitrary: fc.constant([] as { start: string; end: string }[]) },
  {
    weight: 3,
    arbitrary: fc
      .uniqueArray(fc.integer({ min: 0, max: 48 }), { minLength: 2, maxLength: 4 })
      .map((cuts) => cuts.sort((a, b) => a - b).map((c) => c * 30))
      .map((m) => {
        const out = [{ start: HHMM(m[0]), end: m[1] === 1440 ? '24:00' : HHMM(m[1]) }]
        if (m.length === 4) out.push({ start: HHMM(m[2]), end: m[3] === 1440 ? '24:00' : HHMM(m[3]) })
        return out
      }),
  },
)
const DAY_MS = 86_400_000
const BASE = Date.parse('2026-09-01T00:00:00.000Z')
const dateOf = (i: number) => new Date(BASE + i * DAY_MS).toISOString().slice(0, 10)
const clock = fc.constantFrom<'business' | 'calendar' | '24x7'>('business', 'calendar', '24x7')
const target = fc.record({ minutes: fc.integer({ min: 1, max: 10 * 24 * 60 }), clock })

const calendarArb = fc
  .record({
    days: fc.tuple(dayHours, dayHours, dayHours, dayHours, dayHours, dayHours, dayHours),
    // a closure: a run of consecutive closed dates (a holiday week), plus a few single days
    closureStart: fc.integer({ min: 0, max: 60 }),
    closureLen: fc.integer({ min: 0, max: 10 }),
    singles: fc.array(fc.integer({ min: 0, max: 90 }), { maxLength: 6 }),
  })
  .filter(({ days }) => days.some((d) => d.length > 0))

function policyWith(cal: { days: { start: string; end: string }[][]; closureStart: number; closureLen: number; singles: number[] }, fr: Policy['sla']['targets']['P2']['firstResponse'], res: Policy['sla']['targets']['P2']['resolution']): Policy {
  // what the policy schema accepts: ≥ 1 h a week, a business target within half a year of opening hours
  const weekly = weeklyBusinessMinutes(Object.fromEntries(cal.days.map((d, i) => [String(i), d])))
  fc.pre(weekly >= 60 && [fr, res].every((t) => t.clock !== 'business' || t.minutes <= weekly * 26))
  const holidays = [...new Set([...Array.from({ length: cal.closureLen }, (_, i) => dateOf(cal.closureStart + i)), ...cal.singles.map(dateOf)])].sort()
  const businessHours = Object.fromEntries(cal.days.map((d, i) => [String(i), d])) as Policy['calendar']['businessHours']
  return {
    ...policy,
    calendar: { ...policy.calendar, businessHours, holidays, makeupWorkdays: [] },
    sla: { ...policy.sla, targets: { ...policy.sla.targets, P2: { firstResponse: fr, resolution: res } } },
  }
}

const filedAt = fc.integer({ min: BASE, max: BASE + 70 * DAY_MS }).map((ms) => new Date(Math.floor(ms / 60_000) * 60_000).toISOString())

describe('任意提交时间、任意营业日历', () => {
  test('处理完成不早于首次响应；按营业/自然时间算的目标都从开门起算并落在营业时间内', () => {
    fc.assert(
      fc.property(calendarArb, target, target, filedAt, (cal, fr, res, filed) => {
        const p = policyWith(cal, fr, res)
        const sla = startSla('P2', filed, p)
        expect(at(sla.resolution.dueAt)).toBeGreaterThanOrEqual(at(sla.firstResponse.dueAt))
        const opening = at(addBusinessTime(filed, 0, p.calendar))
        for (const [t, spec] of [[sla.firstResponse, fr], [sla.resolution, res]] as const) {
          if (spec.clock === '24x7') continue
          expect(isBusinessTime(t.dueAt, p.calendar)).toBe(true)
          // the whole target lies after the reopening: a closure never eats into it
          if (spec.clock === 'calendar') expect(at(t.dueAt)).toBeGreaterThanOrEqual(opening + spec.minutes * 60_000)
          else expect(at(t.dueAt)).toBeGreaterThanOrEqual(opening)
        }
      }),
      { numRuns: 400 },
    )
  })

  test('营业到24:00的一天：目标恰好落在午夜时仍在营业时间内（第一次失败的反例，种子 -1196748983）', () => {
    const days = [
      [{ start: '01:30', end: '06:30' }, { start: '10:30', end: '14:30' }],
      [{ start: '02:00', end: '08:00' }, { start: '14:30', end: '21:30' }],
      [{ start: '00:00', end: '00:30' }],
      [{ start: '02:00', end: '14:30' }],
      [],
      [{ start: '12:30', end: '19:00' }],
      [{ start: '07:00', end: '15:30' }, { start: '19:00', end: '24:00' }],
    ]
    const p = policyWith({ days, closureStart: 0, closureLen: 0, singles: [] }, { minutes: 1, clock: 'business' }, { minutes: 6160, clock: 'business' })
    const sla = startSla('P2', '2026-10-25T04:50:00.000Z', p)
    // Saturday's window runs to 24:00: the target ends at its last instant, Sunday 00:00 local
    expect(sla.resolution.dueAt).toBe('2026-11-07T16:00:00.000Z')
    expect(isBusinessTime(sla.resolution.dueAt, p.calendar)).toBe(true)
  })

  test('暂停、恢复、申诉重开之后，处理完成仍不早于尚未完成的首次响应', () => {
    fc.assert(
      fc.property(
        calendarArb,
        target,
        target,
        filedAt,
        fc.array(fc.tuple(fc.integer({ min: 0, max: 4 * 24 * 60 }), fc.integer({ min: 0, max: 6 * 24 * 60 })), { maxLength: 4 }),
        fc.boolean(),
        (cal, fr, res, filed, pauses, appeal) => {
          const p = policyWith(cal, fr, res)
          let sla = startSla('P2', filed, p)
          let t = at(filed)
          for (const [run, wait] of pauses) {
            t += run * 60_000
            sla = pauseSla(sla, new Date(t).toISOString(), p)
            t += wait * 60_000
            sla = resumeSla(sla, new Date(t).toISOString(), p)
            expect(at(sla.resolution.dueAt)).toBeGreaterThanOrEqual(at(sla.firstResponse.dueAt))
          }
          if (appeal) {
            sla = restartResolution(sla, new Date(t + 60_000).toISOString(), p)
            expect(at(sla.resolution.dueAt)).toBeGreaterThanOrEqual(at(sla.firstResponse.dueAt))
          }
        },
      ),
      { numRuns: 200 },
    )
  })
})
