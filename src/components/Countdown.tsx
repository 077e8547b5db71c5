import { useEffect, useState } from 'react'
import { Text } from '@tarojs/components'
import { formatRemaining, formatTime } from '../utils/time'

/** "还剩 2天3小时（截止 2026-11-25 18:00）", refreshed every 30 s; "已超时" once past. */
export function Countdown({ dueAt, id }: { dueAt: string; id?: string }) {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 30_000)
    return () => clearInterval(t)
  }, [])
  const left = formatRemaining(Date.parse(dueAt) - now)
  return (
    <Text id={id} className={`countdown${left ? '' : ' countdown--over'}`}>
      {left ? `还剩 ${left}（截止 ${formatTime(dueAt)}）` : `已超过截止时间 ${formatTime(dueAt)}`}
    </Text>
  )
}
