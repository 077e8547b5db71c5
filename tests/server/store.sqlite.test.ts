import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SqliteStore } from '../../cloudfunctions/adapters/sqlite/store'
import { storeContract } from './store-contract'
import { makeCase, nextVersion } from './fixtures'

storeContract('sqlite :memory:', async () => new SqliteStore(':memory:'))

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})
storeContract('sqlite file (WAL)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'store-contract-'))
  dirs.push(dir)
  return new SqliteStore(join(dir, 'desk.db'))
})

describe('SqliteStore specifics', () => {
  it('keeps acknowledged writes across a reopen of the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'store-reopen-'))
    dirs.push(dir)
    const file = join(dir, 'desk.db')
    const a = new SqliteStore(file)
    await a.init()
    const c = makeCase()
    await a.createCase(c, [])
    const n = nextVersion(c, { status: 'in_review' })
    await a.saveCase(n, 1, [])
    await a.close()
    const b = new SqliteStore(file)
    await b.init()
    expect(await b.getCase(c.id)).toEqual(n)
    await b.close()
  })

  it('rejects a cursor made for another order', async () => {
    const s = new SqliteStore(':memory:')
    await s.init()
    for (let i = 0; i < 3; i++) await s.createCase(makeCase(), [])
    const p = await s.listCases({}, { limit: 1 })
    expect(p.next).not.toBeNull()
    await expect(s.listCases({}, { limit: 1, cursor: p.next, order: 'due_asc' })).rejects.toThrow('invalid cursor')
    await s.close()
  })
})
