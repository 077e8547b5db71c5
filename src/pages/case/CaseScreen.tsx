import { useCallback, useEffect, useRef, useState } from 'react'
import Taro from '@tarojs/taro'
import { Button, Input, Text, Textarea, View } from '@tarojs/components'
import type { BuyerCommand, PublicPolicy } from '@contract/actions'
import type { BuyerCaseView, BuyerOffer } from '@contract/buyer-view'
import { FINAL_STATUSES, SHIPPING_PAYER_BUYER, type Evidence } from '@contract/domain'
import { api, type CommandData } from '../../api/aftersale'
import { newIdempotencyKey } from '../../api/client'
import { CaseDetails } from '../../components/CaseDetails'
import { EvidenceUploader } from '../../components/EvidenceUploader'
import { OfferCard } from '../../components/OfferCard'
import { ErrorView, Loading } from '../../components/States'
import { Tracker } from '../../components/Tracker'
import { ACTION_LABELS } from '../../utils/labels'
import { requestSubscriptions, subscriptionRefused } from '../../utils/subscribe'

type Panel = 'provide_info' | 'decline_offer' | 'ship_return' | 'rate' | 'appeal' | null

/** What the toast says once a command went through (weapp shows at most 7 characters with an icon). */
const DONE_TEXT: Record<BuyerCommand, string> = {
  provide_info: '已提交',
  accept_offer: '已接受方案',
  decline_offer: '已反馈给客服',
  ship_return: '物流信息已提交',
  confirm_receipt: '已确认收货',
  rate: '感谢您的评价',
  cancel: '已撤销申请',
  appeal: '已提交复核',
}

const SCORE_TEXT = ['', '非常不满意', '不满意', '一般', '满意', '非常满意']

function message(e: unknown): string {
  return (e as Error)?.message || '出错了，请稍后再试'
}

/**
 * Case detail for the buyer: the tracker, the offers, goods and money, and the commands the
 * function says this buyer may issue now (`view.actions`) — nothing else decides the buttons.
 */
export function CaseScreen({ caseId, refreshKey = 0 }: { caseId: string; refreshKey?: number }) {
  const [view, setView] = useState<BuyerCaseView | null>(null)
  const [loadError, setLoadError] = useState('')
  const [policy, setPolicy] = useState<PublicPolicy | null>(null)
  const [panel, setPanel] = useState<Panel>(null)
  const [busy, setBusy] = useState(false)
  const [actionError, setActionError] = useState('')
  const [refused, setRefused] = useState(subscriptionRefused)

  const [text, setText] = useState('')
  const [evidence, setEvidence] = useState<Evidence[]>([])
  const [uploading, setUploading] = useState(false)
  const [carrier, setCarrier] = useState('')
  const [trackingNo, setTrackingNo] = useState('')
  const [score, setScore] = useState(0)

  const inFlight = useRef(false)
  /** one key per pending command: a double tap or a retry repeats the same request */
  const keys = useRef<Partial<Record<BuyerCommand, string>>>({})
  const keyFor = (c: BuyerCommand) => (keys.current[c] ??= newIdempotencyKey())

  const load = useCallback(() => {
    setLoadError('')
    api
      .getCase(caseId)
      .then(setView)
      .catch((e) => setLoadError(message(e)))
  }, [caseId])

  useEffect(load, [load, refreshKey])
  useEffect(() => {
    api.getPolicy().then(setPolicy, () => undefined)
  }, [])

  const openPanel = (p: Panel) => {
    setActionError('')
    setText('')
    setEvidence([])
    setScore(0)
    setPanel((cur) => (cur === p ? null : p))
  }

  const run = async <C extends BuyerCommand>(type: C, data: CommandData[C]) => {
    if (!view || inFlight.current) return
    inFlight.current = true
    setBusy(true)
    setActionError('')
    try {
      const next = await api.command(type, view.id, data, { expectedVersion: view.version, idempotencyKey: keyFor(type) })
      delete keys.current[type]
      setView(next)
      setPanel(null)
      Taro.showToast({ title: DONE_TEXT[type], icon: 'success' }).catch(() => undefined)
    } catch (e) {
      const code = (e as { code?: string }).code
      if (code === 'CONFLICT' || code === 'NOT_ALLOWED_IN_STATUS') {
        // someone else moved the case: show it as it is now
        delete keys.current[type]
        load()
      }
      setActionError(message(e))
    } finally {
      inFlight.current = false
      setBusy(false)
    }
  }

  const subscribe = () => {
    const ids = policy?.templateIds.map((t) => t.templateId) ?? []
    return requestSubscriptions(ids).then((o) => {
      if (o !== 'skipped') setRefused(o === 'refused')
    })
  }

  const accept = (offer: BuyerOffer) => {
    if (inFlight.current) return
    // the subscription prompt must be opened from the tap itself
    const subscribed = subscribe()
    void subscribed.then(() => run('accept_offer', { offerId: offer.id }))
  }

  const confirmThen = async (title: string, content: string, go: () => void) => {
    const res = await Taro.showModal({ title, content, confirmText: '确定', cancelText: '再想想' })
    if (res.confirm) go()
  }

  if (loadError && !view) return <ErrorView message={loadError} onRetry={load} />
  if (!view) return <Loading />

  const can = (c: BuyerCommand) => (view.actions as string[]).includes(c)
  const offered = view.offers.filter((o) => o.status === 'offered')
  const acceptedOffer = view.offers.find((o) => o.status === 'accepted')
  const pastOffers = view.offers.filter((o) => o.status !== 'offered' && o.status !== 'accepted')
  const ended = FINAL_STATUSES.includes(view.status)
  const notNotified = refused || view.flags.buyerNotNotified
  const ret = view.returnShipment

  /** what the buyer can do now: right under the headline, above the history */
  const actNow = (
    <>
      {offered.length > 0 ? (
        <View className="card" id="offers">
          <Text className="section-title">{offered.length > 1 ? '商家给出的方案（任选其一）' : '商家给出的方案'}</Text>
          {offered.map((o) => (
            <OfferCard key={o.id} offer={o} orderItems={view.order.items} canAccept={can('accept_offer')} busy={busy} onAccept={accept} />
          ))}
        </View>
      ) : null}

      <View className="card" id="actions">
        {ret && ret.status === 'pending' && ret.pickup && can('ship_return') ? (
          <Text className="hint-text block" id="pickup-hint">
            商家已为您预约快递上门取件，请保持电话畅通；如已自行寄出，请填写物流单号。
          </Text>
        ) : null}
        <View className="btn-row">
          {can('provide_info') ? (
            <Button
              id="action-provide_info"
              // only a call to action when the shop asked for it; otherwise an optional extra
              className={`btn btn--small${view.status === 'awaiting_buyer' ? ' btn--primary' : ''}`}
              onClick={() => openPanel('provide_info')}
            >
              {ACTION_LABELS.provide_info}
            </Button>
          ) : null}
          {can('ship_return') ? (
            <Button id="action-ship_return" className="btn btn--primary btn--small" onClick={() => openPanel('ship_return')}>
              {ACTION_LABELS.ship_return}
            </Button>
          ) : null}
          {can('confirm_receipt') ? (
            <Button
              id="action-confirm_receipt"
              className="btn btn--primary btn--small"
              disabled={busy || undefined}
              onClick={() => confirmThen('确认收货', '确认已收到商家寄出的商品吗？', () => run('confirm_receipt', {}))}
            >
              {ACTION_LABELS.confirm_receipt}
            </Button>
          ) : null}
          {can('rate') ? (
            <Button id="action-rate" className="btn btn--primary btn--small" onClick={() => openPanel('rate')}>
              {ACTION_LABELS.rate}
            </Button>
          ) : null}
          {can('appeal') ? (
            <Button id="action-appeal" className="btn btn--ghost btn--small" onClick={() => openPanel('appeal')}>
              {ACTION_LABELS.appeal}
            </Button>
          ) : null}
          {can('decline_offer') && offered.length > 0 ? (
            <Button id="action-decline_offer" className="btn btn--small" onClick={() => openPanel('decline_offer')}>
              {ACTION_LABELS.decline_offer}
            </Button>
          ) : null}
          {can('cancel') ? (
            <Button
              id="action-cancel"
              className="btn btn--small"
              disabled={busy || undefined}
              onClick={() => confirmThen('撤销申请', '确定撤销这次售后申请吗？撤销后需要重新申请。', () => run('cancel', {}))}
            >
              {ACTION_LABELS.cancel}
            </Button>
          ) : null}
        </View>
        {view.rating ? (
          <View id="rating-info">
            <Text className="section-title">您的评价</Text>
            <Text className="rating-stars block">
              {'★'.repeat(view.rating.score)}
              {'☆'.repeat(Math.max(0, 5 - view.rating.score))}
            </Text>
            <Text className="muted block">{SCORE_TEXT[view.rating.score] ?? ''}</Text>
            {view.rating.comment ? <Text className="block gap">{view.rating.comment}</Text> : null}
          </View>
        ) : null}
        {view.actions.length === 0 ? (
          <Text className="muted block" id="no-actions">
            {ended ? (view.rating ? '感谢您的评价，本次售后已结束。' : '本次售后已结束。') : '目前不需要您操作，有进展会在这里更新。'}
          </Text>
        ) : null}

        {panel === 'provide_info' || panel === 'appeal' ? (
          <View id={`panel-${panel}`} className="gap">
            <Textarea
              id="panel-text"
              className="textarea"
              value={text}
              maxlength={1000}
              placeholder={panel === 'appeal' ? '请说明为什么不认同驳回结果' : '请补充商家需要的信息'}
              onInput={(e) => setText(e.detail.value ?? '')}
            />
            <EvidenceUploader idPrefix="panel-evidence" onChange={setEvidence} onBusyChange={setUploading} />
            <Button
              id="panel-submit"
              className="btn btn--primary btn--block"
              disabled={(busy || uploading) || undefined}
              onClick={() => {
                if (!text.trim()) return setActionError(panel === 'appeal' ? '请填写复核理由' : '请填写补充说明')
                void run(panel, { text: text.trim(), evidence })
              }}
            >
              提交
            </Button>
          </View>
        ) : null}

        {panel === 'decline_offer' ? (
          <View id="panel-decline_offer" className="gap">
            <Textarea
              id="panel-text"
              className="textarea"
              value={text}
              maxlength={1000}
              placeholder="可以告诉我们您希望怎么处理（选填）"
              onInput={(e) => setText(e.detail.value ?? '')}
            />
            <Button
              id="panel-submit"
              className="btn btn--block"
              disabled={busy || undefined}
              onClick={() => void run('decline_offer', { offerId: offered.length === 1 ? offered[0].id : undefined, text: text.trim() || undefined })}
            >
              确认不接受
            </Button>
          </View>
        ) : null}

        {panel === 'ship_return' ? (
          <View id="panel-ship_return" className="gap">
            {ret ? (
              <Text className="muted block" id="return-hint">
                请寄回：{ret.items.map((i) => `${view.order.items.find((o) => o.skuId === i.skuId)?.name ?? i.skuId} ×${i.qty}`).join('、')}
                {`（运费由${SHIPPING_PAYER_BUYER[ret.shippingPaidBy]}承担）`}，寄出后填写下面的物流信息。
              </Text>
            ) : null}
            {policy?.returnAddress ? (
              <View id="return-address" className="card card--inset">
                <Text className="field-label block">寄回地址</Text>
                <Text className="block" selectable>
                  {policy.returnAddress.name} {policy.returnAddress.phone}
                </Text>
                <Text className="block" selectable>
                  {policy.returnAddress.address}
                </Text>
                <Button
                  className="btn btn--small"
                  onClick={() => {
                    const a = policy.returnAddress!
                    Taro.setClipboardData({ data: `${a.name} ${a.phone} ${a.address}` }).catch(() => undefined)
                  }}
                >
                  复制地址
                </Button>
              </View>
            ) : (
              <Text className="muted block">商家尚未设置寄回地址，请先联系客服确认后再寄出。</Text>
            )}
            <Text className="field-label">快递公司</Text>
            <Input id="carrier" className="input field" value={carrier} maxlength={40} placeholder="如 顺丰速运" onInput={(e) => setCarrier(e.detail.value ?? '')} />
            <Text className="field-label">快递单号</Text>
            <Input id="tracking" className="input field" value={trackingNo} maxlength={40} placeholder="请填写快递单号" onInput={(e) => setTrackingNo(e.detail.value ?? '')} />
            <Button
              id="panel-submit"
              className="btn btn--primary btn--block"
              disabled={busy || undefined}
              onClick={() => {
                if (!carrier.trim() || !trackingNo.trim()) return setActionError('请填写快递公司和快递单号')
                void run('ship_return', { carrier: carrier.trim(), trackingNo: trackingNo.trim() })
              }}
            >
              提交物流信息
            </Button>
          </View>
        ) : null}

        {panel === 'rate' ? (
          <View id="panel-rate" className="gap">
            <View className="stars">
              {[1, 2, 3, 4, 5].map((n) => (
                <Text key={n} id={`star-${n}`} className={n <= score ? 'star--on' : ''} onClick={() => setScore(n)}>
                  ★
                </Text>
              ))}
            </View>
            <Text className="muted block" id="score-text">
              {score > 0 ? SCORE_TEXT[score] : '点星星为本次服务打分（1到5星）'}
            </Text>
            <Textarea
              id="panel-text"
              className="textarea field"
              value={text}
              maxlength={500}
              placeholder="说说这次售后服务的体验（选填）"
              onInput={(e) => setText(e.detail.value ?? '')}
            />
            <Button
              id="panel-submit"
              className="btn btn--primary btn--block"
              disabled={busy || undefined}
              onClick={() => {
                if (score < 1) return setActionError('请先选择1到5星')
                void run('rate', { score, comment: text.trim() })
              }}
            >
              提交评价
            </Button>
          </View>
        ) : null}

        {actionError ? (
          <Text className="error-text" id="action-error">
            {actionError}
          </Text>
        ) : null}
      </View>
    </>
  )

  return (
    <View id="case-screen">
      <Tracker view={view} reasonLabel={(code) => policy?.reasons.find((r) => r.code === code)?.label ?? ''}>
        {actNow}
      </Tracker>

      {acceptedOffer ? (
        <View className="card" id="accepted-offer">
          <Text className="section-title">{view.timeline.some((e) => e.type === 'accept_offer' && e.actor.kind === 'buyer') ? '您接受的方案' : '商家同意的处理方案'}</Text>
          <OfferCard offer={acceptedOffer} orderItems={view.order.items} canAccept={false} />
        </View>
      ) : null}

      {pastOffers.length > 0 ? (
        <View className="card" id="past-offers">
          <Text className="section-title">历史方案</Text>
          {pastOffers.map((o) => (
            <OfferCard key={o.id} offer={o} orderItems={view.order.items} canAccept={false} />
          ))}
        </View>
      ) : null}

      <CaseDetails view={view} />

      {notNotified ? (
        <Text className="quiet-hint" id="not-notified">
          您未开启消息通知，进度有更新时不会提醒您，记得回来看看。
        </Text>
      ) : null}
    </View>
  )
}
