import type { Case, StaffAlertEvent } from '@contract/domain'
import { ALERT_AMOUNT_LABELS, ALERT_DUE_LABELS, STAFF_ALERT_LABELS, type InboxItem } from '@contract/alerts'
import type { Policy } from '@contract/policy'
import type { Deps } from '../deps'
import type { NewOutboxItem, OutboxItem, StaffRecord } from '../../ports/store'
import { formatField, yuan } from '../../core'
import { livePolicy } from '../shared'

/** WeCom allows 20 messages a minute per robot; every dispatcher instance shares these slots. */
export const WECOM_PER_MINUTE = 20

/** Outbox row kinds a staff alert fans out into (one per channel and recipient). */
export interface StaffSubscribePayload {
  openid: string
  templateId: string
  page: string
  data: Record<string, { value: string }>
}
export interface WecomPayload {
  team: string
  keyEnv: string
  msgtype: 'markdown' | 'text'
  content: string
}

export function adminCasePage(caseId: string): string {
  return `admin/case/index?id=${encodeURIComponent(caseId)}`
}

/**
 * Who an alert is for: a staff id (if that member left, the supervisors), 'supervisor' (every
 * active supervisor; the owners when there is none) or 'owner'.
 */
export function recipientsOf(to: string, staff: StaffRecord[]): StaffRecord[] {
  const active = staff.filter((s) => s.active)
  const owners = active.filter((s) => s.role === 'owner')
  const supervisors = active.filter((s) => s.role === 'supervisor')
  if (to === 'owner') return owners
  if (to !== 'supervisor') {
    const one = active.find((s) => s.id === to)
    if (one) return [one]
  }
  return supervisors.length ? supervisors : owners
}

/** "商品：… ｜ 买家：… ｜ 原因：… ｜ 申请金额：¥…" (empty for alerts raised without context). */
function contextLine(ev: StaffAlertEvent): string {
  const x = ev.context
  return x ? [`商品：${x.product}`, `买家：${x.buyer}`, `原因：${x.reasonLabel}`, `${ALERT_AMOUNT_LABELS[x.amountKind]}：${yuan(x.amountFen)}`].join(' ｜ ') : ''
}

/** The alert's own deadline (an approval's escalation…), else the case's; with its label. */
function dueOf(ev: StaffAlertEvent): { at: string; label: string } | null {
  if (ev.dueAt) return { at: ev.dueAt, label: '截止' }
  const x = ev.context
  return x?.dueAt && x.dueKind ? { at: x.dueAt, label: ALERT_DUE_LABELS[x.dueKind] } : null
}

function wecomContent(ev: StaffAlertEvent, caseNo: string, assignee: string, policy: Policy, msgtype: 'markdown' | 'text'): string {
  const label = STAFF_ALERT_LABELS[ev.alert]
  const d = dueOf(ev)
  const due = d ? formatField('time1', d.at, { tz: policy.calendar.timezone }) : ''
  const ctx = contextLine(ev)
  if (msgtype === 'text') return [`【${label}】售后单 ${caseNo}`, ev.text, ctx, assignee && `负责人：${assignee}`, d && `${d.label}：${due}`].filter(Boolean).join('\n')
  const warn = ['p1_opened', 'sla_breach', 'refund_failed', 'serious_quality'].includes(ev.alert)
  return [
    `**<font color="${warn ? 'warning' : 'info'}">【${label}】</font>售后单 ${caseNo}**`,
    `> ${ev.text}`,
    ctx && `> ${ctx}`,
    assignee && `> 负责人：${assignee}`,
    d && `> ${d.label}：<font color="warning">${due}</font>`,
  ]
    .filter(Boolean)
    .join('\n')
}

/**
 * One staff alert → the inbox of each recipient (written here: the store is ours, nothing leaves)
 * plus one outbox row per external channel: a subscription message to each recipient holding a
 * credit for the staff template, and the case team's WeCom robot when the policy names one for this
 * kind. Every id and key derives from the alert's key, so a retried fan-out adds nothing twice.
 */
export async function fanOutStaffAlert(deps: Deps, item: OutboxItem, ev: StaffAlertEvent, pass: AlertPass = alertPass(deps)): Promise<void> {
  // the case is read only when the alert does not carry what the fan-out needs (older rows) or a robot asks for its assignee
  let casePromise: Promise<Case | null> | null = null
  const theCase = () => (casePromise ??= deps.store.getCase(ev.caseId))
  const [policy, staff, c0] = await Promise.all([pass.policy(), pass.staff(), ev.caseNo === undefined || ev.team === undefined ? theCase() : null])
  const caseNo = ev.caseNo ?? c0?.caseNo ?? ''
  const team = ev.team ?? c0?.team
  const people = recipientsOf(ev.to, staff)
  const inbox: InboxItem[] = people.map((s) => ({
    id: `${item.key}:${s.id}`,
    staffId: s.id,
    caseId: ev.caseId,
    caseNo,
    kind: ev.alert,
    text: ev.text,
    dueAt: ev.dueAt ?? null,
    ...(ev.context ? { context: ev.context } : {}),
    createdAt: item.createdAt,
    readAt: null,
  }))
  const tpl = policy.staffAlerts.template
  const robot = team ? policy.staffAlerts.wecom.find((r) => r.team === team && (r.alerts.length === 0 || r.alerts.includes(ev.alert))) : undefined
  const [credits, c] = await Promise.all([Promise.all(people.map((s) => pass.credits(s.id))), robot ? theCase() : null])

  const children: NewOutboxItem[] = []
  const x = ev.context
  // template sources: the policy maps each WeChat field (thing1, amount2…) to one of these keys
  const source: Record<string, string> = {
    alertLabel: STAFF_ALERT_LABELS[ev.alert],
    caseNo,
    text: ev.text,
    at: item.createdAt,
    dueAt: dueOf(ev)?.at ?? item.createdAt,
    productName: x?.product ?? '',
    buyerName: x?.buyer ?? '',
    reasonLabel: x?.reasonLabel ?? '',
    amountFen: x ? String(x.amountFen) : '',
  }
  people.forEach((s, i) => {
    // a credit read earlier in the pass may be spent by now: the send spends it or skips (43101)
    if ((credits[i][tpl.templateId] ?? 0) <= 0) return
    const data: StaffSubscribePayload['data'] = {}
    for (const [field, src] of Object.entries(tpl.fields)) {
      data[field] = { value: formatField(field, source[src] ?? '', { tz: policy.calendar.timezone, fallbackTime: item.createdAt }) }
    }
    const payload: StaffSubscribePayload = { openid: s.id, templateId: tpl.templateId, page: adminCasePage(ev.caseId), data }
    children.push({ key: `${item.key}:sub:${s.id}`, caseId: ev.caseId, kind: 'staff_subscribe', payload: payload as unknown as Record<string, unknown> })
  })
  if (robot) {
    const assignee = staff.find((s) => s.id === c?.assigneeId)?.name ?? ''
    const payload: WecomPayload = { team: robot.team, keyEnv: robot.keyEnv, msgtype: robot.msgtype, content: wecomContent(ev, caseNo, assignee, policy, robot.msgtype) }
    children.push({ key: `${item.key}:wecom:${robot.team}`, caseId: ev.caseId, kind: 'wecom', payload: payload as unknown as Record<string, unknown> })
  }
  // the inbox and the channel rows in two independent writes (each one insert in the usual case)
  await Promise.all([deps.store.addInbox(inbox), children.length ? deps.store.enqueueOutbox(children, deps.now()) : 0])
}

/**
 * What fan-outs of one dispatcher pass share: the live policy, the roster and each member's
 * credits, each read once (the pass lasts seconds; a member added meanwhile is in the next pass).
 */
export interface AlertPass {
  policy(): Promise<Policy>
  staff(): Promise<StaffRecord[]>
  credits(staffId: string): Promise<Record<string, number>>
}
export function alertPass(deps: Deps): AlertPass {
  let policy: Promise<Policy> | null = null
  let staff: Promise<StaffRecord[]> | null = null
  const credits = new Map<string, Promise<Record<string, number>>>()
  const once = <T>(p: Promise<T>, reset: () => void): Promise<T> => p.catch((e) => (reset(), Promise.reject(e)))
  return {
    policy: () => (policy ??= once(livePolicy(deps).then((p) => p.policy), () => (policy = null))),
    staff: () => (staff ??= once(deps.store.listStaff(), () => (staff = null))),
    credits: (id) => {
      let p = credits.get(id)
      if (!p) credits.set(id, (p = once(deps.store.getCredits(id), () => credits.delete(id))))
      return p
    },
  }
}

/**
 * Puts a delivery problem in every owner's inbox (the one place an owner is sure to look),
 * once per failed row.
 */
export async function tellOwners(deps: Deps, item: OutboxItem, text: string): Promise<void> {
  const owners = (await deps.store.listStaff()).filter((s) => s.active && s.role === 'owner')
  const c = await deps.store.getCase(item.caseId)
  await deps.store.addInbox(
    owners.map((o) => ({
      id: `${item.key}:failed:${o.id}`,
      staffId: o.id,
      caseId: item.caseId,
      caseNo: c?.caseNo ?? '',
      kind: 'delivery_failed' as const,
      text,
      dueAt: null,
      createdAt: deps.now(),
      readAt: null,
    })),
  )
}

/** Describes a failed channel row for the owner. */
export function failureText(item: OutboxItem, error: string): string {
  if (item.kind === 'wecom') {
    const p = item.payload as unknown as WecomPayload
    return `企业微信群机器人（${p.team}，密钥变量 ${p.keyEnv}）发送失败：${error}`
  }
  if (item.kind === 'staff_subscribe') {
    const p = item.payload as unknown as StaffSubscribePayload
    return `给员工 ${p.openid} 的微信提醒发送失败：${error}`
  }
  return `消息发送失败：${error}`
}

