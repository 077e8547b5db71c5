import { useRouter } from '@tarojs/taro'
import { StaffGate } from '../ui'
import { BatchScreen } from './BatchScreen'

/** 批次预警: the list, or one alert (`?id=`) with its cases side by side and the owner's action. */
export default function BatchPage() {
  const id = useRouter().params.id
  return <StaffGate>{(me) => <BatchScreen me={me} alertId={id ? decodeURIComponent(id) : undefined} />}</StaffGate>
}
