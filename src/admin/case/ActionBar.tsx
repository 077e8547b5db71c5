import { useState } from 'react'
import Taro from '@tarojs/taro'
import { Button, Image, Input, Text, Textarea, View } from '@tarojs/components'
import { STAFF_COMMANDS, type CaseView, type StaffCommand, type StaffView } from '@contract/actions'
import { freightInsured, type Offer, type OfferInput, type OfferKind, type ShippingPayer, type Team } from '@contract/domain'
import { ApiFailure } from '../../api/client'
import { classify, pickEvidence, uploadEvidence } from '../../api/upload'
import { adminApi, type AdminInput, type Me } from '../api'
import { COMMAND_LABELS, OFFER_KIND_LABELS, REJECT_REASONS, ROLE_LABELS, TEAMS, TEAM_LABELS } from '../labels'
import { fenToInput, inputToFen, mediaUrl, yuan } from '../format'
import { Chip, messageOf } from '../ui'
import { reviewOpenStep } from './LoopPanel'

/** Actions that cannot be undone ask for confirmation first. */
const CONFIRM: Partial<Record<StaffCommand, string>> = {
  approve: '同意后将按方案执行（可能立即退款或发货），不可撤销。确认同意？',
  reject: '驳回后买家将收到驳回原因，确认驳回？',
  issue_refund: '退款将原路退回买家，不可撤销。确认退款？',
  withdraw_offer: '撤回后买家将不能再接受这些方案，售后单回到处理中，请尽快给出新方案。确认撤回？',
}

/** The approval's confirmation names what will happen (money leaves at once for refunds). */
function approveConfirm(type: CaseView['type'], amountFen: number | undefined, claimedFen: number, shipNow: boolean): string {
  switch (type) {
    case 'refund_only':
      return `同意仅退款：将立即原路退回${yuan(amountFen ?? claimedFen)}，不可撤销。确认同意？`
    case 'return_refund':
      return `同意退货退款：买家寄回、验货通过后退款${yuan(amountFen ?? claimedFen)}。确认同意？`
    case 'exchange':
      return `同意换货${shipNow ? '，并立即先发出新商品' : '：买家寄回、验货通过后发出新商品'}。确认同意？`
    case 'resend':
      return '同意补发：将通知仓库发货，不可撤销。确认同意？'
    case 'compensation':
    case 'logistics':
      return amountFen ? `同意补偿：将立即支付${yuan(amountFen)}，不可撤销。确认同意？` : '同意：将为买家跟进物流。确认同意？'
  }
}

/** On a Channels order the shop pays (退差价): the money is there when the platform has refunded it. */
function shopMoneyConfirm(view: Pick<CaseView, 'order' | 'platform'>, text: string): string {
  if (view.order.source !== 'channels' || view.platform) return text
  return text.replace('将立即原路退回', '将由微信小店平台退回').replace('将立即支付', '将由微信小店平台退给买家').replace('不可撤销', '平台退款后到账，不可撤销')
}

const AMOUNT_FIELDS = ['refundFen', 'compensationFen', 'couponFen'] as const
type AmountField = (typeof AMOUNT_FIELDS)[number]
const AMOUNT_LABELS: Record<AmountField, string> = { refundFen: '退款', compensationFen: '补偿', couponFen: '优惠券' }

interface Draft {
  text: string
  amount: string
  purpose: 'refund' | 'compensation'
  pickup: boolean
  shippingPaidBy: ShippingPayer
  shipNow: boolean
  rejectReason: string
  result: 'pass' | 'fail'
  photos: string[]
  carrier: string
  trackingNo: string
  assigneeId: string | null
  team: Team | ''
  /** make_offer: chosen suggestions and their (possibly edited) yuan amounts */
  picked: Record<string, Partial<Record<AmountField, string>>>
  custom: boolean
  /** approve: carry out what the buyer asked instead of the engine's remedy */
  requested: boolean
  changeReason: string
  customKind: OfferKind
  customAmount: string
  customExplanation: string
}

const emptyDraft = (): Draft => ({
  text: '',
  amount: '',
  purpose: 'refund',
  pickup: false,
  shippingPaidBy: 'seller',
  shipNow: false,
  rejectReason: REJECT_REASONS[0],
  result: 'pass',
  photos: [],
  carrier: '',
  trackingNo: '',
  assigneeId: null,
  team: '',
  picked: {},
  custom: false,
  requested: false,
  changeReason: '',
  customKind: 'compensation',
  customAmount: '',
  customExplanation: '',
})

export interface ActionBarProps {
  view: CaseView & { refundableFen?: number }
  me: Me
  /** canned replies (话术) per reason code, from the policy */
  cannedReplies?: Partial<Record<string, string>>
  reasonLabels?: Record<string, string>
  /** the policy's approval limit for agents (fen), shown next to amounts */
  approvalThresholdFen?: number
  onUpdated(view: CaseView): void
}

const APPROVE_KIND: Record<CaseView['type'], OfferKind> = {
  refund_only: 'refund',
  return_refund: 'return_refund',
  exchange: 'exchange',
  resend: 'resend',
  compensation: 'compensation',
  logistics: 'compensation',
}
const LOOP_COMMANDS: ReadonlySet<StaffCommand> = new Set(['submit_for_approval', 'decide_approval', 'review_step', 'record_visit'])

const WITH_RETURN: ReadonlySet<CaseView['type']> = new Set(['return_refund', 'exchange'])

/**
 * The case's action bar: one button per command the function says is allowed now (`actions`),
 * each opening a small form. Irreversible actions confirm first. What 同意 does (runs, or goes to a
 * supervisor as an approval request of exactly that remedy) and how much may go out are the core's
 * answers (`view.money`): the page shows them and never re-derives a guard.
 */
export function ActionBar({ view, me, cannedReplies = {}, reasonLabels = {}, approvalThresholdFen, onUpdated }: ActionBarProps) {
  const [open, setOpen] = useState<StaffCommand | null>(null)
  const [d, setD] = useState<Draft>(emptyDraft)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<{ code: string; message: string } | null>(null)
  const [staff, setStaff] = useState<StaffView[] | null>(null)

  // approvals, 差评 follow-up and 回访 have their own panel (../LoopPanel); a shop after-sale's platform decisions theirs (PlatformPanel)
  const visible = STAFF_COMMANDS.filter((a) => view.actions.includes(a) && !LOOP_COMMANDS.has(a) && !a.startsWith('platform_') && !a.startsWith('dispute_'))
  // …but the bar still offers the open follow-up step while its task is open: it takes you there
  const loop = loopSteps(view)
  // revising (offer_pending): the offers on the table can be kept or changed, the rest replace them
  const revising = view.status === 'offer_pending'
  const suggestions = view.offers.filter((o) => o.status === 'suggested' || (revising && o.status === 'offered'))
  const onTable = view.offers.filter((o) => o.status === 'offered')
  const labelOf = (a: StaffCommand) => (a === 'make_offer' && revising ? '修改方案' : COMMAND_LABELS[a])
  const needsSupervisor = me.role === 'agent' && view.offers.some((o) => (o.status === 'suggested' || o.status === 'offered') && o.needsSupervisor)
  const set = (patch: Partial<Draft>) => setD((cur) => ({ ...cur, ...patch }))
  // 运费险: the buyer's side of the return is the insurance's, never the buyer's
  const insured = freightInsured(view.order, view.claimedItems, view.platform)
  const notSeller: ShippingPayer = insured ? 'insurance' : 'buyer'

  const claimedFen = view.claimedItems.reduce((sum, ci) => sum + ci.qty * (view.order.items.find((i) => i.skuId === ci.skuId)?.unitPriceFen ?? 0), 0)
  // the money guard's answer (items, order, incident caps), as the core computed it for this case
  const money = view.money
  const threshold = money?.thresholdFen ?? approvalThresholdFen
  const limitHint = (money ? `；${money.refundWhy}` : view.refundableFen !== undefined ? `；本单还可退${yuan(view.refundableFen)}` : '')
    + (me.role === 'agent' && threshold !== undefined ? `；合计超过${yuan(threshold)}将提交主管审批` : '')
  const compHint = money ? `；${money.compensationWhy}` : limitHint
  // what 同意 with the engine's remedy does now: the core's dry run (runs / goes to a supervisor)
  const approveTap = open === 'approve' && !d.amount.trim() && !d.requested ? money?.approve ?? null : null
  const toSupervisor = approveTap?.outcome === 'approval'

  const openForm = (a: StaffCommand, preset: Partial<Draft> = {}) => {
    setOpen(a)
    setError(null)
    // approving: start from the engine's return terms for this remedy when it suggested one
    const like = a === 'approve' ? view.offers.find((o) => o.status === 'suggested' && o.kind === APPROVE_KIND[view.type]) : undefined
    setD({ ...emptyDraft(), ...(like ? { pickup: like.pickup, shippingPaidBy: like.shippingPaidBy } : {}), ...preset })
    if (a === 'reassign' && !staff) {
      adminApi.listStaff().then(
        (s) => setStaff(s.filter((x) => x.active)),
        (e: unknown) => setError({ code: 'LOAD', message: messageOf(e) }),
      )
    }
  }

  const close = () => {
    setOpen(null)
    setError(null)
  }

  async function run<K extends StaffCommand>(action: K, data: Omit<AdminInput<K>, 'caseId'>, confirm?: string) {
    if (confirm) {
      const r = await Taro.showModal({ title: '请确认', content: confirm, confirmText: '确认', cancelText: '再想想' })
      if (!r.confirm) return
    }
    setBusy(true)
    setError(null)
    try {
      const next = await adminApi.command(action, { ...data, caseId: view.id, expectedVersion: view.version } as AdminInput<K>)
      setOpen(null)
      setD(emptyDraft())
      // an agent's money above the threshold became an approval request (the core decided, in the same tap)
      const submitted = !view.money?.pendingApproval && !!next.money?.pendingApproval
      Taro.showToast({ title: submitted ? '已提交主管审批' : '已提交', icon: submitted ? 'none' : 'success' })
      onUpdated(next)
    } catch (e) {
      setError({ code: e instanceof ApiFailure ? e.code : 'INTERNAL', message: messageOf(e) })
    } finally {
      setBusy(false)
    }
  }

  const invalid = (msg: string) => setError({ code: 'VALIDATION', message: msg })

  const submit = () => {
    if (!open) return
    const text = d.text.trim()
    switch (open) {
      case 'respond':
      case 'ask_info':
      case 'note':
      case 'escalate':
        if (!text) return invalid('请填写内容')
        return run(open, { text })
      case 'reject':
        if (!text) return invalid('请填写给买家的说明')
        return run('reject', { text: `【${d.rejectReason}】${text}` }, CONFIRM.reject)
      case 'approve': {
        const amountFen = d.amount.trim() ? inputToFen(d.amount) : undefined
        if (amountFen === null) return invalid('金额格式不正确（最多两位小数）')
        if (view.type === 'compensation' && !amountFen && !money?.approve?.summary) return invalid('请填写补偿金额')
        const changeReason = d.changeReason.trim()
        return run(
          'approve',
          {
            ...(amountFen !== undefined ? { amountFen } : {}),
            ...(d.requested ? { remedy: 'requested' as const } : {}),
            ...(changeReason ? { changeReason } : {}),
            ...(WITH_RETURN.has(view.type) ? { pickup: d.pickup, shippingPaidBy: d.shippingPaidBy } : {}),
            ...(view.type === 'resend' ? { pickup: d.pickup } : {}),
            ...(view.type === 'exchange' ? { shipReplacementNow: d.shipNow } : {}),
            ...(text ? { text } : {}),
          },
          // left blank, the amount is the engine's remedy's (the preview's value), not nothing
          toSupervisor ? undefined : shopMoneyConfirm(view, approveConfirm(view.type, amountFen ?? (money?.approve?.valueFen || undefined), claimedFen, d.shipNow)),
        )
      }
      case 'issue_refund': {
        const amountFen = inputToFen(d.amount)
        if (!amountFen) return invalid('请填写大于0的退款金额')
        return run('issue_refund', { amountFen, purpose: d.purpose, ...(text ? { text } : {}) }, `${CONFIRM.issue_refund}（${yuan(amountFen)}）`)
      }
      case 'record_manual_refund': {
        const amountFen = inputToFen(d.amount)
        if (!amountFen) return invalid('请填写大于0的金额')
        if (!d.photos.length) return invalid('请上传转账凭证（截图或回单）')
        if (text.length < 2) return invalid('请写明退款方式和流水号')
        return run('record_manual_refund', { amountFen, purpose: d.purpose, proof: d.photos, note: text }, `登记后记为已退款${yuan(amountFen)}并通知买家，不可撤销。确认已线下转账？`)
      }
      case 'receive_return':
        return run('receive_return', text ? { text } : {})
      case 'withdraw_offer':
        if (text.length > 200) return invalid('撤回原因最多200个字')
        return run('withdraw_offer', text ? { reason: text } : {}, CONFIRM.withdraw_offer)
      case 'inspect':
        if (!text) return invalid('请填写验货说明')
        return run('inspect', { result: d.result, note: text, photos: d.photos }, d.result === 'fail' ? (view.platform ? '验货不通过：售后单回到您手上，请在平台拒绝（附验货照片）或与买家协商。确认不通过？' : '验货不通过将驳回该售后，不可撤销。确认不通过？') : undefined)
      case 'ship_replacement':
        if (!d.carrier.trim() || !d.trackingNo.trim()) return invalid('请填写快递公司和单号')
        return run('ship_replacement', { carrier: d.carrier.trim(), trackingNo: d.trackingNo.trim() })
      case 'reassign':
        return run('reassign', { assigneeId: d.assigneeId, ...(d.team ? { team: d.team } : {}), ...(text ? { text } : {}) })
      case 'make_offer': {
        const offerIds: string[] = []
        const offers: OfferInput[] = []
        for (const o of suggestions) {
          const edits = d.picked[o.id]
          if (!edits) continue
          const changed = AMOUNT_FIELDS.filter((f) => edits[f] !== undefined && inputToFen(edits[f] ?? '') !== o[f])
          if (changed.some((f) => inputToFen(edits[f] ?? '') === null)) return invalid('方案金额格式不正确')
          if (!changed.length) offerIds.push(o.id)
          else offers.push({ ...offerInputOf(o), ...Object.fromEntries(changed.map((f) => [f, inputToFen(edits[f] ?? '') ?? 0])) })
        }
        if (d.custom) {
          const fen = inputToFen(d.customAmount || '0')
          if (fen === null) return invalid('自定义方案金额格式不正确')
          if (!d.customExplanation.trim()) return invalid('请填写自定义方案的说明')
          const field: AmountField = d.customKind === 'coupon' ? 'couponFen' : d.customKind === 'compensation' ? 'compensationFen' : 'refundFen'
          offers.push({ rule: 'manual', kind: d.customKind, [field]: fen, explanation: d.customExplanation.trim() })
        }
        if (!offerIds.length && !offers.length) return invalid('请至少选择一个方案')
        return run('make_offer', { offerIds, offers, ...(text ? { text } : {}) })
      }
    }
  }

  const canned = Object.entries(cannedReplies).filter((e): e is [string, string] => !!e[1])
  canned.sort(([a], [b]) => (a === view.reason ? -1 : b === view.reason ? 1 : 0))
  const insertCanned = (reply: string) => set({ text: d.text ? `${d.text}\n${reply}` : reply })

  /** an amount with what it is for (refund of the goods / compensation) and the money guard's answer for that purpose */
  const moneyField = (label: string) => (
    <View className="adm-field">
      <Text className="adm-field__label">{`${label}（元${d.purpose === 'refund' ? limitHint : compHint}）`}</Text>
      {amountInput('f-amount', d.amount, (v) => set({ amount: v }))}
      <Chip id="f-purpose-refund" on={d.purpose === 'refund'} onClick={() => set({ purpose: 'refund' })}>
        货款退款
      </Chip>
      <Chip id="f-purpose-comp" on={d.purpose === 'compensation'} onClick={() => set({ purpose: 'compensation' })}>
        补偿
      </Chip>
    </View>
  )

  /** staff photos (inspection, a transfer's proof): the ones added so far and the add button */
  const photoField = (label: string, add: string) => (
    <View className="adm-field">
      <Text className="adm-field__label">{label}</Text>
      <View className="adm-evidence">
        {d.photos.map((p) => (
          <Image key={p} className="adm-evidence__img" src={mediaUrl(p)} mode="aspectFill" />
        ))}
      </View>
      <Button id="f-photo" className="adm-btn adm-btn--small" onClick={addPhotos}>
        {add}
      </Button>
    </View>
  )

  const textField = (label: string, placeholder = '') => (
    <View className="adm-field">
      <Text className="adm-field__label">{label}</Text>
      <Textarea
        id="f-text"
        className="adm-textarea"
        value={d.text}
        maxlength={1000}
        placeholder={placeholder}
        onInput={(e) => set({ text: e.detail.value })}
      />
    </View>
  )

  const cannedList = canned.length > 0 && (
    <View className="adm-field" id="f-canned">
      <Text className="adm-field__label">话术（点击插入）</Text>
      {canned.map(([code, reply]) => (
        <View key={code} className="adm-chip adm-canned" id={`canned-${code}`} onClick={() => insertCanned(reply)}>
          <Text>
            {reasonLabels[code] ?? code}：{reply.length > 16 ? `${reply.slice(0, 16)}…` : reply}
          </Text>
        </View>
      ))}
    </View>
  )

  const amountInput = (id: string, value: string, onChange: (v: string) => void, placeholder = '单位：元') => (
    <Input id={id} className="adm-input" type="digit" value={value} placeholder={placeholder} onInput={(e) => onChange(e.detail.value)} />
  )

  const form = () => {
    switch (open) {
      case 'respond':
        return (
          <>
            {textField('回复买家', '买家将收到这条回复')}
            {cannedList}
          </>
        )
      case 'ask_info':
        return (
          <>
            {textField('需要买家补充什么', '如：请补充外包装和破损处的照片')}
            {cannedList}
          </>
        )
      case 'note':
        return textField('内部备注（仅客服可见，买家看不到）')
      case 'escalate':
        return textField('升级原因', '说明需要主管处理的原因')
      case 'reject':
        return (
          <>
            <View className="adm-field">
              <Text className="adm-field__label">驳回原因</Text>
              {REJECT_REASONS.map((r, i) => (
                <Chip key={r} id={`reject-reason-${i}`} on={d.rejectReason === r} onClick={() => set({ rejectReason: r })}>
                  {r}
                </Chip>
              ))}
            </View>
            {textField('给买家的说明')}
            {cannedList}
          </>
        )
      case 'approve': {
        // what the amount means depends on the case type (exchange / resend move goods, not money)
        const amountLabel: Partial<Record<CaseView['type'], string>> = {
          refund_only: `退款金额（元，留空按建议方案或申请商品金额${yuan(claimedFen)}${limitHint}）`,
          return_refund: `退款金额（元，验货通过后退款；留空按建议方案或申请商品金额${yuan(claimedFen)}${limitHint}）`,
          compensation: `补偿金额（元，留空按建议方案${compHint}）`,
          logistics: `补偿金额（元，可选，留空按建议方案或只跟进物流${compHint}）`,
        }
        const label = amountLabel[view.type]
        const engine = money?.approve
        return (
          <>
            {engine && engine.summary && (
              <Text className={`adm-muted block ${engine.outcome === 'approval' ? 'adm-warn' : ''}`} id="approve-preview">
                {engine.outcome === 'approval' ? `将提交主管审批：${engine.summary}（${engine.message.replace(/，点击后提交主管审批$/, '')}）` : engine.outcome === 'runs' ? `将执行：${engine.summary}` : engine.message}
              </Text>
            )}
            {label && (
              <View className="adm-field">
                <Text className="adm-field__label">{label}</Text>
                {amountInput('f-amount', d.amount, (v) => set({ amount: v }))}
              </View>
            )}
            {(WITH_RETURN.has(view.type) || view.type === 'resend') && (
              <View className="adm-field">
                <Chip id="f-pickup" on={d.pickup} onClick={() => set({ pickup: !d.pickup })}>
                  {view.type === 'resend' ? '预约上门取回原商品' : '预约上门取件'}
                </Chip>
                {WITH_RETURN.has(view.type) && (
                  <>
                    <Chip id="f-paid-seller" on={d.shippingPaidBy === 'seller'} onClick={() => set({ shippingPaidBy: 'seller' })}>
                      运费商家承担
                    </Chip>
                    <Chip id="f-paid-buyer" on={d.shippingPaidBy !== 'seller'} onClick={() => set({ shippingPaidBy: notSeller })}>
                      {insured ? '运费险承担' : '运费买家承担'}
                    </Chip>
                  </>
                )}
                {view.type === 'exchange' && (
                  <Chip id="f-ship-now" on={d.shipNow} onClick={() => set({ shipNow: !d.shipNow })}>
                    先发换货（双向发货）
                  </Chip>
                )}
              </View>
            )}
            <View className="adm-field">
              <Chip id="f-requested" on={d.requested} onClick={() => set({ requested: !d.requested })}>
                不用建议方案，按买家申请处理
              </Chip>
              <Text className="adm-field__label">调整原因（修改建议方案或金额时必填，记入时间线）</Text>
              <Input id="f-change-reason" className="adm-input" value={d.changeReason} maxlength={200} onInput={(e) => set({ changeReason: e.detail.value })} />
            </View>
            {textField('给买家的说明（可选）')}
          </>
        )
      }
      case 'issue_refund':
        return (
          <>
            {moneyField('金额')}
            {textField('说明（可选）')}
          </>
        )
      case 'record_manual_refund':
        return (
          <>
            {moneyField('已线下转账的金额')}
            {textField('退款方式和流水号', '如：微信转账 流水号 4200…')}
            {photoField('转账凭证（必填）', '上传凭证')}
          </>
        )
      case 'receive_return':
        return textField('收货说明（可选）')
      case 'withdraw_offer':
        return (
          <>
            <View className="adm-field" id="f-on-table">
              <Text className="adm-field__label">将撤回买家尚未答复的方案</Text>
              {onTable.map((o) => (
                <Text key={o.id} className="adm-muted block">
                  {OFFER_KIND_LABELS[o.kind] ?? o.kind}：{o.explanation}
                </Text>
              ))}
            </View>
            {textField('撤回原因（可选，买家可见）', '如：方案金额有误，稍后为您重新提供')}
          </>
        )
      case 'inspect':
        return (
          <>
            <View className="adm-field">
              <Chip id="f-pass" on={d.result === 'pass'} onClick={() => set({ result: 'pass' })}>
                验货通过
              </Chip>
              <Chip id="f-fail" on={d.result === 'fail'} onClick={() => set({ result: 'fail' })}>
                验货不通过
              </Chip>
            </View>
            {textField('验货说明', d.result === 'fail' ? '说明不通过的原因，买家可见' : '')}
            {photoField('验货照片', '添加照片')}
          </>
        )
      case 'ship_replacement':
        return (
          <>
            <View className="adm-field">
              <Text className="adm-field__label">快递公司</Text>
              <Input id="f-carrier" className="adm-input" value={d.carrier} placeholder="如：顺丰速运" onInput={(e) => set({ carrier: e.detail.value })} />
            </View>
            <View className="adm-field">
              <Text className="adm-field__label">快递单号</Text>
              <Input id="f-tracking" className="adm-input" value={d.trackingNo} onInput={(e) => set({ trackingNo: e.detail.value })} />
            </View>
          </>
        )
      case 'reassign':
        return (
          <>
            <View className="adm-field">
              <Text className="adm-field__label">转交给</Text>
              {!staff && <Text className="adm-muted">加载客服名单…</Text>}
              <Chip id="f-assignee-none" on={d.assigneeId === null} onClick={() => set({ assigneeId: null })}>
                放回组队列
              </Chip>
              {(staff ?? []).map((s) => (
                <Chip key={s.id} id={`f-assignee-${s.id}`} on={d.assigneeId === s.id} onClick={() => set({ assigneeId: s.id })}>
                  {s.name}（{ROLE_LABELS[s.role]}{s.onDuty ? '' : '，休息'}）
                </Chip>
              ))}
            </View>
            <View className="adm-field">
              <Text className="adm-field__label">处理组（可选）</Text>
              {TEAMS.map((t) => (
                <Chip key={t} id={`f-team-${t}`} on={d.team === t} onClick={() => set({ team: d.team === t ? '' : t })}>
                  {TEAM_LABELS[t]}
                </Chip>
              ))}
            </View>
            {textField('转交说明（可选）')}
          </>
        )
      case 'make_offer':
        return (
          <>
            <View className="adm-field" id="f-suggestions">
              {revising && (
                <Text className="adm-warn block" id="f-revising">
                  新方案将替换买家尚未答复的方案，买家会收到新的方案通知
                </Text>
              )}
              <Text className="adm-field__label">{revising ? '当前方案与系统建议（可保留、改金额，买家从中选择）' : '系统建议方案（可改金额，买家从中选择）'}</Text>
              {suggestions.length === 0 && <Text className="adm-muted">暂无系统建议</Text>}
              {suggestions.map((o) => {
                const edits = d.picked[o.id]
                return (
                  <View key={o.id} className={`adm-offer${edits ? ' adm-offer--on' : ''}`} id={`pick-${o.id}`}>
                    <View
                      onClick={() => {
                        const picked = { ...d.picked }
                        if (picked[o.id]) delete picked[o.id]
                        else picked[o.id] = Object.fromEntries(AMOUNT_FIELDS.filter((f) => o[f] > 0).map((f) => [f, fenToInput(o[f])]))
                        set({ picked })
                      }}
                    >
                      <Text>
                        {edits ? '☑ ' : '☐ '}
                        {o.status === 'offered' ? '【当前】' : ''}
                        {OFFER_KIND_LABELS[o.kind] ?? o.kind}：{o.explanation}
                      </Text>
                    </View>
                    {edits &&
                      AMOUNT_FIELDS.filter((f) => o[f] > 0).map((f) => (
                        <View key={f} className="adm-field">
                          <Text className="adm-field__label">{AMOUNT_LABELS[f]}（元）</Text>
                          {amountInput(`f-offer-${o.id}-${f}`, edits[f] ?? '', (v) => set({ picked: { ...d.picked, [o.id]: { ...edits, [f]: v } } }))}
                        </View>
                      ))}
                  </View>
                )
              })}
            </View>
            <View className="adm-field">
              <Chip id="f-custom" on={d.custom} onClick={() => set({ custom: !d.custom })}>
                自定义方案
              </Chip>
              {d.custom && (
                <View>
                  {(['refund', 'compensation', 'coupon'] as OfferKind[]).map((k) => (
                    <Chip key={k} id={`f-custom-${k}`} on={d.customKind === k} onClick={() => set({ customKind: k })}>
                      {OFFER_KIND_LABELS[k]}
                    </Chip>
                  ))}
                  {amountInput('f-custom-amount', d.customAmount, (v) => set({ customAmount: v }))}
                  <Input
                    id="f-custom-explanation"
                    className="adm-input"
                    value={d.customExplanation}
                    placeholder="给买家的方案说明"
                    onInput={(e) => set({ customExplanation: e.detail.value })}
                  />
                </View>
              )}
            </View>
            {textField('附言（可选）')}
          </>
        )
      default:
        return null
    }
  }

  async function addPhotos() {
    try {
      const picked = await pickEvidence({ images: 9 - d.photos.length, videos: 0 })
      const ids: string[] = []
      for (const f of picked) {
        const c = classify(f)
        if (!c || c.kind !== 'image') continue
        ids.push((await uploadEvidence(c)).fileId)
      }
      setD((cur) => ({ ...cur, photos: [...cur.photos, ...ids].slice(0, 9) }))
    } catch (e) {
      Taro.showToast({ title: messageOf(e), icon: 'none' })
    }
  }

  const loopButtons = loop.map((x) => (
    <Button
      key={x.id}
      id={`act-loop-${x.key}`}
      className="adm-btn adm-btn--small adm-btn--primary adm-loop-action"
      onClick={() => Taro.pageScrollTo({ selector: `#${x.id}`, duration: 200 }).catch(() => {})}
    >
      {x.label}
    </Button>
  ))

  if (!visible.length && loop.length) {
    return (
      <View className="adm-actionbar" id="adm-actionbar">
        <View className="adm-actionbar__buttons" id="adm-actions">
          {loopButtons}
        </View>
      </View>
    )
  }

  if (!visible.length) {
    return (
      <View className="adm-actionbar" id="adm-actionbar">
        <Text className="adm-muted" id="adm-no-actions">
          当前状态无需处理
        </Text>
      </View>
    )
  }

  return (
    <View className="adm-actionbar" id="adm-actionbar">
      {money?.pendingApproval && (
        <Text className="adm-warn block" id="adm-pending-approval">
          {`待主管审批：${money.pendingApproval.summary}（价值${yuan(money.pendingApproval.valueFen)}，${money.pendingApproval.why}）`}
        </Text>
      )}
      {needsSupervisor && !money?.pendingApproval && (
        <Text className="adm-muted" id="adm-needs-supervisor">
          {view.flags.escalated ? '已升级至主管，超出客服审批额度的方案由主管审批' : '有方案超出客服审批额度，同意时需主管审批'}
        </Text>
      )}
      {open && (
        <View className="adm-form" id={`form-${open}`}>
          <Text className="adm-form__title">{labelOf(open)}</Text>
          {form()}
          {error && (
            <View className="adm-forbidden-box" id="adm-action-error">
              <Text className="adm-forbidden-box__msg">{error.message}</Text>
              {error.code === 'FORBIDDEN' && open !== 'escalate' && view.actions.includes('escalate') && (
                <Button
                  id="adm-escalate-approval"
                  className="adm-btn adm-btn--small adm-btn--danger"
                  onClick={() => openForm('escalate', { text: `请主管处理：${error.message}` })}
                >
                  转主管处理
                </Button>
              )}
              {error.code === 'CONFLICT' && <Text className="adm-muted">（请返回刷新后再操作）</Text>}
            </View>
          )}
          {toSupervisor && (
            <Text className="adm-muted block" id="approve-over-limit">
              不会立即执行：将按上面的方案提交主管审批，主管批准后自动执行
            </Text>
          )}
          <View>
            <Button id={`submit-${open}`} className={`adm-btn ${CONFIRM[open] || open === 'inspect' ? 'adm-btn--danger' : 'adm-btn--primary'}`} disabled={busy || undefined} onClick={submit}>
              {busy ? '提交中…' : toSupervisor ? `提交主管审批 ${yuan(approveTap!.valueFen)}` : `确认${labelOf(open)}`}
            </Button>
            <Button id="adm-form-cancel" className="adm-btn" onClick={close}>
              取消
            </Button>
          </View>
        </View>
      )}
      {!open && (
        <View className="adm-actionbar__buttons" id="adm-actions">
          {loopButtons}
          {visible.map((a) => (
            <Button
              key={a}
              id={`act-${a}`}
              className={`adm-btn adm-btn--small adm-action ${a === 'approve' || a === 'respond' ? 'adm-btn--primary' : ''}`}
              onClick={() => openForm(a)}
            >
              {labelOf(a)}
            </Button>
          ))}
        </View>
      )}
    </View>
  )
}

function offerInputOf(o: Offer): OfferInput {
  return {
    rule: o.rule,
    kind: o.kind,
    refundFen: o.refundFen,
    compensationFen: o.compensationFen,
    couponFen: o.couponFen,
    giftValueFen: o.giftValueFen,
    items: o.items,
    pickup: o.pickup,
    shippingPaidBy: o.shippingPaidBy,
    explanation: o.explanation,
  }
}

/** The follow-up tasks open on the case that the staff may work now, each pointing at its section in the page. */
export function loopSteps(view: CaseView): Array<{ key: 'review' | 'visit' | 'approval'; id: string; label: string }> {
  const out: Array<{ key: 'review' | 'visit' | 'approval'; id: string; label: string }> = []
  const step = view.actions.includes('review_step') ? reviewOpenStep(view.reviewFollowUp) : null
  if (step) out.push({ key: 'review', id: step.id, label: `差评跟进：${step.label}` })
  if (view.actions.includes('record_visit') && view.followUp && !view.followUp.outcome) out.push({ key: 'visit', id: 'case-visit', label: '记录回访' })
  if (view.actions.includes('decide_approval') && (view.approvals ?? []).some((a) => a.status === 'pending')) out.push({ key: 'approval', id: 'case-approval', label: '处理审批' })
  return out
}
