import { useCallback, useEffect, useState, type ReactNode } from 'react'
import { Button, Text, View } from '@tarojs/components'
import type { SlaView } from '@contract/actions'
import { ApiFailure } from '../api/client'
import { adminApi, type Me } from './api'
import { SLA_LABELS } from './labels'
import { fmtDuration, fmtTime } from './format'
import './admin.css'

export function Loading({ text = '加载中…' }: { text?: string }) {
  return (
    <View className="adm-state" id="adm-loading">
      <Text>{text}</Text>
    </View>
  )
}

export function Empty({ text, id = 'adm-empty' }: { text: string; id?: string }) {
  return (
    <View className="adm-state" id={id}>
      <Text>{text}</Text>
    </View>
  )
}

export function ErrorView({ message, onRetry }: { message: string; onRetry?: () => void }) {
  return (
    <View className="adm-state adm-state--error" id="adm-error">
      <Text className="adm-error-text">{message}</Text>
      {onRetry && (
        <Button id="adm-retry" className="adm-btn adm-btn--small" onClick={onRetry}>
          重试
        </Button>
      )}
    </View>
  )
}

export function messageOf(e: unknown): string {
  if (e instanceof ApiFailure) return e.message
  return '系统繁忙，请稍后再试'
}

/** SLA badge: on time / warning / breached, with the time left (or overdue by). */
export function SlaBadge({ sla }: { sla: SlaView }) {
  let left = ''
  if (sla.paused) left = '已暂停（等待买家）'
  else if (sla.msLeft !== null) left = sla.msLeft > 0 ? `剩余${fmtDuration(sla.msLeft)}` : `超时${fmtDuration(-sla.msLeft)}`
  return (
    <View className={`adm-sla adm-sla--${sla.state}`}>
      <Text className="adm-sla__state">{SLA_LABELS[sla.state]}</Text>
      {left && <Text className="adm-sla__left">{left}</Text>}
    </View>
  )
}

/** The platform's hard deadline on a shop after-sale: after it the platform decides for the seller. */
export function PlatformDeadline({ at, id }: { at: string; id?: string }) {
  return (
    <Text className="adm-deadline" id={id}>
      平台将于 {fmtTime(at)} 自动处理
    </Text>
  )
}

export function Chip({ on, onClick, children, id }: { on?: boolean; onClick?: () => void; children: ReactNode; id?: string }) {
  return (
    <View id={id} className={`adm-chip${on ? ' adm-chip--on' : ''}`} onClick={onClick}>
      <Text>{children}</Text>
    </View>
  )
}

export function Section({ title, extra, children, id }: { title: string; extra?: ReactNode; children: ReactNode; id?: string }) {
  return (
    <View className="adm-section" id={id}>
      <View className="adm-section__head">
        <Text className="adm-section__title">{title}</Text>
        {extra}
      </View>
      {children}
    </View>
  )
}

/** Horizontal bars made of plain Views: identical in weapp and h5, no canvas. */
export function Bars({ rows, format = String, id }: { rows: { label: string; value: number }[]; format?: (n: number) => string; id?: string }) {
  const max = Math.max(1, ...rows.map((r) => r.value))
  if (!rows.length) return <Empty text="暂无数据" />
  return (
    <View className="adm-bars" id={id}>
      {rows.map((r) => (
        <View className="adm-bars__row" key={r.label}>
          <Text className="adm-bars__label">{r.label}</Text>
          <View className="adm-bars__track">
            <View className="adm-bars__fill" style={{ width: `${Math.max(2, (r.value / max) * 100)}%` }} />
          </View>
          <Text className="adm-bars__value">{format(r.value)}</Text>
        </View>
      ))}
    </View>
  )
}

type GateState = { kind: 'loading' } | { kind: 'ok'; me: Me } | { kind: 'forbidden' } | { kind: 'error'; message: string; code: string }

/**
 * Staff-only gate: asks the admin function who is calling. A non-staff caller gets FORBIDDEN and
 * sees "仅限商家客服使用"; the functions enforce every role rule again on each action.
 */
export function StaffGate({ children }: { children: (me: Me) => ReactNode }) {
  const [state, setState] = useState<GateState>({ kind: 'loading' })
  const load = useCallback(() => {
    setState({ kind: 'loading' })
    adminApi.whoami().then(
      (me) => setState({ kind: 'ok', me }),
      (e: unknown) => {
        if (e instanceof ApiFailure && e.code === 'FORBIDDEN') setState({ kind: 'forbidden' })
        else setState({ kind: 'error', message: messageOf(e), code: e instanceof ApiFailure ? e.code : 'INTERNAL' })
      },
    )
  }, [])
  useEffect(load, [load])
  if (state.kind === 'loading') return <Loading />
  if (state.kind === 'forbidden')
    return (
      <View className="adm-state" id="adm-forbidden">
        <Text className="adm-forbidden">仅限商家客服使用</Text>
      </View>
    )
  if (state.kind === 'error') return <ErrorView message={state.code === 'UNAUTHENTICATED' ? '请先登录商家账号' : state.message} onRetry={load} />
  return <>{children(state.me)}</>
}

export const isLead = (me: Me) => me.role === 'supervisor' || me.role === 'owner'

/**
 * Staff ids → names (list_staff), for the places that show who handles or did something. Until
 * the roster has loaded, or for an id it does not know (a removed member), the id itself shows.
 */
export function useStaffNames(): (id: string | null | undefined) => string {
  const [names, setNames] = useState<Record<string, string>>({})
  useEffect(() => {
    let live = true
    adminApi.listStaff().then(
      (list) => live && setNames(Object.fromEntries(list.map((s) => [s.id, s.name]))),
      () => {},
    )
    return () => {
      live = false
    }
  }, [])
  return useCallback((id: string | null | undefined) => (id ? (names[id] ?? id) : ''), [names])
}
