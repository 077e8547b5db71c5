import { useCallback, useEffect, useRef, useState } from 'react'
import Taro from '@tarojs/taro'
import { Button, Text, View } from '@tarojs/components'
import { ALERT_AMOUNT_LABELS, ALERT_DUE_LABELS, STAFF_ALERT_LABELS, unreadLabel, type InboxItem } from '@contract/alerts'
import { adminApi, type Me } from '../api'
import { fmtShort, yuan } from '../format'
import { Chip, Empty, ErrorView, Loading, messageOf } from '../ui'
import { requestSubscriptions } from '../../utils/subscribe'

type Load = { kind: 'loading' } | { kind: 'error'; message: string } | { kind: 'ok' }

const PAGE = 20
/** How often an open inbox looks for new entries. */
export const INBOX_PEEK_MS = 30_000

/**
 * The staff member's own alerts, newest first: unread ones marked, a tap marks one read and opens
 * its case, 全部已读 clears the count. 开启微信提醒 asks WeChat for one push per tap (one-time
 * subscription), like the buyer's subscriptions.
 */
export function InboxScreen({ me, refreshKey = 0, bottomKey = 0, onRefreshed }: { me: Me; refreshKey?: number; bottomKey?: number; onRefreshed?: () => void }) {
  const [items, setItems] = useState<InboxItem[]>([])
  const [next, setNext] = useState<string | null>(null)
  const [unread, setUnread] = useState(0)
  const [unreadOnly, setUnreadOnly] = useState(false)
  const [load, setLoad] = useState<Load>({ kind: 'loading' })
  const [busy, setBusy] = useState(false)
  const [templateId, setTemplateId] = useState<string | null>(null)
  const seq = useRef(0)

  useEffect(() => {
    adminApi.getPolicy().then(
      (p) => setTemplateId(p.policy.staffAlerts.template.templateId),
      () => {},
    )
  }, [])

  const reload = useCallback(() => {
    const my = ++seq.current
    setLoad({ kind: 'loading' })
    adminApi
      .inbox({ unreadOnly, limit: PAGE })
      .then(
        (page) => {
          if (my !== seq.current) return
          setItems(page.items)
          setNext(page.next)
          setUnread(page.unread)
          setLoad({ kind: 'ok' })
        },
        (e: unknown) => my === seq.current && setLoad({ kind: 'error', message: messageOf(e) }),
      )
      .finally(() => onRefreshed?.())
  }, [unreadOnly, onRefreshed])
  useEffect(reload, [reload, refreshKey])

  // a desk stays open all day: new entries are looked for every 30 s and added on top, without a
  // spinner and without losing the pages already loaded or the scroll position
  const loaded = load.kind === 'ok'
  useEffect(() => {
    if (!loaded) return undefined
    const t = setInterval(() => {
      const my = seq.current
      adminApi.inbox({ unreadOnly, limit: PAGE }).then(
        (page) => {
          if (my !== seq.current) return
          setUnread(page.unread)
          setItems((cur) => {
            const fresh = new Map(page.items.map((i) => [i.id, i]))
            const known = new Set(cur.map((i) => i.id))
            const added = page.items.filter((i) => !known.has(i.id))
            return [...added, ...cur.map((i) => fresh.get(i.id) ?? i)]
          })
        },
        () => {},
      )
    }, INBOX_PEEK_MS)
    return () => clearInterval(t)
  }, [loaded, unreadOnly])

  const loadMore = useCallback(() => {
    if (!next || busy) return
    const my = seq.current
    setBusy(true)
    adminApi
      .inbox({ unreadOnly, limit: PAGE, cursor: next })
      .then(
        (page) => {
          if (my !== seq.current) return
          setItems((cur) => [...cur, ...page.items])
          setNext(page.next)
          setUnread(page.unread)
        },
        (e: unknown) => Taro.showToast({ title: messageOf(e), icon: 'none' }),
      )
      .finally(() => setBusy(false))
  }, [next, busy, unreadOnly])
  const loadMoreRef = useRef(loadMore)
  loadMoreRef.current = loadMore
  useEffect(() => {
    if (bottomKey > 0) loadMoreRef.current()
  }, [bottomKey])

  const markRead = (q: { ids: string[] } | { all: true }) =>
    adminApi.markInboxRead(q).then((r) => {
      setUnread(r.unread)
      const at = new Date().toISOString()
      setItems((cur) => cur.map((i) => ('all' in q || q.ids.includes(i.id) ? { ...i, readAt: i.readAt ?? at } : i)))
    })

  const open = (i: InboxItem) => {
    if (!i.readAt) markRead({ ids: [i.id] }).catch(() => {})
    // a batch alert opens its page (the cases side by side), every other alert its case
    Taro.navigateTo({ url: i.batchAlertId ? `/admin/batch/index?id=${encodeURIComponent(i.batchAlertId)}` : `/admin/case/index?id=${encodeURIComponent(i.caseId)}` })
  }

  const readAll = () => {
    setBusy(true)
    markRead({ all: true })
      .catch((e: unknown) => Taro.showToast({ title: messageOf(e), icon: 'none' }))
      .finally(() => setBusy(false))
  }

  // must be the first thing in the tap handler: WeChat only opens the dialog from a tap
  const subscribe = () => {
    if (!templateId) return
    requestSubscriptions([templateId], (results) => adminApi.recordStaffSubscriptions(results)).then((r) => {
      const title = r === 'accepted' ? '已开启：下一条提醒会推送到微信' : r === 'refused' ? '未开启微信提醒' : '请在微信小程序中开启提醒'
      Taro.showToast({ title, icon: 'none' })
    })
  }

  return (
    <View className="adm-page" id="adm-inbox">
      <View className="adm-head">
        <Text className="adm-head__who">
          {me.name} · 未读 <Text id="inbox-unread">{unreadLabel(unread)}</Text>
        </Text>
        <View className="adm-links">
          <Text className="adm-link" id="inbox-subscribe" onClick={subscribe}>
            开启微信提醒
          </Text>
          <Text className="adm-link" id="inbox-read-all" onClick={busy || unread === 0 ? undefined : readAll}>
            全部已读
          </Text>
        </View>
      </View>
      <View className="adm-filters">
        <View className="adm-filters__row">
          <Chip id="inbox-filter-all" on={!unreadOnly} onClick={() => setUnreadOnly(false)}>
            全部
          </Chip>
          <Chip id="inbox-filter-unread" on={unreadOnly} onClick={() => setUnreadOnly(true)}>
            未读
          </Chip>
        </View>
      </View>
      {load.kind === 'loading' && <Loading />}
      {load.kind === 'error' && <ErrorView message={load.message} onRetry={reload} />}
      {load.kind === 'ok' && items.length === 0 && <Empty id="inbox-empty" text={unreadOnly ? '没有未读提醒' : '还没有提醒'} />}
      {load.kind === 'ok' && (
        <View id="inbox-list">
          {items.map((i) => (
            <View key={i.id} className={`adm-card adm-inbox-item${i.readAt ? '' : ' adm-inbox-item--unread'}`} id={`inbox-${i.kind}-${i.caseId}`} onClick={() => open(i)}>
              <View className="adm-card__top">
                <Text className="adm-card__no">
                  {!i.readAt && <Text className="adm-inbox-dot">● </Text>}
                  {STAFF_ALERT_LABELS[i.kind]}
                </Text>
                <Text className="adm-muted">{fmtShort(i.createdAt)}</Text>
              </View>
              <Text className="adm-card__title">{i.text}</Text>
              {i.context && (
                <Text className="adm-inbox-ctx" id={`inbox-ctx-${i.id}`}>
                  {[i.context.product, i.context.buyer, i.context.reasonLabel, `${ALERT_AMOUNT_LABELS[i.context.amountKind]} ${yuan(i.context.amountFen)}`].join(' · ')}
                </Text>
              )}
              <View className="adm-card__meta">
                {i.caseNo && <Text>{i.caseNo}</Text>}
                <Due item={i} />
              </View>
            </View>
          ))}
          {next && (
            <View className="adm-more">
              <Button id="inbox-more" className="adm-btn adm-btn--small" disabled={busy || undefined} onClick={loadMore}>
                {busy ? '加载中…' : '加载更多'}
              </Button>
            </View>
          )}
        </View>
      )}
    </View>
  )
}

/** The alert's own deadline (an approval's escalation…), else the case's deadline with whose it is. */
function Due({ item }: { item: InboxItem }) {
  if (item.dueAt) return <Text>截止 {fmtShort(item.dueAt)}</Text>
  const x = item.context
  if (!x?.dueAt || !x.dueKind) return null
  return (
    <Text>
      {ALERT_DUE_LABELS[x.dueKind]} {fmtShort(x.dueAt)}
    </Text>
  )
}

/** The queue's link to the inbox with the unread count (refreshed whenever the queue reloads). */
export function InboxLink({ refreshKey = 0 }: { refreshKey?: number }) {
  const [unread, setUnread] = useState<number | null>(null)
  useEffect(() => {
    let live = true
    adminApi.inbox({ unreadOnly: true, limit: 1 }).then(
      (p) => live && setUnread(p.unread),
      () => {},
    )
    return () => {
      live = false
    }
  }, [refreshKey])
  return (
    <Text className="adm-link" id="link-inbox" onClick={() => Taro.navigateTo({ url: '/admin/inbox/index' })}>
      消息
      {unread ? <Text className="adm-badge" id="inbox-badge">{unreadLabel(unread)}</Text> : null}
    </Text>
  )
}
