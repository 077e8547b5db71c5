import path from 'node:path'
import { startGateway } from './server'
import { connectShop } from './demo-shop'
import { ACCESS_TOKEN_ENV, MIN_TOKEN_LENGTH, MODE_ENV, deskMode, missingProductionSecrets } from './mode'

// `npm start`: the embedded default. DESK_MODE=production (README "Production mode") or the demo
// (unset). Flags: --port N, --host ADDR, --data DIR, --allow-remote (needs GATEWAY_ACCESS_TOKEN).
const args = process.argv.slice(2)
const flag = (name: string) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : undefined
}
const root = path.resolve(__dirname, '..', '..')

/** A start-up refusal: one clear line, exit code 1, nothing started. */
function refuse(message: string): never {
  console.error(`售后工作台 not started: ${message}`)
  process.exit(1)
}

async function main() {
  if (args.includes('--no-demo')) refuse(`--no-demo was replaced by ${MODE_ENV}=production (README: Production mode)`)
  let production: boolean
  try {
    production = deskMode(process.env) === 'production'
  } catch (e) {
    refuse(e instanceof Error ? e.message : String(e))
  }
  const demo = !production
  if (production) {
    const missing = missingProductionSecrets(process.env)
    if (missing.length) refuse(`${MODE_ENV}=production needs these environment variables: ${missing.join(', ')}`)
  }
  const accessToken = process.env[ACCESS_TOKEN_ENV] || undefined
  if (accessToken && accessToken.length < MIN_TOKEN_LENGTH) refuse(`${ACCESS_TOKEN_ENV} is too short: use at least ${MIN_TOKEN_LENGTH} random characters`)

  const shop = await connectShop(process.env, { production })
  const g = await startGateway({
    host: flag('host') ?? process.env.HOST ?? '127.0.0.1',
    port: Number(flag('port') ?? process.env.PORT ?? 8787),
    dataDir: path.resolve(flag('data') ?? process.env.DATA_DIR ?? path.join(root, 'data')),
    h5Dir: path.join(root, 'dist/h5'),
    allowRemote: args.includes('--allow-remote'),
    production,
    demo,
    seed: demo,
    accessToken,
    // the seller's shop; in the demo the local stand-in unless the seller's shop is configured
    shop: shop.shop,
    push: shop.push,
  })
  await shop.connect(g.url)
  console.log(`售后工作台 running at ${g.url} (${production ? 'production' : 'demo'})`)
  if (args.includes('--allow-remote')) {
    const bar = '!'.repeat(78)
    console.warn(
      [
        bar,
        `!! --allow-remote: listening on ${g.url}, reachable from other machines.`,
        '!! Exposed: both functions (every buyer and staff action), evidence files, uploads' + (demo ? ',' : '.'),
        ...(demo ? ['!! and the DEMO surface: persona sign-in as ANY buyer or staff member, sent messages, order import.'] : []),
        production
          ? '!! Every request needs the access token in a header (X-Access-Token or Bearer): only the front proxy holds it.'
          : '!! Every request needs the access token (X-Access-Token header, Bearer, or open /?access_token=… once).',
        '!! Plain HTTP: put TLS in front of it before using it beyond a trusted network.',
        bar,
      ].join('\n'),
    )
  }
  if (demo) {
    console.log(`  sign in as a demo buyer or staff member: ${g.url}/dev/login`)
    console.log(`  messages that would have been sent:      ${g.url}/dev/messages (as a staff member)`)
  } else {
    console.log('  callers are named by the front proxy: X-Access-Token + X-Desk-Openid (+ X-Desk-Unionid)')
  }
  console.log(`  shop after-sales from:                   ${shop.describe}`)
}

main().catch((e) => {
  console.error(`售后工作台 not started: ${String(e instanceof Error ? e.message : e)}`)
  process.exit(1)
})
