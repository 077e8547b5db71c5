import type { z } from 'zod'
import type { CaseExport, ExportCasesInputSchema } from '@contract/actions'
import { CASE_TYPE_LABELS, STAFF_STATUS_LABELS, VISIT_OUTCOME_LABELS, type Case, type VisitOutcome } from '@contract/domain'
import type { Policy } from '@contract/policy'
import type { Deps } from '../deps'
import type { CaseExportRow, Page, QueueFilter } from '../../ports/store'
import { livePolicy } from '../shared'
import { formatLocalTime, toMs } from '../../core/tz'
import { caseIndex, iso } from '../../adapters/case-index'
import { caseFacts, exportRow, verdictAt } from '../../adapters/case-facts'
import { rangeOf } from './analytics'

/** Rows an export holds at most (newest first); the answer says when more matched. */
export const EXPORT_MAX_ROWS = 5000

const COLUMNS = [
  '售后单号', '创建时间', '状态', '类型', '原因', '优先级', '处理组', '处理人', '订单号', '买家', '商品', 'SKU', '批次', '申请数量',
  '实付(元)', '已退款(元)', '补偿(元)', 'SLA状态', '首次响应时间', '解决时间', '评分', '已升级', '策略版本',
] as const
/** Per-case 差评 follow-up and 回访 (issue 23); the in-time column names the policy's hours. */
const reviewColumns = (hours: number) => ['差评时间', '首次跟进时间', '首次跟进人', `是否${hours}小时内跟进`, '评价是否更新', '回访结果']

/**
 * The case list of a range as CSV for Excel: UTF-8 with a BOM (so Excel opens Chinese text
 * correctly), CRLF line ends, every field quoted when it holds a comma, quote or line break, and
 * formula-looking text neutralised. Times are in the shop's time zone, money in yuan.
 *
 * @example const { csv, filename } = await exportCases(deps, { from: '2026-11-01T00:00:00Z' })
 */
export async function exportCases(deps: Deps, input: z.output<typeof ExportCasesInputSchema>): Promise<CaseExport> {
  const { policy } = await livePolicy(deps)
  const now = deps.now()
  const range = rangeOf(input, now, policy)
  const filter: QueueFilter = {
    createdFrom: range.from,
    ...(input.to ? { createdTo: input.to } : {}),
    ...(input.status ? { status: input.status } : {}),
    ...(input.severity ? { severity: input.severity } : {}),
    ...(input.reason ? { reason: input.reason } : {}),
    ...(input.team ? { team: input.team } : {}),
  }
  // pages of the columns it writes (a projection by the store), never whole case documents
  const rows: CaseExportRow[] = []
  let cursor: string | null = null
  let truncated = false
  for (;;) {
    const page: Page<CaseExportRow> = await deps.store.listCaseRows(filter, { limit: Math.min(PAGE, EXPORT_MAX_ROWS + 1 - rows.length), cursor })
    rows.push(...page.items)
    if (rows.length > EXPORT_MAX_ROWS) {
      rows.length = EXPORT_MAX_ROWS
      truncated = true
      break
    }
    if (!page.next) break
    cursor = page.next
  }
  const staff = await deps.store.listStaff()
  const names = new Map(staff.map((s) => [s.id, s.name]))
  // buyers as staff know them (name, phone tail), never their openid
  const buyerIds = [...new Set(rows.map((c) => c.buyerOpenid))]
  const buyers = new Map<string, string>()
  for (const b of await Promise.all(buyerIds.map((id) => deps.store.getBuyer(id)))) if (b) buyers.set(b.openid, buyerLabel(b.name ?? null, b.phoneTail ?? null))
  const csv = rowsToCsv(rows, now, policy, names, buyers)
  const day = formatLocalTime(toMs(now), policy.calendar.timezone).slice(0, 10).replace(/-/g, '')
  return { filename: `售后单-${day}.csv`, csv, rows: rows.length, truncated }
}

const PAGE = 1000

function buyerLabel(name: string | null, phoneTail: string | null): string {
  return [name ?? '', phoneTail ? `尾号${phoneTail}` : ''].filter(Boolean).join(' ')
}

/** Pure: the CSV text of `cases` (header first, BOM included); the rows the store would answer for them. */
export function casesToCsv(cases: Case[], now: string, policy: Policy, staffNames: Map<string, string> = new Map(), buyerNames: Map<string, string> = new Map()): string {
  return rowsToCsv(cases.map((c) => exportRow(caseIndex(c, policy), caseFacts(c))), now, policy, staffNames, buyerNames)
}

/**
 * Pure: the CSV text of export rows (header first, BOM included), in the staff's words: staff
 * statuses, staff and buyer names (a buyer without a recorded name shows as 未留姓名; the order number identifies them).
 */
export function rowsToCsv(cases: CaseExportRow[], now: string, policy: Policy, staffNames: Map<string, string> = new Map(), buyerNames: Map<string, string> = new Map()): string {
  const tz = policy.calendar.timezone
  const time = (iso: string | null | undefined) => (iso ? formatLocalTime(toMs(iso), tz) : '')
  const label = (code: string) => policy.reasons.find((r) => r.code === code)?.label ?? code
  const team = (code: string) => policy.teams.find((t) => t.code === code)?.label ?? code
  const yuan = (fen: number) => (fen / 100).toFixed(2)
  const SLA: Record<string, string> = { on_time: '正常', warning: '即将超时', breached: '已超时' }
  const at = iso(now)
  // the SLA badge at `now` from its stored instants (adapters/case-index slaMarks, as the queue's filter)
  const slaAt = (c: CaseExportRow) => (c.slaBreachAt < at ? 'breached' : c.slaWarnAt <= at ? 'warning' : 'on_time')
  const rows = cases.map((c) => [
    c.caseNo,
    time(c.createdAt),
    STAFF_STATUS_LABELS[c.status] ?? c.status,
    CASE_TYPE_LABELS[c.type] ?? c.type,
    label(c.reason),
    c.severity,
    team(c.team),
    c.assigneeId ? (staffNames.get(c.assigneeId) ?? '已移除的客服') : '未分配',
    c.orderId,
    buyerNames.get(c.buyerOpenid) || '未留姓名',
    c.claimed.map((i) => i.name).join('；'),
    c.claimed.map((i) => i.skuId).join('；'),
    c.claimed.map((i) => i.batch).join('；'),
    c.claimed.reduce((s, i) => s + i.qty, 0),
    yuan(c.paidFen),
    yuan(c.refundFen),
    yuan(c.compensationFen),
    SLA[slaAt(c)],
    time(c.firstResponseAt),
    time(c.resolvedAt),
    c.rating ?? '',
    c.escalated ? '是' : '否',
    c.policyVersion,
    ...reviewCells(c),
  ])
  return toCsv([[...COLUMNS, ...reviewColumns(policy.sla.negativeReviewReplyHours)], ...rows])

  function reviewCells(c: CaseExportRow): string[] {
    const r = c.review
    const visit = c.visitOutcome ? (VISIT_OUTCOME_LABELS[c.visitOutcome as VisitOutcome] ?? c.visitOutcome) : ''
    if (!r) return ['', '', '', '', '', visit]
    const inTime = { hit: '是', miss: '否', pending: '尚未跟进（未超时）' }[verdictAt(r.follow, r.dueAt, now)]
    const updated = r.outcome === null ? '跟进中' : r.outcome === 'updated' ? '是' : '否'
    const by = r.followedBy ? (staffNames.get(r.followedBy) ?? '已移除的客服') : ''
    return [time(r.openedAt), time(r.followedAt), by, inTime, updated, visit]
  }
}

/** RFC 4180 CSV with a UTF-8 BOM and CRLF line ends. */
export function toCsv(rows: (string | number | null | undefined)[][]): string {
  return '\uFEFF' + rows.map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n'
}

/** One field: quoted when needed; text starting with = + - @ gets a leading apostrophe (no formulas in Excel). */
export function csvField(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return ''
  if (typeof v === 'number') return String(v)
  let s = v
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s
}
