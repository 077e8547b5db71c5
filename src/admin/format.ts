import dayjs from 'dayjs'
import utc from 'dayjs/plugin/utc'
import { formatYuan } from '../utils/money'

dayjs.extend(utc)

// Same formatting as the buyer pages (times shown in Asia/Shanghai, money from integer fen).
export { formatTime as fmtTime, formatShort as fmtShort } from '../utils/time'
export { evidenceUrl as mediaUrl } from '../api/upload'

/** YYYY-MM-DD in Shanghai → the UTC instant of its midnight. */
export function dayStartUtc(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00+08:00`)).toISOString()
}

/** The UTC instant of the midnight after a Shanghai date (exclusive end of that day). */
export function dayEndUtc(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00+08:00`) + 86_400_000).toISOString()
}

export function todayLocal(nowMs = Date.now()): string {
  return dayjs.utc(nowMs).utcOffset(8 * 60).format('YYYY-MM-DD')
}

/** "2天3小时" / "5小时12分" / "8分钟" */
export function fmtDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—'
  const min = Math.max(0, Math.round(Math.abs(ms) / 60000))
  const d = Math.floor(min / 1440)
  const h = Math.floor((min % 1440) / 60)
  const m = min % 60
  if (d > 0) return `${d}天${h}小时`
  if (h > 0) return `${h}小时${m}分`
  return `${m}分钟`
}

/** Integer fen → "¥12.30". */
export function yuan(fen: number | null | undefined): string {
  return formatYuan(fen ?? 0)
}

/** Fen → the yuan text an input shows ("12.3"). */
export function fenToInput(fen: number): string {
  const s = (fen / 100).toFixed(2)
  return s.replace(/\.?0+$/, '') || '0'
}

/** A yuan input → integer fen; null when it is not a non-negative amount with at most 2 decimals. */
export function inputToFen(text: string): number | null {
  const t = text.trim()
  if (!/^\d+(\.\d{1,2})?$/.test(t)) return null
  const [i, f = ''] = t.split('.')
  return Number(i) * 100 + Number((f + '00').slice(0, 2))
}

export function pct(rate: number | null | undefined): string {
  return rate === null || rate === undefined ? '—' : `${Math.round(rate * 1000) / 10}%`
}
