/**
 * Routing (seeds 000, 002): reason → team; dedicated rep (专属客服) on duty gets it; otherwise the
 * least-loaded on-duty member of the team (ties: longest idle; supervisors and owners only with 接单
 * on); nobody → team queue.
 * P1 always alerts a supervisor.
 */
import type { BuyerProfile, ReasonCode, Severity, StaffMember, Team } from '@contract/domain'
import { reasonPolicy, type Policy } from '@contract/policy'

export interface RouteDecision {
  team: Team
  assigneeId: string | null
  /** staff-facing Chinese explanation */
  reason: string
  alertSupervisor: boolean
}

export function routeCase(
  c: { reason: ReasonCode; severity: Severity; team?: Team },
  roster: StaffMember[],
  policy: Policy,
  buyerProfile?: BuyerProfile | null,
): RouteDecision {
  const team = c.team ?? reasonPolicy(policy, c.reason).team
  const teamLabel = policy.teams.find((t) => t.code === team)?.label ?? team
  const alertSupervisor = c.severity === 'P1'
  const repId = buyerProfile?.dedicatedRepId ?? null
  if (repId) {
    const rep = roster.find((s) => s.id === repId)
    if (rep?.onDuty) return { team, assigneeId: rep.id, reason: `老客户，分配给专属客服 ${rep.name}`, alertSupervisor }
  }
  // a team lead takes routed cases only with 接单 on; otherwise they are there for approvals and escalations
  const candidates = roster.filter((s) => s.onDuty && s.teams.includes(team) && (s.role === 'agent' || s.takesCases === true))
  if (candidates.length === 0) {
    return { team, assigneeId: null, reason: `${teamLabel}当前无人值班，进入${teamLabel}队列`, alertSupervisor }
  }
  const idle = (s: StaffMember) => (s.lastAssignedAt === null ? -Infinity : Date.parse(s.lastAssignedAt))
  const best = [...candidates].sort((a, b) => a.openCases - b.openCases || idle(a) - idle(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))[0]
  const prefix = repId ? '专属客服不在班，' : ''
  return { team, assigneeId: best.id, reason: `${prefix}分配给${teamLabel}当前工单最少的 ${best.name}（${best.openCases} 单）`, alertSupervisor }
}
