import fc from 'fast-check'
import { cloneJson } from '../../cloudfunctions/core/clone'

const roundTrip = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T

describe('cloneJson: a deep copy equal to a JSON round trip', () => {
  it('gives what JSON.parse(JSON.stringify(x)) gives, for any JSON-like object (undefined members, -0, NaN, nesting)', () => {
    const value = fc.anything({ withBoxedValues: false, withMap: false, withSet: false, withTypedArray: false, withSparseArray: false, withNullPrototype: false, withBigInt: false, withDate: true })
    fc.assert(
      fc.property(fc.dictionary(fc.string(), value), (x) => {
        const c = cloneJson(x)
        expect(c).toStrictEqual(roundTrip(x))
        expect(JSON.stringify(c)).toBe(JSON.stringify(x))
      }),
      { numRuns: 300 },
    )
  })

  it('writes numbers and dates as JSON does: -0 as 0, NaN and Infinity as null, a Date as its ISO text', () => {
    const x = { z: -0, n: NaN, inf: [Infinity], d: new Date(0) }
    expect(Object.is(cloneJson(x).z, 0)).toBe(true)
    expect(cloneJson(x)).toStrictEqual(roundTrip(x))
  })

  it('keeps an own "__proto__" member as a member, as JSON.parse does (never as the copy\'s prototype)', () => {
    const x = JSON.parse('{"a":{"__proto__":{"polluted":1}}}') as { a: Record<string, unknown> }
    const c = cloneJson(x)
    expect(c).toStrictEqual(roundTrip(x))
    expect(Object.getPrototypeOf(c.a)).toBe(Object.prototype)
    expect((c.a as { polluted?: number }).polluted).toBeUndefined()
  })

  it('shares nothing with the original: changing the copy leaves the case as it was', () => {
    const original = { id: 'c1', items: [{ skuId: 'A', qty: 1 }], sla: { firstResponse: { dueAt: '2026-12-08T00:00:00.000Z' } }, note: undefined, list: [undefined, 1] }
    const before = JSON.stringify(original)
    const c = cloneJson(original)
    c.items[0].qty = 9
    c.sla.firstResponse.dueAt = 'x'
    expect(JSON.stringify(original)).toBe(before)
    expect('note' in c).toBe(false)
    expect(c.list).toEqual([null, 1])
  })
})
