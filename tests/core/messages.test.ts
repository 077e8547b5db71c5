import { buildBuyerMessage, formatField, truncate, withinLimit } from '../../cloudfunctions/core'
import { later, MON_10, open, policy } from './fixtures'

describe('订阅消息字段格式（微信限制）', () => {
  test.each([
    ['thing1', '高含量瓶装燕窝6瓶装 礼盒款 年货节特惠 买就送杯子', '高含量瓶装燕窝6瓶装 礼盒款 年货节特…'],
    ['thing1', '短', '短'],
    ['thing1', '', '无'],
    ['phrase3', '退款处理中请稍候', '退款处理中'],
    ['phrase3', 'OK', '处理中'],
    ['amount2', 1250, '12.50元'],
    ['amount2', 5, '0.05元'],
    ['time5', '2026-11-23T06:05:00.000Z', '2026-11-23 14:05'],
    ['date4', '2026-11-23T17:00:00.000Z', '2026-11-24'],
    ['character_string1', 'AS-2026 1123/单号：Ab9', 'AS-20261123/Ab9'],
    ['number6', '订单 12,345', '12345'],
  ])('%s(%j) → %j', (field, value, expected) => {
    expect(formatField(field, value)).toBe(expected)
    expect(withinLimit(field, expected)).toBe(true)
  })
  test('截断不拆开表情（家庭组合表情是一个字）', () => {
    const family = '👨‍👩‍👧‍👦'
    const s = '客服很好' + family.repeat(5)
    const out = truncate(s, 20)
    expect(Array.from(out).length).toBeLessThanOrEqual(20)
    expect(out.endsWith('…')).toBe(true)
    expect(out.replace('…', '').replace(/👨‍👩‍👧‍👦/g, '')).toBe('客服很好')
  })
  test('消息带模板ID、跳转页和售后单号', () => {
    const c = open({})
    const m = buildBuyerMessage('case_submitted', c, policy, 'k', later(MON_10, 0))!
    expect(m.templateId).toBe(policy.templates.case_update.templateId)
    expect(m.page).toBe(`pages/case/index?id=${c.id}`)
    expect(m.data.character_string1.value).toBe(c.caseNo)
    expect(m.data.phrase3.value).toBe('已受理')
    expect(m.data.time5.value).toBe('2026-11-23 10:00')
  })
  test('商家没配置的模板就不发', () => {
    const c = open({})
    const p = { ...policy, templates: {} }
    expect(buildBuyerMessage('case_submitted', c, p, 'k', MON_10)).toBeNull()
  })
})
