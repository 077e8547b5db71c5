import { shot, signIn, callAs, gatewayAndBrowserForFile } from './harness'

const env = gatewayAndBrowserForFile()

test('a demo buyer signs in on the H5 build served by the gateway, sees their orders, and a filed case appears with its status', async () => {
  const page = await env.browser.newPage()
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(String(e)))
  await signIn(page, env.gw.url, 'buyer-zhao')
  await page.getByText('明前龙井 250g 礼盒装').first().waitFor({ timeout: 20_000 })
  await shot(page, 'buyer-home')

  const orders = await callAs<{ order: { orderId: string; items: { skuId: string }[] } }[]>(env.gw.url, 'buyer-zhao', 'aftersale', 'list_orders', {})
  const tea = orders.find((o) => o.order.items.length === 1 && o.order.items[0].skuId === 'SKU-TEA-01')!
  await callAs(env.gw.url, 'buyer-zhao', 'aftersale', 'submit', {
    orderId: tea.order.orderId, claimedItems: [{ skuId: 'SKU-TEA-01', qty: 1 }], type: 'refund_only', reason: 'quality_defect', description: '茶叶受潮', desiredRemedy: 'refund',
  }, 'e2e-home-key-1')
  await page.reload()
  await page.getByText('已提交').first().or(page.getByText('待处理').first()).waitFor({ timeout: 20_000 }).catch(() => undefined)
  const body = await page.textContent('body')
  expect(body).toContain('明前龙井')
  expect(body).toMatch(/客服将尽快受理/)
  await shot(page, 'buyer-home-with-case')
  expect(errors).toEqual([])
}, 90_000)
