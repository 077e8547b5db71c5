/**
 * One process of the simultaneous-start test (store.migrate.test.ts): loads the SQLite adapter,
 * says `ready`, then for every line on stdin (a database file) opens and migrates that file and
 * answers `ok` or `error <message>`. The test sends the same new file to every process at once.
 */
import readline from 'node:readline'
import { SqliteStore } from '../../cloudfunctions/adapters/sqlite/store'

const rl = readline.createInterface({ input: process.stdin })
console.log('ready')
rl.on('line', async (file) => {
  try {
    const store = new SqliteStore(file)
    await store.init()
    await store.close()
    console.log('ok')
  } catch (e) {
    console.log(`error ${e instanceof Error ? e.message : String(e)}`)
  }
})
