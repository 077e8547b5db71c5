/**
 * 差好评 (issue 24): a good score whose comment has one of the policy's care.mixedReviewKeywords is
 * followed up like a 差评 (the same task, 24-hour deadline, the agent alerted); without such a word,
 * or with the list emptied, a good rating opens nothing.
 */
import { defaultPolicy } from '@contract/policy'
import type { Case } from '@contract/domain'
import { agent, buyer, later, MON_10, open, order, step, system } from './fixtures'

function rated(score: number, comment: string, policy = defaultPolicy): ReturnType<typeof step> {
  let c: Case = open({ reason: 'lost_parcel', type: 'refund_only', order: order({ deliveredAt: undefined }), claimedItems: [{ skuId: 'CUP', qty: 1 }] })
  c = step(c, { type: 'approve' }, agent, later(MON_10, 5)).case
  c = step(c, { type: 'refund_confirmed', key: c.refunds[0].key }, system, later(MON_10, 30)).case
  return step(c, { type: 'rate', score, comment }, buyer, later(MON_10, 60), { policy })
}

test('5星但评价含"但是"：按差评跟进，提醒负责客服', () => {
  const r = rated(5, '退款很快，但是杯子包装太简陋了')
  expect(r.case.flags.negativeReview).toBe(true)
  expect(r.case.reviewFollowUp).toMatchObject({ trigger: { score: 5, keywords: ['但是'] }, closedAt: null })
  const alert = r.events.find((e) => e.kind === 'staff_alert' && e.alert === 'negative_review_followup')
  expect(alert && 'text' in alert ? alert.text : '').toContain('5星好评但评价含"但是"')
})

test('真心好评不开启跟进；把差好评词清空后也不开启', () => {
  expect(rated(5, '退款很快，客服态度好').case.reviewFollowUp ?? null).toBeNull()
  const off = { ...defaultPolicy, care: { ...defaultPolicy.care, mixedReviewKeywords: [] } }
  expect(rated(5, '退款很快，但是杯子包装太简陋了', off).case.reviewFollowUp ?? null).toBeNull()
})
