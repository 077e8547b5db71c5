import { useCallback, useEffect, useState } from 'react'
import Taro from '@tarojs/taro'
import { Image, Text, Video, View } from '@tarojs/components'
import type { CaseView } from '@contract/actions'
import { CASE_SOURCE_LABELS, CASE_TYPE_LABELS, REASON_DEFAULTS, SHIPPING_PAYER_STAFF, caseSourceOf, orderFreightInsurance, type Offer } from '@contract/domain'
import type { Policy } from '@contract/policy'
import { adminApi, type CaseDetail, type Me } from '../api'
import { OFFER_KIND_LABELS, RULE_LABELS, SEVERITY_LABELS, STAFF_NEXT, STAFF_NEXT_PLATFORM, STAFF_STATUS, TEAM_LABELS } from '../labels'
import { fmtShort, fmtTime, mediaUrl, yuan } from '../format'
import { Empty, ErrorView, Loading, Section, SlaBadge, messageOf, useStaffNames } from '../ui'
import { BuyerPreferencesView, LinkedCaseLink, LoopPanel } from './LoopPanel'
import { ActionBar } from './ActionBar'
import { PlatformPanel } from './PlatformPanel'
import { DisputePanel } from './DisputePanel'
import { BuyerTrust } from './BuyerTrust'
import { ExchangeDifferenceRow, legShopText, refundStatusText } from './ShopMoney'

type State = { kind: 'loading' } | { kind: 'error'; message: string } | { kind: 'ok'; c: CaseDetail }

const OFFER_STATUS: Record<Offer['status'], string> = {
  suggested: '系统建议',
  offered: '待买家确认',
  accepted: '买家已接受',
  declined: '买家已拒绝',
  expired: '已过期',
  withdrawn: '已撤回',
}

const ACTOR: Record<string, string> = { buyer: '买家', staff: '客服', system: '系统' }

/**
 * One case for staff: order and items, buyer history, evidence, engine suggestions with their
 * explanations, return / inspection / refunds / shipments, the full timeline (internal notes
 * marked 内部备注) and the action bar driven by the case's `actions`.
 */
const isAutoRule = (x: unknown): x is { name: string; why: string } =>
  typeof x === 'object' && x !== null && typeof (x as { name?: unknown }).name === 'string' && typeof (x as { why?: unknown }).why === 'string'

export function CaseScreen({ caseId, me, refreshKey = 0, onRefreshed }: { caseId: string; me: Me; refreshKey?: number; onRefreshed?: () => void }) {
  const [state, setState] = useState<State>({ kind: 'loading' })
  const [policy, setPolicy] = useState<Policy | null>(null)
  const staffName = useStaffNames()

  const load = useCallback(() => {
    if (!caseId) return setState({ kind: 'error', message: '缺少售后单号' })
    setState((s) => (s.kind === 'ok' ? s : { kind: 'loading' }))
    adminApi
      .getCase(caseId)
      .then(
        (c) => setState({ kind: 'ok', c }),
        (e: unknown) => setState({ kind: 'error', message: messageOf(e) }),
      )
      .finally(() => onRefreshed?.())
  }, [caseId, onRefreshed])

  useEffect(load, [load, refreshKey])
  useEffect(() => {
    adminApi.getPolicy().then(
      (p) => setPolicy(p.policy),
      () => {},
    )
  }, [])

  if (state.kind === 'loading') return <Loading />
  if (state.kind === 'error') return <ErrorView message={state.message} onRetry={load} />
  const c = state.c
  const reasonLabels: Record<string, string> = Object.fromEntries(
    Object.entries(REASON_DEFAULTS).map(([k, v]) => [k, policy?.reasons.find((r) => r.code === k)?.label ?? v.label]),
  )
  const onUpdated = (v: CaseView) => {
    // commands answer with the case view; keep the buyer history from the last full load
    setState({ kind: 'ok', c: { ...v, buyerHistory: c.buyerHistory, refundableFen: c.refundableFen, linkedCases: c.linkedCases } })
    load()
  }
  const suggestions = c.offers.filter((o) => o.status === 'suggested')
  const otherOffers = c.offers.filter((o) => o.status !== 'suggested')
  // a shop after-sale names its reason in the platform's words (「不想要了」, not 「其他」)
  const reasonOf = c.platform?.reasonText || (reasonLabels[c.reason] ?? c.reason)
  // the buyer's photos and videos: uploaded here, or on the shop and fetched with the case
  const evidence = [...c.evidence, ...(c.platform?.media ?? [])]
  const platformPending = (c.platform?.mediaIds.length ?? 0) - (c.platform?.media?.length ?? 0)
  // files that are not the desk's own (mediaUrl answers '') are never loaded
  const images = evidence.filter((e) => e.kind === 'image' && mediaUrl(e.fileId))
  const videos = evidence.filter((e) => e.kind === 'video' && mediaUrl(e.fileId))
  const claimed = c.claimedItems.map((ci) => ({ ...ci, item: c.order.items.find((i) => i.skuId === ci.skuId) }))
  const flags = [
    c.flags.escalated && '已升级',
    c.flags.risk && '退款风险',
    c.flags.negativeReview && '差评',
    c.flags.refundFailed && '退款失败',
    c.flags.trusted && '老客户',
    c.flags.warehouseCheck && '仓库核查',
  ].filter(Boolean) as string[]

  return (
    <View className="adm-page" id="adm-case">
      <Section
        title={`售后单 ${c.caseNo}`}
        extra={<SlaBadge sla={c.sla.report} />}
        id="case-head"
      >
        <View className="adm-card__meta">
          <Text className={`adm-tag adm-tag--src-${caseSourceOf(c)}`} id="case-source">
            {CASE_SOURCE_LABELS[caseSourceOf(c)]}
          </Text>
          <Text className={`adm-tag adm-tag--${c.severity}`}>{SEVERITY_LABELS[c.severity]}</Text>
          <Text className="adm-tag" id="case-status">
            {STAFF_STATUS[c.status]}
          </Text>
          {flags.map((f) => (
            <Text key={f} className="adm-tag adm-tag--esc">
              {f}
            </Text>
          ))}
        </View>
        <View className="adm-row">
          <Text className="adm-row__k">类型 / 原因</Text>
          <Text>
            {CASE_TYPE_LABELS[c.type]} · <Text id="case-reason">{reasonOf}</Text>
          </Text>
        </View>
        <View className="adm-row">
          <Text className="adm-row__k">处理组 / 处理人</Text>
          <Text>
            {TEAM_LABELS[c.team]} · {c.assigneeId ? staffName(c.assigneeId) : '未分配'}
          </Text>
        </View>
        {c.routingNote && (
          <View className="adm-row">
            <Text className="adm-row__k">分配说明</Text>
            <Text>{c.routingNote}</Text>
          </View>
        )}
        <View className="adm-row">
          <Text className="adm-row__k">下一步</Text>
          <Text id="case-next">
            {c.status === 'awaiting_return' && c.returnShipment?.pickup ? '等待快递上门取件' : ((c.platform && STAFF_NEXT_PLATFORM[c.status]) || STAFF_NEXT[c.status])}
            {c.next.dueAt ? `（${fmtShort(c.next.dueAt)}前）` : ''}
          </Text>
        </View>
        <View className="adm-row">
          <Text className="adm-row__k">提交时间</Text>
          <Text>
            {fmtTime(c.createdAt)} · 策略 v{c.policyVersion}
          </Text>
        </View>
        {c.description && <Text className="adm-card__title">买家描述：{c.description}</Text>}
        {(c.linkedCases ?? []).length > 0 && (
          <View className="adm-row adm-row--stack" id="case-linked">
            <Text className="adm-row__k">关联售后单</Text>
            {(c.linkedCases ?? []).map((l) => (
              <LinkedCaseLink key={l.id} id="head" linked={l} />
            ))}
          </View>
        )}
      </Section>

      <PlatformPanel view={c} onUpdated={onUpdated} />
      <DisputePanel view={c} onUpdated={onUpdated} />

      <Section title="订单与商品" id="case-order">
        <View className="adm-row">
          <Text className="adm-row__k">订单号</Text>
          <Text>{c.order.orderId}</Text>
        </View>
        <View className="adm-row">
          <Text className="adm-row__k">实付</Text>
          <Text>{yuan(c.order.paidFen)}</Text>
        </View>
        {c.order.carrier && (
          <View className="adm-row">
            <Text className="adm-row__k">物流</Text>
            <Text>
              {c.order.carrier} {c.order.trackingNo}
            </Text>
          </View>
        )}
        <FreightInsuranceRow view={c} />
        <View className="adm-row">
          <Text className="adm-row__k">发货 / 签收</Text>
          <Text>
            {fmtShort(c.order.shippedAt) || '未发货'} / {fmtShort(c.order.deliveredAt) || '未签收'}
          </Text>
        </View>
        {c.order.items.map((i) => (
          <View className="adm-row" key={i.skuId}>
            <Text>
              {i.name} ×{i.qty}
              {i.batch ? ` · 批次${i.batch}` : ''}
              {i.finalSale ? ' · 不支持7天无理由' : ''}
            </Text>
            <Text>{yuan(i.unitPriceFen)}</Text>
          </View>
        ))}
        <Text className="adm-muted">申请售后：{claimed.map((x) => `${x.item?.name ?? x.skuId} ×${x.qty}`).join('，')}</Text>
      </Section>

      <Section title="买家历史" id="case-history">
        <View className="adm-row">
          <Text className="adm-row__k">90天内退款</Text>
          <Text id="history-refunds">{c.buyerHistory.refundCount90d} 次</Text>
        </View>
        <View className="adm-row">
          <Text className="adm-row__k">专属客服</Text>
          <Text>{c.buyerHistory.dedicatedRepId ? staffName(c.buyerHistory.dedicatedRepId) : '无'}</Text>
        </View>
        {/* what the buyer asked for in a 回访 on any of their cases: read before contacting them */}
        <BuyerPreferencesView preferences={c.buyerHistory.preferences} />
        <BuyerTrust buyerOpenid={c.buyerOpenid} history={c.buyerHistory} me={me} onChanged={load} />
        {c.buyerHistory.pastCases.length === 0 && <Text className="adm-muted">没有其他售后记录</Text>}
        {c.buyerHistory.pastCases.map((p) => (
          <View className="adm-row adm-row--stack" key={p.id} id={`past-${p.id}`} onClick={() => Taro.navigateTo({ url: `/admin/case/index?id=${encodeURIComponent(p.id)}` })}>
            <Text>
              {p.caseNo} {p.title}
            </Text>
            <Text className="adm-muted">
              {reasonLabels[p.reason] ?? p.reason} · {STAFF_STATUS[p.status]} · {fmtShort(p.createdAt)}
            </Text>
          </View>
        ))}
      </Section>

      <Section title={`凭证（${evidence.length}）`} id="case-evidence">
        {evidence.length === 0 && platformPending <= 0 && <Text className="adm-muted">买家未上传凭证</Text>}
        {platformPending > 0 && <Text className="adm-muted" id="evidence-pending">买家在视频号小店上传的{platformPending}个图片/视频正在取回，稍后刷新</Text>}
        {(c.platform?.media?.length ?? 0) > 0 && <Text className="adm-muted">含买家在视频号小店上传的{c.platform?.media?.length}个</Text>}
        <View className="adm-evidence">
          {images.map((e) => (
            <Image
              key={e.fileId}
              className="adm-evidence__img"
              src={mediaUrl(e.fileId)}
              mode="aspectFill"
              onClick={() => Taro.previewImage({ current: mediaUrl(e.fileId), urls: images.map((x) => mediaUrl(x.fileId)) })}
            />
          ))}
          {videos.map((e) => (
            <Video key={e.fileId} className="adm-evidence__video" src={mediaUrl(e.fileId)} controls />
          ))}
        </View>
      </Section>

      <Section title="系统建议方案" id="case-suggestions">
        {suggestions.length === 0 && <Text className="adm-muted">暂无建议</Text>}
        {suggestions.map((o) => (
          <OfferRow key={o.id} o={o} />
        ))}
      </Section>

      {otherOffers.length > 0 && (
        <Section title="已给出的方案" id="case-offers">
          {otherOffers.map((o) => (
            <OfferRow key={o.id} o={o} />
          ))}
        </Section>
      )}

      {(c.returnShipment || c.inspection || c.refunds.length > 0 || c.replacementShipments.length > 0 || c.platform?.exchange) && (
        <Section title="退货 / 验货 / 退款 / 发货" id="case-legs">
          <ExchangeDifferenceRow view={c} />
          {c.returnShipment && (
            <View className="adm-row">
              <Text className="adm-row__k">退货</Text>
              <Text>
                {{ pending: '待寄回', shipped: '寄回中', received: '已收到' }[c.returnShipment.status]}
                {c.returnShipment.pickup ? ' · 上门取件' : ''}
                {c.returnShipment.trackingNo ? ` · ${c.returnShipment.carrier ?? ''} ${c.returnShipment.trackingNo}` : ''}
                {` · 运费${SHIPPING_PAYER_STAFF[c.returnShipment.shippingPaidBy]}承担`}
              </Text>
            </View>
          )}
          {c.inspection && (
            <View>
              <View className="adm-row">
                <Text className="adm-row__k">验货</Text>
                <Text>
                  {c.inspection.result === 'pass' ? '通过' : '不通过'} · {c.inspection.note}
                </Text>
              </View>
              <View className="adm-evidence">
                {c.inspection.photos.filter((p) => mediaUrl(p)).map((p) => (
                  <Image key={p} className="adm-evidence__img" src={mediaUrl(p)} mode="aspectFill" />
                ))}
              </View>
            </View>
          )}
          {c.refunds.map((r) => (
            <View className="adm-row" key={r.key}>
              <Text className="adm-row__k">{r.purpose === 'refund' ? '退款' : '补偿'}</Text>
              <Text>
                {yuan(r.amountFen)} · {refundStatusText(r)}
              </Text>
            </View>
          ))}
          {c.replacementShipments.map((s) => (
            <View className="adm-row" key={s.id}>
              <Text className="adm-row__k">{s.early ? '先发换货' : '补发/换货'}</Text>
              <Text>
                {s.trackingNo ? `${s.carrier ?? ''} ${s.trackingNo}` : '待发货'}
                {legShopText(s)}
              </Text>
            </View>
          ))}
        </Section>
      )}

      {c.rating && (
        <Section title="买家评价" id="case-rating">
          <Text>
            {'★'.repeat(c.rating.score)}
            {'☆'.repeat(5 - c.rating.score)} {c.rating.comment}
          </Text>
        </Section>
      )}

      <LoopPanel
        view={c}
        reasonLabel={reasonOf}
        replyDrafts={policy?.loop.replyDrafts ?? {}}
        onUpdated={onUpdated}
        linkedCases={c.linkedCases ?? []}
        preferences={c.buyerHistory.preferences}
      />

      <Section title="处理记录" id="case-timeline">
        {c.timeline.length === 0 && <Empty text="暂无记录" />}
        {[...c.timeline].reverse().map((t) => (
          <View key={t.id} className={`adm-tl${t.internal ? ' adm-tl--internal' : ''}`} id={`tl-${t.id}`}>
            <View>
              {t.internal && <Text className="adm-tag adm-tag--internal">内部备注</Text>}
              <Text className="adm-muted">
                {fmtShort(t.at)} · {ACTOR[t.actor.kind] ?? t.actor.kind}
                {t.actor.kind === 'staff' ? ` ${staffName(t.actor.id)}` : ''}
                {t.fromStatus && t.fromStatus !== t.toStatus ? ` · ${STAFF_STATUS[t.fromStatus]} → ${STAFF_STATUS[t.toStatus]}` : ''}
              </Text>
            </View>
            <Text>{t.text}</Text>
            {/* staff-only: what the decision changed from the engine's remedy, and an approval behind it */}
            {/* staff-only: the owner's auto-decision rule that decided, and why (issue #24) */}
            {isAutoRule(t.data?.autoRule) && (
              <Text className="adm-muted block" id={`tl-rule-${t.id}`}>
                自动处理规则「{t.data.autoRule.name}」：{t.data.autoRule.why}
              </Text>
            )}
            {typeof t.data?.autoRuleMiss === 'string' && (
              <Text className="adm-muted block" id={`tl-rule-miss-${t.id}`}>
                未自动处理：{t.data.autoRuleMiss}
              </Text>
            )}
            {typeof t.data?.change === 'string' && (
              <Text className="adm-muted block" id={`tl-change-${t.id}`}>
                调整：{t.data.change}
              </Text>
            )}
            {/* a 回访 / 差评 remedy that opened a case: staff open it from here */}
            {typeof t.data?.linkedCaseId === 'string' && (
              <LinkedCaseLink
                id={`tl-${t.id}`}
                linked={(c.linkedCases ?? []).find((l) => l.id === t.data?.linkedCaseId) ?? { id: t.data.linkedCaseId, purpose: t.type === 'record_visit' ? 'visit' : 'review' }}
              />
            )}
            {t.type === 'decide_approval' && t.data?.decision === 'approved' && (
              <Text className="adm-muted block">
                主管已批准{typeof t.data.approvedFen === 'number' ? ` ${yuan(t.data.approvedFen)}` : ''}
                {typeof t.data.approvalNote === 'string' ? `：${t.data.approvalNote}` : ''}
              </Text>
            )}
          </View>
        ))}
      </Section>

      <ActionBar
        view={c}
        me={me}
        cannedReplies={policy?.cannedReplies ?? {}}
        reasonLabels={reasonLabels}
        approvalThresholdFen={policy?.compensation.approvalThresholdFen}
        onUpdated={onUpdated}
      />
    </View>
  )
}

function OfferRow({ o }: { o: Offer }) {
  const money = [
    o.refundFen > 0 && `退款${yuan(o.refundFen)}`,
    o.compensationFen > 0 && `补偿${yuan(o.compensationFen)}`,
    o.couponFen > 0 && `优惠券${yuan(o.couponFen)}`,
    o.giftValueFen > 0 && `赠品${yuan(o.giftValueFen)}`,
    // items move goods only for these kinds (a refund's items are just what it covers)
    o.items.length > 0 && (o.kind === 'resend' || o.kind === 'exchange') && `发货${o.items.reduce((s, i) => s + i.qty, 0)}件`,
    o.items.length > 0 && (o.kind === 'return_refund' || o.kind === 'exchange') && `寄回${o.items.reduce((s, i) => s + i.qty, 0)}件`,
    o.pickup && '上门取件',
  ].filter(Boolean)
  return (
    <View className="adm-offer" id={`offer-${o.id}`}>
      <View className="adm-row">
        <Text>
          {OFFER_KIND_LABELS[o.kind] ?? o.kind} {money.join(' · ')}
        </Text>
        <Text className="adm-muted">
          {o.status === 'accepted' && o.rule === 'approved_request' ? '商家已同意' : OFFER_STATUS[o.status]}
          {o.needsSupervisor && (o.status === 'suggested' || o.status === 'offered') ? ' · 需主管审批' : ''}
        </Text>
      </View>
      <Text className="adm-muted">
        {o.explanation}（规则：{RULE_LABELS[o.rule] ?? o.rule}）
      </Text>
    </View>
  )
}

/** 运费险 on the order, and on a shop after-sale whether the platform's insurance pays the return (issue 21). */
export function FreightInsuranceRow({ view }: { view: Pick<CaseView, 'order' | 'platform'> }) {
  const has = orderFreightInsurance(view.order)
  const p = view.platform
  return (
    <>
      <View className="adm-row" id="order-freight-insurance">
        <Text className="adm-row__k">运费险</Text>
        <Text>{has === null ? '订单未提供' : has ? '有（退货运费由运费险承担，买家无需支付）' : '无'}</Text>
      </View>
      {p && (
        <View className="adm-row" id="platform-freight-insurance">
          <Text className="adm-row__k">平台退货运费</Text>
          <Text>
            {p.refundByInsurance ? '由运费险出资' : '平台未标注由运费险出资'}
            {p.lowPriceInsuranceRefund ? ' · 小额保障退款' : ''}
          </Text>
        </View>
      )}
    </>
  )
}
