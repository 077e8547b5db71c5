import type { ReactNode } from 'react'
import { Text } from '@tarojs/components'

/** A tappable choice; `off` = shown but not selectable. */
export function Chip({
  id,
  on,
  off,
  onTap,
  children,
}: {
  id?: string
  on?: boolean
  off?: boolean
  onTap?: () => void
  children: ReactNode
}) {
  return (
    <Text
      id={id}
      className={`chip${on ? ' chip--on' : ''}${off ? ' chip--off' : ''}`}
      aria-disabled={off ? 'true' : undefined}
      onClick={() => !off && onTap?.()}
    >
      {children}
    </Text>
  )
}
