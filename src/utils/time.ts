import dayjs from 'dayjs'
import utc from 'dayjs/plugin/utc'

dayjs.extend(utc)

/** Times are stored in UTC and shown in Asia/Shanghai (UTC+8, no daylight saving). */
const SHANGHAI_OFFSET_MIN = 8 * 60

function local(iso: string) {
  return dayjs.utc(iso).utcOffset(SHANGHAI_OFFSET_MIN)
}

/** "2026-11-23 14:05" */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return ''
  const d = local(iso)
  return d.isValid() ? d.format('YYYY-MM-DD HH:mm') : ''
}

/** "11月23日 14:05" — short form for timelines */
export function formatShort(iso: string | null | undefined): string {
  if (!iso) return ''
  const d = local(iso)
  return d.isValid() ? d.format('M月D日 HH:mm') : ''
}

/** "2026-11-23" */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return ''
  const d = local(iso)
  return d.isValid() ? d.format('YYYY-MM-DD') : ''
}

/** Remaining time in plain words: "2天3小时", "5小时12分", "8分钟". Null when already past. */
export function formatRemaining(ms: number): string | null {
  if (ms <= 0) return null
  const min = Math.floor(ms / 60000)
  const days = Math.floor(min / (24 * 60))
  const hours = Math.floor((min % (24 * 60)) / 60)
  const mins = min % 60
  if (days > 0) return hours > 0 ? `${days}天${hours}小时` : `${days}天`
  if (hours > 0) return mins > 0 ? `${hours}小时${mins}分` : `${hours}小时`
  return `${Math.max(mins, 1)}分钟`
}
