/**
 * The floor over HTTP: bare `node:http` + better-sqlite3 in a child process (floor-server.ts),
 * preloaded with as many case documents as the gateway's population (20 per buyer), loaded at
 * concurrency 32 with the same shapes of request as the product mix: insert one case document,
 * select a buyer's 20 newest, and 1 insert : 2 selects (the product mix is 1 submit : 2 reads).
 */
import path from 'node:path'
import { SMALL, size } from './figures'
import { openFloorDb } from './floor-db'
import { load, spawnServer, type LoadResult, type Req } from './http'
import { BENCH_NOW, MINUTE, at, cloneCase, type Template } from './population'

export interface FloorResults {
  insert: LoadResult
  select: LoadResult
  mix: LoadResult
  hello: LoadResult
}

const FLOOR_BUYERS = 500

export async function runFloor(dir: string, templates: Template[], population: number, seconds: number): Promise<FloorResults> {
  const file = path.join(dir, 'floor-http.db')
  const floor = openFloorDb(file)
  floor.db.transaction(() => {
    for (let i = 0; i < population; i++) {
      const p = { id: `fc-${i}`, caseNo: `F${i}`, buyerOpenid: `fb-${i % FLOOR_BUYERS}`, orderId: `fo-${i}`, createdAt: at(BENCH_NOW, -i * 250) }
      floor.insert(cloneCase(templates[i % templates.length], p))
    }
  })()
  floor.db.close()
  // request bodies: real submitted documents of the floor's buyers (the server gives each a new id)
  const bodies = templates.map((t, i) => JSON.stringify(cloneCase(t, { id: `fx-${i}`, caseNo: `FX${i}`, buyerOpenid: `fb-${i % FLOOR_BUYERS}`, orderId: `fxo-${i}`, createdAt: at(BENCH_NOW, 10 * MINUTE) })))
  let n = 0
  const insert: Req = {
    method: 'POST',
    path: '/insert',
    headers: { 'content-type': 'application/json' },
    setupRequest: (req) => ({ ...req, body: bodies[n++ % bodies.length] }),
  }
  let m = 0
  const select: Req = { method: 'GET', path: '/list?buyer=fb-0', setupRequest: (req) => ({ ...req, path: `/list?buyer=fb-${(m++ * 7) % FLOOR_BUYERS}` }) }

  const server = await spawnServer('floor-server.ts', [file])
  try {
    if (!SMALL) await load('floor warm-up', server, [insert, select, select], 2)
    return {
      insert: await load('floor: insert 1 case doc', server, [insert], seconds),
      select: await load('floor: select 20 docs', server, [select], seconds),
      mix: await load('floor: 1 insert + 2 selects', server, [insert, select, select], seconds),
      hello: await load('floor: GET /health', server, [{ method: 'GET', path: '/health' }], size(3, 1)),
    }
  } finally {
    await server.stop()
  }
}
