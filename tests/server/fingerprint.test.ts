import crypto from 'node:crypto'
import fc from 'fast-check'
import { fingerprint } from '../../cloudfunctions/app/shared'

/** The fingerprint as first written (a key-sorted copy, then JSON.stringify): idempotency keys stored with it must keep matching. */
function firstFingerprint(data: unknown): string {
  const canon = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(canon) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon((v as Record<string, unknown>)[k])])) : v
  return crypto.createHash('sha256').update(JSON.stringify(canon(data))).digest('hex').slice(0, 32)
}

describe('request fingerprint (idempotency keys)', () => {
  it('is the text fingerprints were always taken of, for any JSON-like data (nested objects in any key order, arrays, odd keys, undefined fields)', () => {
    const value = fc.letrec((tie) => ({
      leaf: fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined)),
      node: fc.oneof({ depthSize: 'small' }, tie('leaf'), fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('__proto__', 'a', 'b', '10', '2')), tie('node'), { maxKeys: 5 })),
    })).node
    // a bare undefined has no JSON text: both refuse it
    const outcome = (f: (v: unknown) => string, v: unknown) => {
      try {
        return f(v)
      } catch (e) {
        return `threw ${(e as Error).name}`
      }
    }
    fc.assert(fc.property(value, (v) => outcome(fingerprint, v) === outcome(firstFingerprint, v)), { numRuns: 500 })
  })

  it('does not depend on key order, and tells different forms apart', () => {
    const form = { orderId: 'DEMO0001', claimedItems: [{ skuId: 'A', qty: 1 }], type: 'refund_only', reason: 'quality_defect', evidence: [], facts: { minorDefect: undefined } }
    const shuffled = { facts: {}, reason: 'quality_defect', type: 'refund_only', evidence: [], claimedItems: [{ qty: 1, skuId: 'A' }], orderId: 'DEMO0001' }
    expect(fingerprint(shuffled)).toBe(fingerprint(form))
    expect(fingerprint({ ...form, claimedItems: [{ skuId: 'A', qty: 2 }] })).not.toBe(fingerprint(form))
    expect(fingerprint([1, undefined, 3])).toBe(firstFingerprint([1, null, 3]))
  })
})
