import { MAX_FEN, OrderSnapshotSchema, type OrderSnapshot } from '@contract/domain'

/**
 * CSV import of orders for the local orders adapter (the Channels shop adapter comes later).
 * One row per order item; rows of one order share order_id and the order-level columns.
 */
export const ORDER_CSV_COLUMNS = [
  'order_id', 'buyer_openid', 'sku_id', 'name', 'qty', 'unit_price_fen', 'batch', 'final_sale',
  'paid_at', 'shipped_at', 'promised_delivery_at', 'delivered_at', 'carrier', 'tracking_no',
] as const

/** Splits one CSV line (RFC 4180 quotes, doubled quotes inside). */
function splitLine(line: string): string[] {
  const out: string[] = []
  let cur = ''
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"'
        i++
      } else if (ch === '"') quoted = false
      else cur += ch
    } else if (ch === '"') quoted = true
    else if (ch === ',') {
      out.push(cur)
      cur = ''
    } else cur += ch
  }
  out.push(cur)
  return out
}

export interface CsvResult {
  orders: OrderSnapshot[]
  /** Chinese, with the line number: nothing is imported when any line is wrong */
  errors: string[]
}

export function parseOrdersCsv(text: string): CsvResult {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l.trim() !== '')
  if (!lines.length) return { orders: [], errors: ['文件为空'] }
  const header = splitLine(lines[0]).map((h) => h.trim())
  const missing = ORDER_CSV_COLUMNS.filter((c) => !header.includes(c) && ['order_id', 'buyer_openid', 'sku_id', 'name', 'qty', 'unit_price_fen', 'paid_at'].includes(c))
  if (missing.length) return { orders: [], errors: [`缺少列：${missing.join(', ')}`] }
  const byId = new Map<string, { first: number; rows: Record<string, string>[] }>()
  const errors: string[] = []
  lines.slice(1).forEach((line, i) => {
    const cells = splitLine(line)
    const row = Object.fromEntries(header.map((h, j) => [h, (cells[j] ?? '').trim()]))
    if (!row.order_id) return errors.push(`第 ${i + 2} 行：缺少 order_id`)
    const g = byId.get(row.order_id) ?? { first: i + 2, rows: [] }
    g.rows.push(row)
    byId.set(row.order_id, g)
  })
  const orders: OrderSnapshot[] = []
  const opt = (v: string) => (v ? v : undefined)
  for (const [orderId, { first, rows }] of byId) {
    const head = rows[0]
    // money and counts are plain digits: '1e3', '12.5', '-1' or 20 digits are refused, never rounded
    const bad = rows.find((r) => !/^\d{1,11}$/.test(r.unit_price_fen) || !/^\d{1,6}$/.test(r.qty))
    if (bad) {
      errors.push(`订单 ${orderId}（第 ${first} 行起）：数量和单价（分）必须是整数（单价不超过 ${MAX_FEN} 分）`)
      continue
    }
    const items = rows.map((r) => ({
      skuId: r.sku_id,
      name: r.name,
      qty: Number(r.qty),
      unitPriceFen: Number(r.unit_price_fen),
      ...(r.batch ? { batch: r.batch } : {}),
      ...(r.final_sale ? { finalSale: ['1', 'true', 'yes', '是'].includes(r.final_sale.toLowerCase()) } : {}),
    }))
    const candidate = {
      orderId,
      buyerOpenid: head.buyer_openid,
      items,
      paidFen: items.reduce((s, it) => s + it.qty * it.unitPriceFen, 0),
      paidAt: head.paid_at,
      shippedAt: opt(head.shipped_at),
      promisedDeliveryAt: opt(head.promised_delivery_at),
      deliveredAt: opt(head.delivered_at),
      carrier: opt(head.carrier),
      trackingNo: opt(head.tracking_no),
    }
    const parsed = OrderSnapshotSchema.safeParse(candidate)
    if (!parsed.success) {
      const is = parsed.error.issues[0]
      errors.push(`订单 ${orderId}（第 ${first} 行起）：${is.path.join('.')} ${is.message}`)
    } else orders.push(parsed.data)
  }
  return errors.length ? { orders: [], errors } : { orders, errors }
}
