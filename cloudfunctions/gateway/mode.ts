import { CHANNELS_ENV } from '../adapters/channels/shop'

/**
 * The one setting that separates the demo from production (README "Production mode"):
 * DESK_MODE=production, or unset / `demo` for the demo.
 */
export const MODE_ENV = 'DESK_MODE'
export type DeskMode = 'demo' | 'production'

export function deskMode(env: Record<string, string | undefined>): DeskMode {
  const v = env[MODE_ENV]
  if (v === undefined || v === '' || v === 'demo') return 'demo'
  if (v === 'production') return 'production'
  throw new Error(`${MODE_ENV} must be "production" or "demo" (unset = demo), not "${v}"`)
}

export const ACCESS_TOKEN_ENV = 'GATEWAY_ACCESS_TOKEN'
export const MIN_TOKEN_LENGTH = 16

/**
 * The secrets production refuses to start without (names only, never values): the seller's shop
 * and its message push in safe mode (no stand-in, no plaintext pushes), and the front proxy's
 * access token (the only way a caller's identity reaches the gateway).
 */
export function missingProductionSecrets(env: Record<string, string | undefined>): string[] {
  const missing: string[] = [CHANNELS_ENV.appid, CHANNELS_ENV.secret, CHANNELS_ENV.pushToken, CHANNELS_ENV.pushAesKey].filter((k) => !env[k])
  const token = env[ACCESS_TOKEN_ENV]
  if (!token) missing.push(ACCESS_TOKEN_ENV)
  else if (token.length < MIN_TOKEN_LENGTH) missing.push(`${ACCESS_TOKEN_ENV} (at least ${MIN_TOKEN_LENGTH} characters)`)
  return missing
}
