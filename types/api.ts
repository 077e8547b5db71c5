import { z } from 'zod'

/** Stable error codes shared by the functions and the mini-program (DESIGN §5). */
export const ErrorCodeSchema = z.enum([
  'VALIDATION',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'NOT_ALLOWED_IN_STATUS',
  'LIMIT_EXCEEDED',
  'UNKNOWN_ACTION',
  'INTERNAL',
])
export type ErrorCode = z.infer<typeof ErrorCodeSchema>

/** Every call to a function: `{ action, data, idempotencyKey? }`. */
export const CallEnvelopeSchema = z.object({
  action: z.string().min(1).max(64),
  data: z.unknown().optional(),
  idempotencyKey: z.string().min(8).max(64).optional(),
})
export type CallEnvelope = z.infer<typeof CallEnvelopeSchema>

export const ApiErrorSchema = z.object({
  code: ErrorCodeSchema,
  message: z.string(),
  details: z.unknown().optional(),
})
export type ApiError = z.infer<typeof ApiErrorSchema>

export type ApiResult<T> = { ok: true; data: T } | { ok: false; error: ApiError }

/** Chinese text shown to a user for each code when the server message is not specific enough. */
export const errorText: Record<ErrorCode, string> = {
  VALIDATION: '填写的内容有误，请检查后重试',
  UNAUTHENTICATED: '请先登录',
  FORBIDDEN: '没有权限进行此操作',
  NOT_FOUND: '没有找到相关记录',
  CONFLICT: '数据已被他人更新，请刷新后重试',
  NOT_ALLOWED_IN_STATUS: '当前状态下不能进行此操作',
  LIMIT_EXCEEDED: '已超过可申请的上限',
  UNKNOWN_ACTION: '不支持的操作',
  INTERNAL: '系统繁忙，请稍后再试',
}

/** Function names as deployed on CloudBase and exposed by the local gateway. */
export const FunctionNameSchema = z.enum(['aftersale', 'admin'])
export type FunctionName = z.infer<typeof FunctionNameSchema>

/**
 * Header every HTTP call to the local gateway's functions and upload carries. A cross-site form or
 * a `text/plain` fetch cannot send a custom header (a page of another origin would need a CORS
 * preflight the gateway never grants), so its presence proves the call came from the desk's own pages.
 */
export const CALL_HEADER = 'x-desk-call'
