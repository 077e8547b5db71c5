/**
 * Startup migration when several processes start at once on an empty data folder (issue 20): each
 * process opens the SQLite file and runs the schema and migrations; all must succeed and the
 * schema must come out whole. Before the fix 1 in 16 died with "duplicate column name".
 */
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import readline from 'node:readline'
import Database from 'better-sqlite3'
import { SqliteStore } from '../../cloudfunctions/adapters/sqlite/store'

jest.setTimeout(180_000)
const root = path.resolve(__dirname, '../..')
const PROCESSES = 16
/** rounds on a new file each: the race lost about one round in two before the fix */
const ROUNDS = 8

function startWorker(): { child: ChildProcess; lines: AsyncIterator<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'tests/server/migrate-worker.ts'], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] })
  const lines = readline.createInterface({ input: child.stdout! })[Symbol.asyncIterator]()
  return { child, lines }
}

const next = async (lines: AsyncIterator<string>) => {
  const r = await lines.next()
  return r.done ? 'exited without an answer' : r.value
}

/** The columns every table has after a migration from scratch in one process. */
function schemaOf(file: string): Record<string, string[]> {
  const db = new Database(file, { readonly: true })
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]
    const out: Record<string, string[]> = {}
    for (const t of tables) out[t.name] = (db.prepare(`PRAGMA table_info(${t.name})`).all() as { name: string }[]).map((c) => c.name)
    out['#indexes'] = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((r) => r.name)
    out['#user_version'] = [String(db.pragma('user_version', { simple: true }))]
    return out
  } finally {
    db.close()
  }
}

describe('SQLite store: simultaneous starts on an empty data folder', () => {
  let dir: string
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-migrate-'))
  })
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }))

  it(`${PROCESSES} processes opening one new database at once all start, and the schema is whole (${ROUNDS} rounds)`, async () => {
    const reference = path.join(dir, 'reference.db')
    const one = new SqliteStore(reference)
    await one.init()
    await one.close()
    const whole = schemaOf(reference)

    const workers = Array.from({ length: PROCESSES }, () => startWorker())
    try {
      // every process has loaded the adapter before any opens the file
      expect(await Promise.all(workers.map((w) => next(w.lines)))).toEqual(Array(PROCESSES).fill('ready'))
      for (let round = 0; round < ROUNDS; round++) {
        const file = path.join(dir, `aftersale-${round}.db`)
        for (const w of workers) w.child.stdin!.write(`${file}\n`)
        const answers = await Promise.all(workers.map((w) => next(w.lines)))
        expect({ round, answers }).toEqual({ round, answers: Array(PROCESSES).fill('ok') })
        expect(schemaOf(file)).toEqual(whole)
      }
    } finally {
      for (const w of workers) if (w.child.exitCode === null) w.child.kill()
    }
  })

  it('opening an up-to-date database again changes nothing', async () => {
    const file = path.join(dir, 'aftersale.db')
    for (let i = 0; i < 3; i++) {
      const s = new SqliteStore(file)
      await s.init()
      await s.close()
    }
    const ref = path.join(dir, 'reference.db')
    const s = new SqliteStore(ref)
    await s.init()
    await s.close()
    expect(schemaOf(file)).toEqual(schemaOf(ref))
  })
})
