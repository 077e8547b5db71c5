import type { CaseStatus, CoreError, CoreErrorCode, Result } from '@contract/domain'

export type { CoreError, CoreErrorCode, Result }

export function ok<T>(value: T): Result<T> {
  return { ok: true, value }
}

export function fail<T = never>(code: CoreErrorCode, message: string, details: { status?: CaseStatus; command?: string; [k: string]: unknown } = {}): Result<T> {
  return { ok: false, error: { code, message, details } }
}

/** Thrown inside handlers, turned into a Result by decide(). */
export class CoreFailure extends Error {
  constructor(public readonly error: CoreError) {
    super(error.message)
  }
}

export function raise(code: CoreErrorCode, message: string, details: Record<string, unknown> = {}): never {
  throw new CoreFailure({ code, message, details })
}
