import { useCallback, useEffect, useState } from 'react'
import Taro, { usePullDownRefresh } from '@tarojs/taro'
import { Button, Input, Switch, Text, View } from '@tarojs/components'
import type { BuyerPick, StaffView } from '@contract/actions'
import type { StaffRole, Team } from '@contract/domain'
import { adminApi, type Me } from '../api'
import { ROLE_LABELS, TEAMS, TEAM_LABELS } from '../labels'
import { fmtShort } from '../format'
import { Chip, Empty, ErrorView, Loading, Section, StaffGate, isLead, messageOf } from '../ui'

type State = { kind: 'loading' } | { kind: 'error'; message: string } | { kind: 'ok'; staff: StaffView[] }

interface StaffDraft {
  id: string
  name: string
  role: StaffRole
  teams: Team[]
  onDuty: boolean
  active: boolean
  isNew: boolean
}

/**
 * Staff roster: roles, teams, live load and the on-duty toggle; supervisors and owners add and edit
 * staff and assign a dedicated rep (专属客服) to a returning buyer. The function decides who may
 * change what (agents only their own duty, only owners touch owners).
 */
export function RosterScreen({ me, refreshKey = 0, onRefreshed }: { me: Me; refreshKey?: number; onRefreshed?: () => void }) {
  const [state, setState] = useState<State>({ kind: 'loading' })
  const [edit, setEdit] = useState<StaffDraft | null>(null)
  const [rep, setRep] = useState<{ buyer: BuyerPick | null; repId: string }>({ buyer: null, repId: '' })
  const [query, setQuery] = useState('')
  const [found, setFound] = useState<{ q: string; matches: BuyerPick[] } | null>(null)
  const [assigned, setAssigned] = useState<BuyerPick[]>([])
  const [busy, setBusy] = useState(false)
  const lead = isLead(me)

  const load = useCallback(() => {
    setState((s) => (s.kind === 'ok' ? s : { kind: 'loading' }))
    adminApi
      .listStaff()
      .then(
        (staff) => setState({ kind: 'ok', staff }),
        (e: unknown) => setState({ kind: 'error', message: messageOf(e) }),
      )
      .finally(() => onRefreshed?.())
  }, [onRefreshed])
  useEffect(load, [load, refreshKey])

  // every saved dedicated-rep assignment (leads only: the function refuses agents)
  const loadAssigned = useCallback(() => {
    if (!isLead(me)) return
    adminApi.searchBuyers('').then(
      (r) => setAssigned(r.assigned),
      () => setAssigned([]),
    )
  }, [me])
  useEffect(loadAssigned, [loadAssigned, refreshKey])

  const toast = (title: string) => Taro.showToast({ title, icon: 'none' })

  const toggleDuty = async (s: StaffView, onDuty: boolean) => {
    try {
      const next = await adminApi.setDuty(s.id, onDuty)
      setState((cur) => (cur.kind === 'ok' ? { kind: 'ok', staff: cur.staff.map((x) => (x.id === next.id ? next : x)) } : cur))
      toast(onDuty ? `${s.name} 开始接单` : `${s.name} 已停止接单`)
    } catch (e) {
      toast(messageOf(e))
      load()
    }
  }

  const save = async () => {
    if (!edit) return
    if (!edit.id.trim() || !edit.name.trim()) return toast('请填写账号和姓名')
    if (!edit.teams.length) return toast('至少选择一个组')
    setBusy(true)
    try {
      await adminApi.upsertStaff({ id: edit.id.trim(), name: edit.name.trim(), role: edit.role, teams: edit.teams, onDuty: edit.onDuty, active: edit.active })
      setEdit(null)
      toast('已保存')
      load()
    } catch (e) {
      toast(messageOf(e))
    } finally {
      setBusy(false)
    }
  }

  const search = async () => {
    const q = query.trim()
    if (!q) return toast('请输入买家姓名、手机尾号或订单号')
    setBusy(true)
    try {
      const r = await adminApi.searchBuyers(q)
      setFound({ q, matches: r.matches })
      setAssigned(r.assigned)
      if (r.matches.length === 1) choose(r.matches[0])
    } catch (e) {
      toast(messageOf(e))
    } finally {
      setBusy(false)
    }
  }

  const choose = (b: BuyerPick) => setRep({ buyer: b, repId: b.dedicatedRepId ?? '' })

  // trust (老客户) is decided with a reason in the case page's buyer panel (set_buyer_trust), not here
  const saveRep = async (buyer: BuyerPick | null, repId: string) => {
    if (!buyer) return toast('请先搜索并选择买家')
    setBusy(true)
    try {
      const r = await adminApi.setDedicatedRep({ buyerOpenid: buyer.openid, repId: repId || null })
      const who = buyerName(buyer)
      const repName = staffName(r.dedicatedRepId)
      toast(!r.changed ? `${who}的设置没有变化` : r.dedicatedRepId ? `已将${repName}设为${who}的专属客服` : `已取消${who}的专属客服`)
      if (r.changed) {
        setRep({ buyer: null, repId: '' })
        setFound(null)
        setQuery('')
        loadAssigned()
      }
    } catch (e) {
      toast(messageOf(e))
    } finally {
      setBusy(false)
    }
  }

  const staffName = (id: string | null) => (state.kind === 'ok' && id ? (state.staff.find((s) => s.id === id)?.name ?? '客服') : '')

  if (state.kind === 'loading') return <Loading />
  if (state.kind === 'error') return <ErrorView message={state.message} onRetry={load} />
  const staff = state.staff
  const active = staff.filter((s) => s.active)

  return (
    <View className="adm-page" id="adm-roster">
      <Section
        title={`客服排班（在班 ${active.filter((s) => s.onDuty).length}/${active.length}）`}
        extra={
          lead && (
            <Button
              id="staff-add"
              className="adm-btn adm-btn--small"
              onClick={() => setEdit({ id: '', name: '', role: 'agent', teams: ['general'], onDuty: true, active: true, isNew: true })}
            >
              添加客服
            </Button>
          )
        }
      >
        {staff.length === 0 && <Empty text="还没有客服" />}
        {staff.map((s) => (
          <View key={s.id} className="adm-offer" id={`staff-${s.id}`}>
            <View className="adm-row adm-row--center">
              <Text className="adm-row__main">
                {s.name}
                {s.id === me.openid ? '（我）' : ''} · {ROLE_LABELS[s.role]}
                {s.active ? '' : ' · 已停用'}
              </Text>
              <View className="adm-switch">
                <Text className="adm-switch__label">{s.onDuty ? '接单中' : '接单'}</Text>
                <Switch
                  id={`duty-${s.id}`}
                  checked={s.onDuty}
                  disabled={!s.active || (!lead && s.id !== me.openid) || undefined}
                  color="#07c160"
                  onChange={(e) => toggleDuty(s, e.detail.value)}
                />
              </View>
            </View>
            <Text className="adm-muted">
              {s.teams.map((t) => TEAM_LABELS[t]).join('、')} · 处理中 {s.openCases} 单 · 最近分配 {s.lastAssignedAt ? fmtShort(s.lastAssignedAt) : '无'}
            </Text>
            {lead && (
              // a link on its own line, not a button wrapped into the text on a narrow screen
              <View className="adm-inline-actions">
                <Text
                  id={`staff-edit-${s.id}`}
                  className="adm-link-btn"
                  onClick={() => setEdit({ id: s.id, name: s.name, role: s.role, teams: s.teams, onDuty: s.onDuty, active: s.active, isNew: false })}
                >
                  编辑
                </Text>
              </View>
            )}
          </View>
        ))}
      </Section>

      {edit && (
        <Section title={edit.isNew ? '添加客服' : `编辑 ${edit.name}`} id="staff-form">
          {edit.isNew && (
            <View className="adm-field">
              <Text className="adm-field__label">账号（微信 openid）</Text>
              <Input id="staff-id" className="adm-input" value={edit.id} onInput={(e) => setEdit({ ...edit, id: e.detail.value })} />
            </View>
          )}
          <View className="adm-field">
            <Text className="adm-field__label">姓名</Text>
            <Input id="staff-name" className="adm-input" value={edit.name} onInput={(e) => setEdit({ ...edit, name: e.detail.value })} />
          </View>
          <View className="adm-field">
            <Text className="adm-field__label">角色</Text>
            {(['agent', 'supervisor', 'owner'] as StaffRole[]).map((r) => (
              <Chip key={r} id={`staff-role-${r}`} on={edit.role === r} onClick={() => setEdit({ ...edit, role: r })}>
                {ROLE_LABELS[r]}
              </Chip>
            ))}
          </View>
          <View className="adm-field">
            <Text className="adm-field__label">所属组</Text>
            {TEAMS.map((t) => (
              <Chip
                key={t}
                id={`staff-team-${t}`}
                on={edit.teams.includes(t)}
                onClick={() => setEdit({ ...edit, teams: edit.teams.includes(t) ? edit.teams.filter((x) => x !== t) : [...edit.teams, t] })}
              >
                {TEAM_LABELS[t]}
              </Chip>
            ))}
          </View>
          <View className="adm-field">
            <Text className="adm-field__label">账号状态</Text>
            <Chip id="staff-active" on={edit.active} onClick={() => setEdit({ ...edit, active: !edit.active })}>
              {edit.active ? '启用中' : '已停用'}
            </Chip>
          </View>
          <Button id="staff-save" className="adm-btn adm-btn--primary" disabled={busy || undefined} onClick={save}>
            保存
          </Button>
          <Button className="adm-btn" onClick={() => setEdit(null)}>
            取消
          </Button>
        </Section>
      )}

      {lead && (
        <Section title="专属客服（老客户）" id="rep-form">
          <View className="adm-field">
            <Text className="adm-field__label">找买家</Text>
            <View className="adm-row adm-row--center">
              <Input
                id="rep-search"
                className="adm-input adm-row__main"
                value={query}
                placeholder="姓名、手机尾号或订单号"
                confirmType="search"
                onInput={(e) => setQuery(e.detail.value)}
                onConfirm={search}
              />
              <Button id="rep-search-go" className="adm-btn adm-btn--small" disabled={busy || undefined} onClick={search}>
                搜索
              </Button>
            </View>
            {found && found.matches.length === 0 && <Text className="adm-muted" id="rep-none-found">没有找到“{found.q}”，可试试订单号或手机后4位</Text>}
            {found &&
              found.matches.map((b) => (
                <View key={b.openid} id={`rep-match-${b.openid}`} className={`adm-pick${rep.buyer?.openid === b.openid ? ' adm-pick--on' : ''}`} onClick={() => choose(b)}>
                  <Text>{buyerLine(b)}</Text>
                  <Text className="adm-muted">{b.repName ? `专属客服：${b.repName}` : '暂无专属客服'}</Text>
                </View>
              ))}
          </View>
          {rep.buyer && (
            <>
              <Text className="adm-field__label" id="rep-chosen">
                已选：{buyerLine(rep.buyer)}
              </Text>
              <View className="adm-field">
                <Text className="adm-field__label">专属客服</Text>
                <Chip id="rep-none" on={!rep.repId} onClick={() => setRep({ ...rep, repId: '' })}>
                  不指定
                </Chip>
                {active.map((s) => (
                  <Chip key={s.id} id={`rep-${s.id}`} on={rep.repId === s.id} onClick={() => setRep({ ...rep, repId: s.id })}>
                    {s.name}
                  </Chip>
                ))}
              </View>
              <Button id="rep-save" className="adm-btn adm-btn--primary" disabled={busy || undefined} onClick={() => saveRep(rep.buyer, rep.repId)}>
                保存专属客服
              </Button>
            </>
          )}
          <View className="adm-field" id="rep-assigned">
            <Text className="adm-field__label">已设置的专属客服（{assigned.length}）</Text>
            {assigned.length === 0 && <Text className="adm-muted">还没有为买家指定专属客服</Text>}
            {assigned.map((b) => (
              <View key={b.openid} className="adm-row adm-row--center" id={`rep-assigned-${b.openid}`}>
                <Text className="adm-row__main">
                  {buyerLine(b)} → {b.repName ?? '已停用的客服'}
                </Text>
                <Text id={`rep-remove-${b.openid}`} className="adm-link-btn" onClick={() => saveRep(b, '')}>
                  移除
                </Text>
              </View>
            ))}
          </View>
        </Section>
      )}
    </View>
  )
}

function buyerName(b: BuyerPick): string {
  return b.name ?? (b.phoneTail ? `尾号${b.phoneTail}的买家` : '未留姓名的买家')
}

/** How a person recognises a buyer: name, phone tail and an order, never the openid. */
function buyerLine(b: BuyerPick): string {
  return [b.name ?? '未留姓名', b.phoneTail ? `手机尾号 ${b.phoneTail}` : '', b.orderId ? `订单 ${b.orderId}` : ''].filter(Boolean).join(' · ')
}

export default function RosterPage() {
  const [refreshKey, setRefreshKey] = useState(0)
  usePullDownRefresh(() => setRefreshKey((k) => k + 1))
  const done = useCallback(() => Taro.stopPullDownRefresh(), [])
  return <StaffGate>{(me) => <RosterScreen me={me} refreshKey={refreshKey} onRefreshed={done} />}</StaffGate>
}
