import type { ApiError, ErrorCode } from '@contract/api'
import { errorText } from '@contract/api'
import type { CoreError } from '@contract/domain'
import { StoreConflict } from '../ports/store'

/** A typed failure of a use case; the function adapter turns it into `{ ok: false, error }`. */
export class AppError extends Error {
  constructor(
    public code: ErrorCode,
    message?: string,
    public details?: unknown,
  ) {
    super(message || errorText[code])
  }
}

export const fail = (code: ErrorCode, message?: string, details?: unknown): never => {
  throw new AppError(code, message, details)
}

export function fromCore(e: CoreError): AppError {
  return new AppError(e.code, e.message, e.details)
}

export function toApiError(e: unknown, log: (msg: string, err: unknown) => void = () => {}): ApiError {
  if (e instanceof AppError) return { code: e.code, message: e.message, ...(e.details !== undefined ? { details: e.details } : {}) }
  if (e instanceof StoreConflict) return { code: 'CONFLICT', message: errorText.CONFLICT }
  log('internal error', e)
  return { code: 'INTERNAL', message: errorText.INTERNAL }
}
