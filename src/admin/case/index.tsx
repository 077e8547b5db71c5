import { useCallback, useState } from 'react'
import Taro, { usePullDownRefresh, useRouter } from '@tarojs/taro'
import { StaffGate } from '../ui'
import { CaseScreen } from './CaseScreen'

export default function CasePage() {
  const router = useRouter()
  const [refreshKey, setRefreshKey] = useState(0)
  usePullDownRefresh(() => setRefreshKey((k) => k + 1))
  const done = useCallback(() => Taro.stopPullDownRefresh(), [])
  const id = decodeURIComponent(String(router.params.id ?? ''))
  return <StaffGate>{(me) => <CaseScreen caseId={id} me={me} refreshKey={refreshKey} onRefreshed={done} />}</StaffGate>
}
