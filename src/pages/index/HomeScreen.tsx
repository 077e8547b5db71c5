import { useCallback, useEffect, useState } from 'react'
import Taro from '@tarojs/taro'
import { Button, Text, View } from '@tarojs/components'
import type { OrderView } from '@contract/actions'
import type { BuyerCaseSummary as CaseSummary } from '@contract/buyer-view'
import { CASE_TYPE_LABELS } from '@contract/domain'
import { Empty, ErrorView, Loading } from '../../components/States'
import { StatusBadge } from '../../components/StatusBadge'
import { api } from '../../api/aftersale'
import { formatYuan } from '../../utils/money'
import { formatDate, formatShort, formatTime } from '../../utils/time'

const go = (url: string) => Taro.navigateTo({ url }).catch(() => undefined)

/** Home: the buyer's after-sales cases first, then their orders with a way in to a new case. */
export function HomeScreen({ refreshKey = 0 }: { refreshKey?: number }) {
  const [state, setState] = useState<'loading' | 'ready' | 'error'>('loading')
  const [error, setError] = useState('')
  const [orders, setOrders] = useState<OrderView[]>([])
  const [cases, setCases] = useState<CaseSummary[]>([])
  const [cursor, setCursor] = useState<string | null>(null)
  const [more, setMore] = useState(false)

  const load = useCallback(() => {
    setError('')
    Promise.all([api.listOrders(), api.listCases(null)])
      .then(([o, c]) => {
        setOrders(o)
        setCases(c.items)
        setCursor(c.next)
        setState('ready')
      })
      .catch((e) => {
        setError((e as Error).message)
        setState((s) => (s === 'ready' ? s : 'error'))
      })
  }, [])

  useEffect(load, [load, refreshKey])

  const loadMore = () => {
    if (!cursor || more) return
    setMore(true)
    api
      .listCases(cursor)
      .then((c) => {
        setCases((xs) => [...xs, ...c.items])
        setCursor(c.next)
      })
      .catch((e) => setError((e as Error).message))
      .finally(() => setMore(false))
  }

  if (state === 'loading') return <Loading />
  if (state === 'error') return <ErrorView message={error} onRetry={load} />

  return (
    <View id="home">
      <View className="row">
        <Text className="section-title">我的售后</Text>
        <Text className="link" id="policy-link" onClick={() => go('/pages/policy/index')}>
          售后政策 ›
        </Text>
      </View>
      {error ? <Text className="error-text">{error}</Text> : null}
      {cases.length === 0 ? (
        <View className="card">
          <Empty id="cases-empty" text="还没有售后申请，商品有问题可以在下方订单中申请售后" />
        </View>
      ) : (
        cases.map((c) => (
          <View key={c.id} className="card" id={`case-${c.id}`} onClick={() => go(`/pages/case/index?id=${encodeURIComponent(c.id)}`)}>
            <View className="row">
              <Text className="block">{c.title || CASE_TYPE_LABELS[c.type]}</Text>
              <StatusBadge status={c.status} />
            </View>
            {c.next.text ? (
              <Text className={`block gap small${c.next.actor === 'buyer' ? ' hint-text' : ''}`}>
                {c.next.text}
                {c.next.actor === 'buyer' && c.next.dueAt ? `（${formatShort(c.next.dueAt)}前）` : ''}
              </Text>
            ) : null}
            <Text className="muted block gap">
              {CASE_TYPE_LABELS[c.type]} · {c.caseNo} · 更新于 {formatShort(c.updatedAt)}
            </Text>
          </View>
        ))
      )}
      {cursor ? (
        <Button id="more-cases" className="btn btn--small btn--block" disabled={more || undefined} onClick={loadMore}>
          {more ? '加载中…' : '加载更多'}
        </Button>
      ) : null}

      <Text className="section-title gap">我的订单</Text>
      {orders.length === 0 ? (
        <View className="card">
          <Empty id="orders-empty" text="暂无订单" />
        </View>
      ) : (
        orders.map(({ order, openCaseIds, hints }) => (
          <View key={order.orderId} className="card" id={`order-${order.orderId}`}>
            {order.items.map((i) => (
              <View key={i.skuId} className="row">
                <Text>{i.name}</Text>
                <Text className="muted">
                  {formatYuan(i.unitPriceFen)} ×{i.qty}
                </Text>
              </View>
            ))}
            <Text className="muted block gap">
              订单 {order.orderId} · 实付 {formatYuan(order.paidFen)} · {formatTime(order.paidAt)}
            </Text>
            <Text className="muted block" id={`ship-${order.orderId}`}>
              {shippingLine(order)}
            </Text>
            {hints.map((h) => (
              <Text key={h} className="hint-text">
                {h}
              </Text>
            ))}
            <View className="btn-row">
              {openCaseIds.length > 0 ? (
                <Button className="btn btn--small" onClick={() => go(`/pages/case/index?id=${encodeURIComponent(openCaseIds[0])}`)}>
                  查看售后进度
                </Button>
              ) : null}
              <Button
                id={`apply-${order.orderId}`}
                className="btn btn--ghost btn--small"
                onClick={() => go(`/pages/new/index?orderId=${encodeURIComponent(order.orderId)}`)}
              >
                申请售后
              </Button>
            </View>
          </View>
        ))
      )}
    </View>
  )
}

/** Where the parcel is, in the buyer's words (signed / on the way / not shipped yet). */
function shippingLine(order: OrderView['order']): string {
  if (order.deliveredAt) return `已签收 ${formatDate(order.deliveredAt)}`
  if (order.shippedAt) return `运输中 · ${order.carrier ?? '快递'}${order.trackingNo ? ` ${order.trackingNo}` : ''} · ${formatDate(order.shippedAt)} 发货`
  return '待发货'
}
