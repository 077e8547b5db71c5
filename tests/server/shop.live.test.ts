/**
 * The shop contract's read-only part against the LIVE Channels shop, through the real adapter.
 * Opt-in: set CHANNELS_APPID and CHANNELS_SECRET (and CHANNELS_API_BASE for another host); the
 * calling machine's IP must be in the shop's API whitelist. Nothing is written to the shop.
 */
import { CHANNELS_ENV, DEFAULT_API_BASE } from '../../cloudfunctions/adapters/channels/shop'
import { shopContract } from './shop-contract'

const appid = process.env[CHANNELS_ENV.appid]
const secret = process.env[CHANNELS_ENV.secret]

if (appid && secret) {
  shopContract('live shop', { provoke: false }, async () => ({
    appid,
    secret,
    baseUrl: process.env[CHANNELS_ENV.apiBase] || DEFAULT_API_BASE,
    now: () => Date.now(),
  }))
} else {
  describe('Shop contract: live shop', () => {
    it('is not configured here', () => {
      const reason = `live shop contract not run: set ${CHANNELS_ENV.appid} and ${CHANNELS_ENV.secret} to run it against a real shop`
      console.log(reason)
      expect(reason).toMatch(/not run/)
    })
  })
}
