import { useCallback, useEffect, useState } from 'react'
import Taro, { usePullDownRefresh } from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import type { AnalyticsGroupRow, AnalyticsView, DisputeStats, FollowUpStats } from '@contract/actions'
import { adminApi, type Me } from '../api'
import { dayStartUtc, fmtDuration, fmtTime, pct, todayLocal, yuan } from '../format'
import { BarChart } from './BarChart'
import { Bars, Chip, Empty, ErrorView, Loading, Section, StaffGate, isLead, messageOf } from '../ui'
import { exportFromServer, saveCsv, toCsv } from '../csv'
import { actionLine } from '../batch/BatchScreen'

type State = { kind: 'loading' } | { kind: 'error'; message: string } | { kind: 'ok'; v: AnalyticsView }

const RANGES = [4, 8, 12, 26]

const weekLabel = (monday: string) => monday.slice(5).replace('-', '/')

/** A group table (reason / product / SKU / batch) with weekly bars and the repeat rate. */
function GroupTable({ id, title, rows, weeks, onExport }: { id: string; title: string; rows: AnalyticsGroupRow[]; weeks: string[]; onExport(): void }) {
  const max = Math.max(1, ...rows.flatMap((r) => r.perWeek))
  return (
    <Section
      id={id}
      title={title}
      extra={
        <Text className="adm-link" id={`${id}-csv`} onClick={onExport}>
          导出CSV
        </Text>
      }
    >
      {rows.length === 0 && <Empty text="暂无数据" />}
      {rows.length > 0 && (
        <View className="adm-table__row adm-muted">
          <Text className="adm-table__cell adm-table__cell--wide">名称</Text>
          <Text className="adm-table__cell">件数</Text>
          <Text className="adm-table__cell">重复率</Text>
          <Text className="adm-table__cell adm-table__cell--wide">每周</Text>
        </View>
      )}
      {rows.slice(0, 15).map((r) => (
        <View className="adm-table__row" key={r.key}>
          <Text className="adm-table__cell adm-table__cell--wide">{r.label}</Text>
          <Text className="adm-table__cell">{r.total}</Text>
          <Text className="adm-table__cell">{pct(r.repeatRate)}</Text>
          <View className="adm-table__cell adm-table__cell--wide" style={{ display: 'flex', alignItems: 'flex-end', height: '24px' }}>
            {r.perWeek.map((n, i) => (
              <View key={weeks[i] ?? i} style={{ flex: 1, marginRight: '1px', height: `${Math.round((n / max) * 22) + 1}px`, background: n ? '#07c160' : '#e5e6eb' }} />
            ))}
          </View>
        </View>
      ))}
    </Section>
  )
}

/**
 * Prevention analytics: cases per week, by reason / product / SKU / batch with repeat rates, the
 * top rising problems, SLA hit rates, median times, money by remedy and CSAT. The week and reason
 * charts are drawn by F2 on a 2d canvas (same code in weapp and h5, each with a text summary); the
 * rate and money rows keep labelled bars. Every table and the case list export as CSV.
 */
export function AnalyticsScreen({ me, refreshKey = 0, onRefreshed }: { me: Me; refreshKey?: number; onRefreshed?: () => void }) {
  const [weeks, setWeeks] = useState(8)
  const [state, setState] = useState<State>({ kind: 'loading' })

  const load = useCallback(() => {
    if (!isLead(me)) return
    setState({ kind: 'loading' })
    // whole weeks: from the Monday (shop time) `weeks - 1` weeks before this one
    const today = todayLocal()
    const monday = shiftDays(today, -((new Date(`${today}T00:00:00Z`).getUTCDay() + 6) % 7))
    const from = dayStartUtc(shiftDays(monday, -7 * (weeks - 1)))
    adminApi
      .analytics({ from })
      .then(
        (v) => setState({ kind: 'ok', v }),
        (e: unknown) => setState({ kind: 'error', message: messageOf(e) }),
      )
      .finally(() => onRefreshed?.())
  }, [weeks, onRefreshed, me])
  useEffect(load, [load, refreshKey])

  if (!isLead(me)) return <Empty id="adm-analytics-forbidden" text="数据分析仅限主管和店主查看" />

  const exportTable = (name: string, rows: (string | number)[][]) => saveCsv(`${name}.csv`, toCsv(rows))
  const exportGroup = (name: string, v: AnalyticsView, rows: AnalyticsGroupRow[]) =>
    exportTable(name, [['名称', '编码', '件数', '重复率', ...v.weeks.map((w) => `${w}周`)], ...rows.map((r) => [r.label, r.key, r.total, pct(r.repeatRate), ...r.perWeek])])

  const exportCases = async () => {
    if (state.kind !== 'ok') return
    const { from } = state.v
    await exportFromServer(() => adminApi.exportCases({ from }))
  }

  return (
    <View className="adm-page" id="adm-analytics">
      <View className="adm-filters">
        <View className="adm-filters__row">
          <Text className="adm-filters__label">范围</Text>
          {RANGES.map((w) => (
            <Chip key={w} id={`range-${w}`} on={weeks === w} onClick={() => setWeeks(w)}>
              近{w}周
            </Chip>
          ))}
          <Text className="adm-link" id="export-cases" onClick={exportCases}>
            导出售后单CSV
          </Text>
        </View>
      </View>
      {state.kind === 'loading' && <Loading />}
      {state.kind === 'error' && <ErrorView message={state.message} onRetry={load} />}
      {state.kind === 'ok' && <Report v={state.v} exportTable={exportTable} exportGroup={exportGroup} />}
    </View>
  )
}

function Report({
  v,
  exportTable,
  exportGroup,
}: {
  v: AnalyticsView
  exportTable(name: string, rows: (string | number)[][]): void
  exportGroup(name: string, v: AnalyticsView, rows: AnalyticsGroupRow[]): void
}) {
  if (v.totalCases === 0) return <Empty id="adm-analytics-empty" text="这段时间没有售后单" />
  return (
    <View>
      <Section title="概览" id="an-kpis">
        <Text className="adm-muted">
          {fmtTime(v.from)} 至 {fmtTime(v.to)}
          {v.truncated ? '（数据量过大，仅统计最近的售后单）' : ''}
        </Text>
        <View className="adm-kpis">
          <Kpi id="kpi-total" label="售后单" value={String(v.totalCases)} />
          <Kpi id="kpi-repeat" label="重复售后率" value={pct(v.repeatRate)} />
          <Kpi id="kpi-sla" label="SLA 达成率" value={pct(v.sla.overall.rate)} />
          <Kpi id="kpi-csat" label={`满意度（${v.csat.count}条评价）`} value={pct(v.csat.satisfiedRate)} />
          <Kpi id="kpi-first" label={`首次响应中位数（${v.times.firstResponseCount}单）`} value={fmtDuration(v.times.medianFirstResponseMs)} />
          <Kpi id="kpi-resolve" label={`解决时长中位数（${v.times.resolutionCount}单）`} value={fmtDuration(v.times.medianResolutionMs)} />
        </View>
      </Section>

      <Section title="每周售后单" id="an-weeks" extra={<Text className="adm-link" id="an-weeks-csv" onClick={() => exportTable('每周售后单', [['周', '件数'], ...v.weeks.map((w, i) => [w, v.perWeek[i]])])}>导出CSV</Text>}>
        <BarChart
          id="chart-weeks"
          bars={v.weeks.map((w, i) => ({ x: weekLabel(w), y: v.perWeek[i] ?? 0 }))}
          summary={v.weeks.map((w, i) => `${weekLabel(w)}周 ${v.perWeek[i] ?? 0}单`).join('，')}
        />
      </Section>

      <Section
        title="上升最快的问题"
        id="an-rising"
        extra={
          <Text className="adm-link" id="an-rising-csv" onClick={() => exportTable('上升问题', [['原因', '商品', 'SKU', '最近一周', '此前周均', '增加'], ...v.rising.map((r) => [r.reasonLabel, r.product, r.skuId, r.latest, r.previousAvg, r.delta])])}>
            导出CSV
          </Text>
        }
      >
        {v.rising.length === 0 && <Text className="adm-muted">最近一周没有上升的问题</Text>}
        {v.rising.map((r) => (
          <View className="adm-row" key={r.key}>
            <Text>
              {r.reasonLabel} · {r.product}
            </Text>
            <Text className="adm-muted">
              本周 {r.latest}，此前周均 {r.previousAvg}（+{r.delta}）
            </Text>
          </View>
        ))}
      </Section>

      <Section title="按原因" id="an-reason-chart">
        <BarChart
          id="chart-reasons"
          horizontal
          height={Math.max(120, Math.min(8, v.byReason.length) * 32 + 40)}
          color="#1677ff"
          bars={v.byReason.slice(0, 8).map((r) => ({ x: r.label, y: r.total })).reverse()}
          summary={v.byReason.slice(0, 8).map((r) => `${r.label} ${r.total}单`).join('，')}
        />
      </Section>
      <GroupTable id="an-reason" title="原因 × 周" rows={v.byReason} weeks={v.weeks} onExport={() => exportGroup('按原因', v, v.byReason)} />
      <GroupTable id="an-product" title="商品 × 周" rows={v.byProduct} weeks={v.weeks} onExport={() => exportGroup('按商品', v, v.byProduct)} />
      <GroupTable id="an-sku" title="SKU × 周" rows={v.bySku} weeks={v.weeks} onExport={() => exportGroup('按SKU', v, v.bySku)} />
      <GroupTable id="an-batch" title="批次 × 周" rows={v.byBatch} weeks={v.weeks} onExport={() => exportGroup('按批次', v, v.byBatch)} />
      <Section title={`批次预警（${v.batchAlerts?.length ?? 0}）`} id="an-batch-alerts">
        {!v.batchAlerts?.length && <Empty text="这段时间没有批次预警" />}
        {(v.batchAlerts ?? []).map((a) => (
          <View key={a.id} className="adm-table__row" id={`an-batch-alert-${a.id}`} onClick={() => Taro.navigateTo({ url: `/admin/batch/index?id=${encodeURIComponent(a.id)}` })}>
            <Text className="adm-table__cell adm-table__cell--wide">
              {a.product} 批次 {a.batch || '未标注'}（{a.caseIds.length}单）
            </Text>
            <Text className="adm-table__cell adm-table__cell--wide">{actionLine(a)}</Text>
          </View>
        ))}
      </Section>

      <Section
        title="SLA 达成"
        id="an-sla"
        extra={
          <Text
            className="adm-link"
            id="an-sla-csv"
            onClick={() =>
              exportTable('SLA达成', [
                ['指标', '达成', '总数', '达成率'],
                ['首次响应', v.sla.firstResponse.hit, v.sla.firstResponse.total, pct(v.sla.firstResponse.rate)],
                ['解决', v.sla.resolution.hit, v.sla.resolution.total, pct(v.sla.resolution.rate)],
                ['整体', v.sla.overall.hit, v.sla.overall.total, pct(v.sla.overall.rate)],
              ])
            }
          >
            导出CSV
          </Text>
        }
      >
        <Bars
          rows={[
            { label: `首次响应 ${v.sla.firstResponse.hit}/${v.sla.firstResponse.total}`, value: Math.round((v.sla.firstResponse.rate ?? 0) * 1000) / 10 },
            { label: `解决 ${v.sla.resolution.hit}/${v.sla.resolution.total}`, value: Math.round((v.sla.resolution.rate ?? 0) * 1000) / 10 },
            { label: `整体 ${v.sla.overall.hit}/${v.sla.overall.total}`, value: Math.round((v.sla.overall.rate ?? 0) * 1000) / 10 },
          ]}
          format={(n) => `${n}%`}
        />
      </Section>

      <Section
        title={`售后支出（合计 ${yuan(v.money.totalFen)}）`}
        id="an-money"
        extra={
          <Text
            className="adm-link"
            id="an-money-csv"
            onClick={() =>
              exportTable('售后支出', [
                ['方案', '单数', '退款(元)', '补偿(元)', '优惠券(元)', '赠品(元)', '补发商品(元)', '合计(元)'],
                ...v.money.rows.map((r) => [r.label, r.cases, r.refundFen / 100, r.compensationFen / 100, r.couponFen / 100, r.giftFen / 100, r.replacementFen / 100, r.totalFen / 100]),
              ])
            }
          >
            导出CSV
          </Text>
        }
      >
        <Bars rows={v.money.rows.map((r) => ({ label: `${r.label}（${r.cases}单）`, value: r.totalFen }))} format={yuan} />
      </Section>

      <Section title={`满意度（平均 ${v.csat.average ?? '—'} 分）`} id="an-csat">
        <Bars rows={[5, 4, 3, 2, 1].map((s) => ({ label: `${s} 星`, value: v.csat.distribution[s - 1] }))} />
      </Section>

      {/* (absent from a function deployed before these figures existed) */}
      {v.followUps && <FollowUps v={v.followUps} exportTable={exportTable} />}
      {v.disputes && <Disputes v={v.disputes} />}
    </View>
  )
}

/** Platform disputes (纠纷单): opened, how they ended, answered before the platform's deadline. */
function Disputes({ v }: { v: DisputeStats }) {
  const ended = v.won + v.lost + v.closed
  return (
    <Section title="平台纠纷" id="an-disputes">
      <View className="adm-kpis">
        <Kpi id="kpi-disputes" label="纠纷单" value={String(v.opened)} />
        <Kpi id="kpi-disputes-won" label={`未判退款（${v.won}/${ended}）`} value={ended ? pct(v.won / ended) : '—'} />
        <Kpi id="kpi-disputes-intime" label={`截止前举证/留言（${v.answeredInTime}/${v.opened}）`} value={v.opened ? pct(v.answeredInTime / v.opened) : '—'} />
        <Kpi id="kpi-disputes-timeout" label="商家补充凭证超时" value={String(v.sellerTimeouts)} />
      </View>
      {v.opened > 0 ? (
        <Bars
          id="an-dispute-outcomes"
          rows={[
            { label: '进行中', value: v.open },
            { label: '未判退款', value: v.won },
            { label: '判退款给买家', value: v.lost },
            { label: '调解关闭', value: v.closed },
          ]}
        />
      ) : (
        <Empty id="an-disputes-empty" text="这段时间没有平台纠纷" />
      )}
    </Section>
  )
}

/** 差评 follow-up (count, reached out within the task's hours, reviews updated, how they closed) and 回访 outcomes. */
function FollowUps({ v, exportTable }: { v: FollowUpStats; exportTable(name: string, rows: (string | number)[][]): void }) {
  const o = v.outcomes
  const visits = v.visits
  return (
    <Section
      title="差评跟进与回访"
      id="an-followups"
      extra={
        <Text
          className="adm-link"
          id="an-followups-csv"
          onClick={() =>
            exportTable('差评跟进与回访', [
              ['指标', '数量', '总数', '比例'],
              ['差评', v.reviews, v.reviews, ''],
              ['24小时内跟进', v.onTime.hit, v.onTime.total, pct(v.onTime.rate)],
              ['买家追评/改评', v.updated.hit, v.updated.total, pct(v.updated.rate)],
              ['买家未改评', o.not_updated, v.reviews, ''],
              ['联系不上买家', o.unreachable, v.reviews, ''],
              ['跟进中', o.open, v.reviews, ''],
              ['回访：买家满意', visits.satisfied, visits.total, ''],
              ['回访：买家不满意', visits.not_satisfied, visits.total, ''],
              ['回访：联系不上', visits.unreachable, visits.total, ''],
            ])
          }
        >
          导出CSV
        </Text>
      }
    >
      <View className="adm-kpis">
        <Kpi id="kpi-reviews" label="差评" value={String(v.reviews)} />
        <Kpi id="kpi-review-ontime" label={`24小时内跟进（${v.onTime.hit}/${v.onTime.total}）`} value={pct(v.onTime.rate)} />
        <Kpi id="kpi-review-updated" label={`买家追评/改评（${v.updated.hit}/${v.updated.total}）`} value={pct(v.updated.rate)} />
        <Kpi id="kpi-visits" label="回访" value={String(visits.total)} />
      </View>
      {v.reviews > 0 && (
        <Bars
          id="an-review-outcomes"
          rows={[
            { label: '买家已追评/改评', value: o.updated },
            { label: '买家未改评', value: o.not_updated },
            { label: '联系不上买家', value: o.unreachable },
            { label: '跟进中', value: o.open },
          ]}
        />
      )}
      {visits.total > 0 ? (
        <Bars
          id="an-visits"
          rows={[
            { label: '回访：买家满意', value: visits.satisfied },
            { label: '回访：买家不满意', value: visits.not_satisfied },
            { label: '回访：联系不上', value: visits.unreachable },
          ]}
        />
      ) : (
        <Text className="adm-muted block">这段时间还没有记录回访</Text>
      )}
    </Section>
  )
}

function Kpi({ id, label, value }: { id: string; label: string; value: string }) {
  return (
    <View className="adm-kpi" id={id}>
      <Text className="adm-kpi__value">{value}</Text>
      <Text className="adm-kpi__label">{label}</Text>
    </View>
  )
}

function shiftDays(date: string, n: number): string {
  const t = new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000)
  return t.toISOString().slice(0, 10)
}

export default function AnalyticsPage() {
  const [refreshKey, setRefreshKey] = useState(0)
  usePullDownRefresh(() => setRefreshKey((k) => k + 1))
  const done = useCallback(() => Taro.stopPullDownRefresh(), [])
  return <StaffGate>{(me) => <AnalyticsScreen me={me} refreshKey={refreshKey} onRefreshed={done} />}</StaffGate>
}
