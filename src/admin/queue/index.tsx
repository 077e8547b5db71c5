import { View } from '@tarojs/components'
export default function Queue() {
  return <View>queue</View>
}
