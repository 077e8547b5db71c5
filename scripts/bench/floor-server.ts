/**
 * The floor, run in its own process by the HTTP benchmark: a bare `node:http` server, no
 * framework, no validation, no domain — one autocommit SQLite insert of the posted case document,
 * or one 20-row select of a buyer's documents. Usage: floor-server.ts <sqlite file>; reports its
 * port to the parent over IPC.
 */
import crypto from 'node:crypto'
import http from 'node:http'
import { openFloorDb } from './floor-db'

const floor = openFloorDb(process.argv[2])
const json = (res: http.ServerResponse, body: string, status = 200) => {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) })
  res.end(body)
}

const server = http.createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/insert') {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      try {
        const doc = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string; buyerOpenid: string; createdAt: string }
        doc.id = crypto.randomUUID()
        floor.insert(doc)
        json(res, `{"ok":true,"data":{"id":"${doc.id}"}}`)
      } catch (e) {
        json(res, JSON.stringify({ ok: false, error: { code: 'INTERNAL', message: String(e) } }), 500)
      }
    })
    return
  }
  if (req.method === 'GET' && req.url?.startsWith('/list?buyer=')) {
    const rows = floor.list(decodeURIComponent(req.url.slice('/list?buyer='.length)))
    json(res, `{"ok":true,"data":[${rows.join(',')}]}`)
    return
  }
  if (req.url === '/health') return json(res, '{"ok":true}')
  json(res, '{"ok":false}', 404)
})

server.listen(0, '127.0.0.1', () => {
  const addr = server.address()
  process.send?.({ url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}` })
})
// the HTTP bench asks for the CPU time spent so far at each end of its measured window
process.on('message', (m) => {
  if (m === 'cpu') process.send?.({ cpu: process.cpuUsage() })
})
process.on('disconnect', () => {
  server.close()
  floor.db.close()
  process.exit(0)
})
