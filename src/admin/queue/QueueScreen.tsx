import { useCallback, useEffect, useRef, useState } from 'react'
import Taro from '@tarojs/taro'
import { Button, Picker, Text, View } from '@tarojs/components'
import { countLabel, type CaseSummary, type QueueTab, type SlaView } from '@contract/actions'
import { CASE_SOURCE_LABELS, CASE_STATUSES, REASON_CODES, REASON_DEFAULTS, type CaseStatus, type ReasonCode, type Severity } from '@contract/domain'
import { adminApi, type AdminInput, type Me } from '../api'
import { SEVERITY_LABELS, SLA_LABELS, STAFF_STATUS, TABS, TAB_LABELS } from '../labels'
import { dayEndUtc, dayStartUtc, fmtDuration, fmtShort, fmtTime, yuan } from '../format'
import { Chip, Empty, ErrorView, Loading, PlatformDeadline, SlaBadge, isLead, messageOf, useStaffNames } from '../ui'
import { exportFromServer } from '../csv'
import { InboxLink } from '../inbox/InboxScreen'
import { BulkBar } from './BulkBar'

/** What waits on a supervisor or the owner, first: each count opens its list. */
const NEEDS: Array<{ tab: QueueTab; label: string }> = [
  { tab: 'approvals', label: '待审批' },
  { tab: 'escalated', label: '已升级' },
  { tab: 'overdue', label: '已超时' },
  { tab: 'unassigned', label: '未分配' },
  { tab: 'reviews', label: '差评跟进' },
]

function NeedsYou({ counts, tab, onPick }: { counts: Partial<Record<QueueTab, number>>; tab: QueueTab; onPick(t: QueueTab): void }) {
  const known = NEEDS.some((n) => counts[n.tab] !== undefined)
  const total = NEEDS.reduce((s, n) => s + (counts[n.tab] ?? 0), 0)
  return (
    <View className="adm-needs" id="adm-needs">
      <Text className="adm-needs__title">{!known ? '需要你处理的事' : total ? '需要你处理的事' : '暂时没有需要你处理的事'}</Text>
      <View className="adm-needs__row">
        {NEEDS.map((n) => (
          <View
            key={n.tab}
            id={`needs-${n.tab}`}
            className={`adm-needs__item${counts[n.tab] ? ' adm-needs__item--hot' : ''}${tab === n.tab ? ' adm-needs__item--on' : ''}`}
            onClick={() => onPick(n.tab)}
          >
            <Text className="adm-needs__n">{countLabel(counts[n.tab]) || '–'}</Text>
            <Text className="adm-needs__label">{n.label}</Text>
          </View>
        ))}
      </View>
    </View>
  )
}

export interface QueueFilters {
  status?: CaseStatus
  severity?: Severity
  reason?: ReasonCode
  sla?: SlaView['state']
  from?: string
  to?: string
}

type Load = { kind: 'loading' } | { kind: 'error'; message: string } | { kind: 'ok' }

const PAGE = 20

/**
 * The seller's queue: tabs with counts, filters, cases sorted by what is due first (the function
 * sorts), SLA badges with time left, paging by cursor (加载更多 or reaching the bottom).
 */
export function QueueScreen({
  me,
  refreshKey = 0,
  bottomKey = 0,
  onRefreshed,
}: {
  me: Me
  /** changes on pull-down refresh */
  refreshKey?: number
  /** changes when the page reaches the bottom */
  bottomKey?: number
  onRefreshed?: () => void
}) {
  // the owner works the shop, not a personal queue: they land on every case, with what needs them on top
  const [tab, setTab] = useState<QueueTab>(me.role === 'owner' ? 'all' : 'mine')
  const [filters, setFilters] = useState<QueueFilters>({})
  const [items, setItems] = useState<CaseSummary[]>([])
  const [counts, setCounts] = useState<Partial<Record<QueueTab, number>>>({})
  const [next, setNext] = useState<string | null>(null)
  const [load, setLoad] = useState<Load>({ kind: 'loading' })
  const [more, setMore] = useState(false)
  const [reasonLabels, setReasonLabels] = useState<Record<string, string>>(() =>
    Object.fromEntries(REASON_CODES.map((c) => [c, REASON_DEFAULTS[c].label])),
  )
  const seq = useRef(0)
  const staffName = useStaffNames()
  // bulk actions (issue 24): pick cases of the filtered list, then one action for all
  const [picking, setPicking] = useState(false)
  const [picked, setPicked] = useState<Set<string>>(new Set())
  const togglePick = (id: string) => setPicked((cur) => { const n = new Set(cur); if (n.has(id)) n.delete(id); else n.add(id); return n })

  useEffect(() => {
    adminApi.getPolicy().then(
      (p) => setReasonLabels((cur) => ({ ...cur, ...Object.fromEntries(p.policy.reasons.map((r) => [r.code, r.label])) })),
      () => {},
    )
  }, [])

  const query = useCallback(
    (cursor: string | null): AdminInput<'queue'> => ({
      tab,
      limit: PAGE,
      cursor,
      ...(filters.status ? { status: [filters.status] } : {}),
      ...(filters.severity ? { severity: filters.severity } : {}),
      ...(filters.reason ? { reason: filters.reason } : {}),
      ...(filters.sla ? { slaState: filters.sla } : {}),
      ...(filters.from ? { createdFrom: dayStartUtc(filters.from) } : {}),
      ...(filters.to ? { createdTo: dayEndUtc(filters.to) } : {}),
    }),
    [tab, filters],
  )

  const reload = useCallback(() => {
    const my = ++seq.current
    setLoad({ kind: 'loading' })
    adminApi
      .queue(query(null))
      .then(
        (page) => {
          if (my !== seq.current) return
          setItems(page.items)
          setNext(page.next)
          setCounts(page.counts)
          setLoad({ kind: 'ok' })
        },
        (e: unknown) => my === seq.current && setLoad({ kind: 'error', message: messageOf(e) }),
      )
      .finally(() => onRefreshed?.())
  }, [query, onRefreshed])

  useEffect(reload, [reload, refreshKey])

  const loadMore = useCallback(() => {
    if (!next || more) return
    const my = seq.current
    setMore(true)
    adminApi
      .queue(query(next))
      .then(
        (page) => {
          if (my !== seq.current) return
          setItems((cur) => [...cur, ...page.items])
          setNext(page.next)
          setCounts(page.counts)
        },
        (e: unknown) => Taro.showToast({ title: messageOf(e), icon: 'none' }),
      )
      .finally(() => setMore(false))
  }, [next, more, query])

  const loadMoreRef = useRef(loadMore)
  loadMoreRef.current = loadMore
  useEffect(() => {
    if (bottomKey > 0) loadMoreRef.current()
  }, [bottomKey])

  const set = (patch: Partial<QueueFilters>) => setFilters((f) => ({ ...f, ...patch }))
  // every filter (SLA state included) is applied by the function, so paging stays correct
  const filtered = !!(filters.status || filters.reason || filters.severity || filters.sla || filters.from || filters.to)

  const exportList = () =>
    exportFromServer(() =>
      adminApi.exportCases({
        ...(filters.status ? { status: [filters.status] } : {}),
        ...(filters.severity ? { severity: filters.severity } : {}),
        ...(filters.reason ? { reason: filters.reason } : {}),
        ...(filters.from ? { from: dayStartUtc(filters.from) } : {}),
        ...(filters.to ? { to: dayEndUtc(filters.to) } : {}),
      }),
    )

  return (
    <View className="adm-page" id="adm-queue">
      <View className="adm-head">
        <Text className="adm-head__who" id="adm-me">
          {me.name} · {me.role === 'owner' ? '店主' : me.role === 'supervisor' ? '主管' : '客服'}
        </Text>
        <View className="adm-links">
          <InboxLink refreshKey={refreshKey} />
          <Text className="adm-link" id="link-roster" onClick={() => Taro.navigateTo({ url: '/admin/roster/index' })}>
            排班
          </Text>
          <Text className="adm-link" id="link-policy" onClick={() => Taro.navigateTo({ url: '/admin/policy/index' })}>
            售后策略
          </Text>
          {isLead(me) && (
            <Text className="adm-link" id="link-batch" onClick={() => Taro.navigateTo({ url: '/admin/batch/index' })}>
              批次预警
            </Text>
          )}
          {isLead(me) && (
            <Text className="adm-link" id="link-analytics" onClick={() => Taro.navigateTo({ url: '/admin/analytics/index' })}>
              数据分析
            </Text>
          )}
          {isLead(me) && (
            <Text className="adm-link" id="link-export" onClick={exportList}>
              导出CSV
            </Text>
          )}
        </View>
      </View>

      {isLead(me) && <NeedsYou counts={counts} tab={tab} onPick={setTab} />}

      {/* the tabs scroll sideways on a phone: a fade on the right edge says there is more */}
      <View className="adm-tabs-wrap">
      <View className="adm-tabs" id="adm-tabs">
        {TABS.map((t) => (
          <View key={t} id={`tab-${t}`} className={`adm-tab${t === tab ? ' adm-tab--on' : ''}`} onClick={() => setTab(t)}>
            <Text>{TAB_LABELS[t]}</Text>
            <Text className="adm-tab__count">{countLabel(counts[t])}</Text>
          </View>
        ))}
      </View>
      <View className="adm-tabs-fade" />
      </View>

      <View className="adm-filters" id="adm-filters">
        <View className="adm-filters__row">
          <OptionPicker id="filter-status" all="全部状态" options={CASE_STATUSES} label={(v) => STAFF_STATUS[v]} value={filters.status} onChange={(status) => set({ status })} />
          <OptionPicker id="filter-reason" all="全部原因" options={REASON_CODES} label={(v) => reasonLabels[v] ?? v} value={filters.reason} onChange={(reason) => set({ reason })} />
          <Picker mode="date" value={filters.from ?? ''} onChange={(e) => set({ from: String(e.detail.value) })}>
            <View className="adm-picker" id="filter-from">{filters.from ? `从 ${filters.from}` : '开始日期'}</View>
          </Picker>
          <Picker mode="date" value={filters.to ?? ''} onChange={(e) => set({ to: String(e.detail.value) })}>
            <View className="adm-picker" id="filter-to">{filters.to ? `至 ${filters.to}` : '结束日期'}</View>
          </Picker>
        </View>
        <View className="adm-filters__row">
          <Text className="adm-filters__label">优先级</Text>
          {(['P1', 'P2', 'P3'] as Severity[]).map((s) => (
            <Chip key={s} id={`sev-${s}`} on={filters.severity === s} onClick={() => set({ severity: filters.severity === s ? undefined : s })}>
              {s}
            </Chip>
          ))}
          <Text className="adm-filters__label">SLA</Text>
          {(['on_time', 'warning', 'breached'] as const).map((s) => (
            <Chip key={s} id={`sla-${s}`} on={filters.sla === s} onClick={() => set({ sla: filters.sla === s ? undefined : s })}>
              {SLA_LABELS[s]}
            </Chip>
          ))}
          {filtered && (
            <Chip id="filter-clear" onClick={() => setFilters({})}>
              清除筛选
            </Chip>
          )}
        </View>
        <View className="adm-filters__row">
          <Chip id="bulk-toggle" on={picking} onClick={() => { setPicking(!picking); setPicked(new Set()) }}>
            批量操作
          </Chip>
          {picking && (
            <Chip id="bulk-all" onClick={() => setPicked(new Set(items.map((c) => c.id)))}>
              全选本页（{items.length}）
            </Chip>
          )}
          {picking && picked.size > 0 && (
            <Chip id="bulk-none" onClick={() => setPicked(new Set())}>
              清空
            </Chip>
          )}
        </View>
      </View>

      {load.kind === 'loading' && <Loading />}
      {load.kind === 'error' && <ErrorView message={load.message} onRetry={reload} />}
      {load.kind === 'ok' && items.length === 0 && <Empty id="adm-queue-empty" text={tab === 'mine' && !filtered ? '没有待你处理的售后单' : '没有符合条件的售后单'} />}
      {load.kind === 'ok' && (
        <View id="adm-queue-list">
          {items.map((c) => (
            <View
              key={c.id}
              className="adm-card adm-queue-item"
              id={`case-${c.id}`}
              onClick={() => (picking ? togglePick(c.id) : Taro.navigateTo({ url: `/admin/case/index?id=${encodeURIComponent(c.id)}` }))}
            >
              <View className="adm-card__top">
                {picking && <Text className={`adm-check${picked.has(c.id) ? ' adm-check--on' : ''}`} id={`pick-${c.id}`}>{picked.has(c.id) ? '✓' : ''}</Text>}
                <Text className="adm-card__no">{c.caseNo}</Text>
                {c.task ? <TaskBadge task={c.task} /> : <SlaBadge sla={c.sla} />}
              </View>
              <Text className="adm-card__title">{c.title}</Text>
              <Text className="adm-muted block" id={`order-of-${c.id}`}>
                订单 {c.orderId}
              </Text>
              <View className="adm-card__meta">
                <Text className={`adm-tag adm-tag--src-${c.source}`} id={`src-${c.id}`}>
                  {CASE_SOURCE_LABELS[c.source]}
                </Text>
                <Text className={`adm-tag adm-tag--${c.severity}`}>{SEVERITY_LABELS[c.severity]}</Text>
                {c.escalated && <Text className="adm-tag adm-tag--esc">已升级</Text>}
                {c.buyerReplied ? (
                  <Text className="adm-queue-status adm-queue-status--replied" id={`replied-${c.id}`}>
                    买家已回复
                  </Text>
                ) : (
                  <Text className="adm-queue-status">{STAFF_STATUS[c.status]}</Text>
                )}
                <Text>{c.platform?.reasonText || (reasonLabels[c.reason] ?? c.reason)}</Text>
                <Text>{c.assigneeId ? (c.assigneeId === me.openid ? '我负责' : staffName(c.assigneeId)) : '未分配'}</Text>
                <Text>{fmtShort(c.createdAt)}</Text>
              </View>
              {c.platform?.deadline && <PlatformDeadline id={`deadline-${c.id}`} at={c.platform.deadline} />}
              {c.shopDeadline && (
                <Text className="adm-deadline" id={`shop-deadline-${c.id}`}>
                  {c.shopDeadline.label}：请于 {fmtTime(c.shopDeadline.dueAt)} 前处理
                </Text>
              )}
            </View>
          ))}
          {next && (
            <View className="adm-more">
              <Button id="adm-load-more" className="adm-btn adm-btn--small" disabled={more || undefined} onClick={loadMore}>
                {more ? '加载中…' : '加载更多'}
              </Button>
            </View>
          )}
          {!next && items.length > 0 && <View className="adm-more">没有更多了</View>}
        </View>
      )}
      {picking && picked.size > 0 && <BulkBar me={me} selected={items.filter((c) => picked.has(c.id))} onDone={reload} />}
    </View>
  )
}

const TASK_WORDS = { approval: '审批', review: '差评', visit: '回访' } as const

/** A follow-up tab's own deadline: 差评 24 h, approval escalation, visit due. */
function TaskBadge({ task }: { task: NonNullable<CaseSummary['task']> }) {
  const left = task.msLeft >= 0 ? `剩余${fmtDuration(task.msLeft)}` : `超时${fmtDuration(-task.msLeft)}`
  return (
    <View className={`adm-sla adm-sla--${task.state}`} id={`task-badge-${task.kind}`}>
      <Text className="adm-sla__state">{TASK_WORDS[task.kind]}</Text>
      <Text className="adm-sla__left">{task.amountFen !== undefined ? `${yuan(task.amountFen)} · ` : ''}{left}</Text>
    </View>
  )
}

/** A selector with an "all" first entry; picking it clears the filter. */
function OptionPicker<T extends string>(p: { id: string; all: string; options: readonly T[]; label(v: T): string; value: T | undefined; onChange(v: T | undefined): void }) {
  return (
    <Picker
      mode="selector"
      range={[p.all, ...p.options.map(p.label)]}
      value={p.value ? p.options.indexOf(p.value) + 1 : 0}
      onChange={(e) => {
        const i = Number(e.detail.value)
        p.onChange(i > 0 ? p.options[i - 1] : undefined)
      }}
    >
      <View className="adm-picker" id={p.id}>
        {p.value ? p.label(p.value) : p.all}
      </View>
    </Picker>
  )
}
