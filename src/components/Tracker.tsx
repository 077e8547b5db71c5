import type { ReactNode } from 'react'
import { Text, View } from '@tarojs/components'
import type { BuyerCaseView } from '@contract/buyer-view'
import { CASE_TYPE_LABELS, REASON_DEFAULTS, STATUS_LABELS, type ReasonCode } from '@contract/domain'
import { ACTOR_LABELS } from '../utils/labels'
import { formatShort } from '../utils/time'
import { Countdown } from './Countdown'
import { StatusBadge } from './StatusBadge'

/**
 * The buyer's progress tracker: where the case stands, what happens next (and who must act, by
 * when), and every step so far in plain words with the current one highlighted. `children` (what
 * the buyer can do now: offers, buttons) go right under the headline, above the history.
 */
export function Tracker({ view, reasonLabel, children }: { view: BuyerCaseView; reasonLabel?: (code: ReasonCode) => string; children?: ReactNode }) {
  // the server sends only the entries a buyer may see
  const steps = view.timeline
    .slice()
    .sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0))
  // a shop after-sale keeps the platform's words for the reason
  const reason = view.reasonText || (reasonLabel?.(view.reason) ?? REASON_DEFAULTS[view.reason]?.label ?? view.reason)
  // a shop after-sale is the buyer's own application (imported by the system), never the seller reaching out
  const sellerOpened = view.source !== 'channels' && view.timeline.some((e) => e.type === 'opened' && e.actor.kind !== 'buyer')
  const { next } = view
  // the headline is what the buyer bought, not the kind of claim
  const first = view.order.items.find((i) => i.skuId === view.claimedItems[0]?.skuId)
  const product = first ? (view.claimedItems.length > 1 ? `${first.name} 等${view.claimedItems.length}件` : first.name) : CASE_TYPE_LABELS[view.type]
  return (
    <View id="tracker">
      <View className="card">
        <View className="row">
          <Text className="section-title" id="case-product">
            {product}
          </Text>
          <StatusBadge id="case-status" status={view.status} sellerOpened={sellerOpened} />
        </View>
        <Text className="muted block">售后单号 {view.caseNo}</Text>
        <Text className="muted block">
          {CASE_TYPE_LABELS[view.type]} · 原因：{reason}
        </Text>
      </View>

      {next.text ? (
        <View className="card next" id="next-step">
          {ACTOR_LABELS[next.actor] ? <Text className="next__who">{ACTOR_LABELS[next.actor]}</Text> : null}
          <Text id="next-text" className="next__text">
            {next.text}
          </Text>
          {next.dueAt ? <Countdown id="next-due" dueAt={next.dueAt} side={next.actor === 'seller' ? 'seller' : 'buyer'} /> : null}
        </View>
      ) : null}

      {children}

      <View className="card timeline" id="timeline">
        <Text className="section-title">处理进度</Text>
        {steps.map((e, i) => (
          <View key={e.id} id={i === 0 ? 'step-current' : undefined} className={`tl-item${i === 0 ? ' tl-item--current' : ''}`}>
            <View className="tl-dot" />
            {i < steps.length - 1 ? <View className="tl-line" /> : null}
            <Text className="tl-title">{e.type === 'opened' ? (sellerOpened ? '商家主动联系您' : view.source === 'channels' ? '您的售后申请' : STATUS_LABELS[e.toStatus]) : STATUS_LABELS[e.toStatus]}</Text>
            {e.text ? <Text className="tl-text">{e.text}</Text> : null}
            <Text className="tl-time">{formatShort(e.at)}</Text>
          </View>
        ))}
      </View>
    </View>
  )
}
