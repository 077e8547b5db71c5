/**
 * Tests and the local gateway make no DNS look-up beyond 127.0.0.1 (issue 20). The CloudBase SDKs
 * probe http://metadata.tencentyun.com on init() and on every request unless told they run on the
 * platform (cloudfunctions/adapters/cloudbase/sdk-env.ts). A child process records every look-up
 * while it loads the functions' entry points, calls the CloudBase adapter on the local emulator and
 * serves a call through the demo gateway (./dns-worker.ts; non-loopback look-ups fail at once).
 */
import { execFileSync } from 'node:child_process'
import path from 'node:path'

jest.setTimeout(120_000)
const root = path.resolve(__dirname, '../..')
const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|::1)$/i

function lookups(mode: 'configured' | 'bare'): string[] {
  const env = { ...process.env }
  // the child decides its own configuration
  for (const k of ['TENCENTCLOUD', 'TENCENTCLOUD_RUNENV', 'CBR_ENV_ID', 'SUMERU_ENV', 'TCB_SECRET_ID']) delete env[k]
  env.SILENCE = 'true'
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'tests/server/dns-worker.ts', mode], { cwd: root, env, encoding: 'utf8' })
  return JSON.parse(out.trim().split('\n').pop()!) as string[]
}

describe('no DNS look-ups outside 127.0.0.1', () => {
  it('loading the functions, the CloudBase adapter on the emulator and the local gateway look up no other host', () => {
    expect(lookups('configured').filter((h) => !LOOPBACK.test(h))).toEqual([])
  })

  it('the recorder sees the probe when the SDK is left to itself (the check above can fail)', () => {
    expect(lookups('bare')).toContain('metadata.tencentyun.com')
  })
})
