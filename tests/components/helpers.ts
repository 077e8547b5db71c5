import { act, fireEvent } from '@testing-library/react'

/** Tap a Taro element by selector (ids / classes as the app renders them). */
export async function tap(root: ParentNode, selector: string) {
  const el = root.querySelector(selector)
  if (!el) throw new Error(`nothing matches ${selector}`)
  await act(async () => {
    fireEvent.click(el)
    // Taro's stencil hosts render their native children a tick later
    await new Promise((r) => setTimeout(r, 20))
  })
}

/** Two taps in the same tick, as a buyer's double tap arrives before the page re-renders. */
export async function doubleTap(root: ParentNode, selector: string) {
  const el = root.querySelector(selector)
  if (!el) throw new Error(`nothing matches ${selector}`)
  await act(async () => {
    fireEvent.click(el)
    fireEvent.click(el)
    await new Promise((r) => setTimeout(r, 20))
  })
}

/** Type into a Taro Input / Textarea: the event must hit the native element inside the host tag. */
export async function typeInto(root: ParentNode, selector: string, value: string) {
  const host = root.querySelector(selector)
  if (!host) throw new Error(`nothing matches ${selector}`)
  if (!host.querySelector('input, textarea')) await settle(20)
  const inner = host.querySelector('input, textarea') ?? host
  await act(async () => {
    fireEvent.input(inner, { target: { value } })
    await new Promise((r) => setTimeout(r, 0))
  })
}

/** Let pending promises and Taro's timers settle. */
export async function settle(ms = 10) {
  await act(async () => {
    await new Promise((r) => setTimeout(r, ms))
  })
}

export function text(root: ParentNode, selector: string): string {
  return root.querySelector(selector)?.textContent ?? ''
}
