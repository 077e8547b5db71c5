import type { ReactNode } from 'react'
import { Button, Text, View } from '@tarojs/components'

export function Loading({ text = '加载中…' }: { text?: string }) {
  return (
    <View className="state" id="state-loading">
      <Text className="state__text">{text}</Text>
    </View>
  )
}

export function Empty({ text, children, id }: { text: string; children?: ReactNode; id?: string }) {
  return (
    <View className="state" id={id ?? 'state-empty'}>
      <Text className="state__text">{text}</Text>
      {children}
    </View>
  )
}

export function ErrorView({ message, onRetry }: { message: string; onRetry?: () => void }) {
  return (
    <View className="state" id="state-error">
      <Text className="state__text error-text">{message}</Text>
      {onRetry && (
        <Button id="retry" className="btn btn--small" onClick={onRetry}>
          重试
        </Button>
      )}
    </View>
  )
}
