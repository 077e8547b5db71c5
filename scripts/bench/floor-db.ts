/**
 * The floor's storage: better-sqlite3 with the pragmas of the SQLite adapter (WAL,
 * synchronous=NORMAL, foreign keys, busy timeout; not its memory-mapped reads, which measured slower
 * for the floor's select: 1,100–1,200 vs 1,310–1,325 req/s, 2026-12-08) and the smallest table that
 * can serve both floor endpoints — a case document keyed by id with the buyer list's index. No framework, no domain:
 * what any server storing the same document would at least have to pay.
 */
import Database from 'better-sqlite3'

export const FLOOR_SCHEMA = `
CREATE TABLE IF NOT EXISTS cases (
  id TEXT PRIMARY KEY,
  buyer_openid TEXT NOT NULL,
  created_at TEXT NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS cases_buyer ON cases (buyer_openid, created_at DESC, id DESC);
`

export interface FloorDb {
  db: Database.Database
  /** one autocommit insert of a case document */
  insert(doc: { id: string; buyerOpenid: string; createdAt: string }): void
  /** the buyer's 20 newest documents, as stored (JSON text) */
  list(buyerOpenid: string): string[]
}

export function openFloorDb(file: string): FloorDb {
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.pragma('foreign_keys = ON')
  db.pragma('busy_timeout = 5000')
  db.exec(FLOOR_SCHEMA)
  const ins = db.prepare('INSERT INTO cases (id, buyer_openid, created_at, doc) VALUES (?, ?, ?, ?)')
  const sel = db.prepare('SELECT doc FROM cases WHERE buyer_openid = ? ORDER BY created_at DESC, id DESC LIMIT 20').pluck()
  return {
    db,
    insert: (doc) => {
      ins.run(doc.id, doc.buyerOpenid, doc.createdAt, JSON.stringify(doc))
    },
    list: (buyer) => sel.all(buyer) as string[],
  }
}
