import { CloudBaseEmulator } from './cloudbase-emulator'

/**
 * One CloudBase emulator for a test file, started before its tests and stopped after, with
 * TENCENTCLOUD=true meanwhile (the SDK then skips its metadata probe: see sdk-env.ts) and the
 * variable restored afterwards.
 */
export function emulatorForFile(): CloudBaseEmulator {
  const emulator = new CloudBaseEmulator()
  let before: string | undefined
  beforeAll(async () => {
    before = process.env.TENCENTCLOUD
    process.env.TENCENTCLOUD = 'true'
    await emulator.start()
  })
  afterAll(async () => {
    await emulator.stop()
    if (before === undefined) delete process.env.TENCENTCLOUD
    else process.env.TENCENTCLOUD = before
  })
  return emulator
}
