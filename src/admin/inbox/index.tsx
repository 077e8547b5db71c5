import { useCallback, useState } from 'react'
import Taro, { usePullDownRefresh, useReachBottom } from '@tarojs/taro'
import { StaffGate } from '../ui'
import { InboxScreen } from './InboxScreen'

export default function InboxPage() {
  const [refreshKey, setRefreshKey] = useState(0)
  const [bottomKey, setBottomKey] = useState(0)
  usePullDownRefresh(() => setRefreshKey((k) => k + 1))
  useReachBottom(() => setBottomKey((k) => k + 1))
  const done = useCallback(() => Taro.stopPullDownRefresh(), [])
  return <StaffGate>{(me) => <InboxScreen me={me} refreshKey={refreshKey} bottomKey={bottomKey} onRefreshed={done} />}</StaffGate>
}
