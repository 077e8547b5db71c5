import { useEffect, useState } from 'react'
import { Text } from '@tarojs/components'
import { formatRemaining, formatTime } from '../utils/time'

/**
 * "还剩 2天3小时（截止 2026-11-25 18:00）", refreshed every 30 s. Once past: the buyer's own
 * deadline says so plainly; the seller's (their SLA) comes with an apology, not a red alarm.
 */
export function Countdown({ dueAt, id, side = 'buyer' }: { dueAt: string; id?: string; side?: 'buyer' | 'seller' }) {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 30_000)
    return () => clearInterval(t)
  }, [])
  const left = formatRemaining(Date.parse(dueAt) - now)
  if (!left && side === 'seller') {
    return (
      <Text id={id} className="countdown countdown--sorry">
        很抱歉，处理比我们承诺的时间（{formatTime(dueAt)}）慢了，客服正在加急处理
      </Text>
    )
  }
  return (
    <Text id={id} className={`countdown${left ? '' : ' countdown--over'}`}>
      {left ? `还剩 ${left}（截止 ${formatTime(dueAt)}）` : `已过截止时间 ${formatTime(dueAt)}`}
    </Text>
  )
}
