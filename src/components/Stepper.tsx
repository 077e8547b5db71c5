import { Text, View } from '@tarojs/components'

/** Quantity picker 1…max. */
export function Stepper({ value, max, onChange, id }: { value: number; max: number; onChange: (n: number) => void; id?: string }) {
  return (
    <View className="stepper" id={id}>
      <Text className="stepper__btn" id={id ? `${id}-minus` : undefined} onClick={() => value > 1 && onChange(value - 1)}>
        −
      </Text>
      <Text className="stepper__val">{value}</Text>
      <Text className="stepper__btn" id={id ? `${id}-plus` : undefined} onClick={() => value < max && onChange(value + 1)}>
        +
      </Text>
    </View>
  )
}
