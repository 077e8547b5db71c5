/** Every rule the engine can put on an offer has a label in the seller workspace. */
import fs from 'node:fs'
import path from 'node:path'
import { RULE_LABELS } from '../../src/admin/labels'

test('每条引擎规则在客服工作台都有中文名称', () => {
  const dir = path.resolve(__dirname, '../../cloudfunctions/core')
  const rules = new Set<string>()
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
    for (const m of fs.readFileSync(path.join(dir, f), 'utf8').matchAll(/rule: '([a-z0-9_]+)'/g)) rules.add(m[1])
  }
  expect(rules.size).toBeGreaterThan(10)
  expect([...rules].filter((r) => !RULE_LABELS[r])).toEqual([])
})
