import { Text } from '@tarojs/components'
import { STATUS_LABELS, type CaseStatus } from '@contract/domain'

type Tone = 'processing' | 'action' | 'success' | 'danger' | 'final'

/** Colour per status: presentation only (who acts next comes from the case's `next`). */
const TONE: Record<CaseStatus, Tone> = {
  submitted: 'processing',
  awaiting_buyer: 'action',
  in_review: 'processing',
  offer_pending: 'action',
  awaiting_return: 'action',
  return_shipped: 'processing',
  inspecting: 'processing',
  refunding: 'processing',
  replacement_shipped: 'processing',
  resolved: 'success',
  rejected: 'danger',
  closed: 'final',
  cancelled: 'final',
}

/** `sellerOpened`: a case the seller opened is not "已提交" by the buyer. */
export function StatusBadge({ status, id, sellerOpened = false }: { status: CaseStatus; id?: string; sellerOpened?: boolean }) {
  return (
    <Text id={id} className={`badge badge--${TONE[status]}`}>
      {sellerOpened && status === 'submitted' ? '商家主动跟进中' : STATUS_LABELS[status]}
    </Text>
  )
}
