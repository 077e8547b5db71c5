import { useRouter } from '@tarojs/taro'
import { View } from '@tarojs/components'
import { NewCaseForm } from './NewCaseForm'
import '../../components/ui.css'

export default function NewCasePage() {
  const { params } = useRouter()
  return (
    <View className="page">
      <NewCaseForm orderId={params.orderId ? decodeURIComponent(params.orderId) : undefined} />
    </View>
  )
}
