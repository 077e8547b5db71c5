import { useRef, useState } from 'react'
import { useDidShow } from '@tarojs/taro'
import { View } from '@tarojs/components'
import { HomeScreen } from './HomeScreen'
import '../../components/ui.css'

export default function Home() {
  const [refreshKey, setRefreshKey] = useState(0)
  const shown = useRef(false)
  // refresh when coming back from a case or a new application
  useDidShow(() => {
    if (shown.current) setRefreshKey((k) => k + 1)
    shown.current = true
  })
  return (
    <View className="page">
      <HomeScreen refreshKey={refreshKey} />
    </View>
  )
}
