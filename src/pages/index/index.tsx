import { View, Text } from '@tarojs/components'
import { Button } from '@nutui/nutui-react-taro'
import '@nutui/nutui-react-taro/dist/es/packages/button/style/css'

export default function Home() {
  return (
    <View className="home">
      <Text id="title">我的售后</Text>
      <Button type="primary">申请售后</Button>
    </View>
  )
}
