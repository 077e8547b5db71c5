/**
 * A deep copy of plain JSON data (a case, its parts) with exactly what a JSON round trip gives:
 * an object drops its undefined / function members, an array turns them into null, a non-finite
 * number becomes null, anything with toJSON goes through JSON. Built directly instead of through a
 * text: every command copies its case once, and the text round trip was a third of deciding one.
 */
export function cloneJson<T>(x: T): T {
  return copy(x) as T
}

function copy(x: unknown): unknown {
  if (typeof x === 'number') return Number.isFinite(x) ? x + 0 : null // -0 + 0 is 0, as JSON writes it
  if (x === null || typeof x !== 'object') return x
  if (typeof (x as { toJSON?: unknown }).toJSON === 'function') return JSON.parse(JSON.stringify(x)) as unknown
  if (Array.isArray(x)) {
    const out = new Array<unknown>(x.length)
    for (let i = 0; i < x.length; i++) {
      const v: unknown = x[i]
      out[i] = v === undefined || typeof v === 'function' || typeof v === 'symbol' ? null : copy(v)
    }
    return out
  }
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(x)) {
    const v = (x as Record<string, unknown>)[k]
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue
    // an own "__proto__" (JSON.parse makes one) stays a member: assigned, it would set the prototype
    if (k === '__proto__') Object.defineProperty(out, k, { value: copy(v), enumerable: true, writable: true, configurable: true })
    else out[k] = copy(v)
  }
  return out
}
