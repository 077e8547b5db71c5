import { useRef, useState } from 'react'
import { useDidShow, useRouter } from '@tarojs/taro'
import { View } from '@tarojs/components'
import { ErrorView } from '../../components/States'
import { CaseScreen } from './CaseScreen'
import '../../components/ui.css'

export default function CasePage() {
  const { params } = useRouter()
  const [refreshKey, setRefreshKey] = useState(0)
  const shown = useRef(false)
  // reload when the buyer comes back to this page (the first show is the initial load)
  useDidShow(() => {
    if (shown.current) setRefreshKey((k) => k + 1)
    shown.current = true
  })
  const id = params.id ? decodeURIComponent(params.id) : ''
  return <View className="page">{id ? <CaseScreen caseId={id} refreshKey={refreshKey} /> : <ErrorView message="缺少售后单号" />}</View>
}
