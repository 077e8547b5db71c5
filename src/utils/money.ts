/** Money is integer fen everywhere; these only format it for people. */

/** 1250 → "12.50" */
export function fenToYuan(fen: number): string {
  const sign = fen < 0 ? '-' : ''
  const abs = Math.abs(Math.round(fen))
  const yuan = Math.floor(abs / 100)
  const cents = abs % 100
  return `${sign}${yuan}.${cents < 10 ? '0' : ''}${cents}`
}

/** 1250 → "¥12.50" */
export function formatYuan(fen: number): string {
  return `¥${fenToYuan(fen)}`
}
