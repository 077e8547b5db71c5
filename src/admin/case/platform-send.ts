import { useState } from 'react'
import Taro from '@tarojs/taro'
import type { CaseView } from '@contract/actions'
import { ApiFailure } from '../../api/client'
import { messageOf } from '../ui'

/**
 * A seller's call to the platform from the case page (平台售后 / 纠纷 panels): confirmed first
 * (it cannot be taken back), then run once; the form closes and the page takes the new case, or
 * the platform's refusal is shown in Chinese.
 */
export function usePlatformSend(onUpdated: (v: CaseView) => void, close: () => void) {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  async function send(confirm: { content: string; confirmText: string }, call: () => Promise<CaseView>) {
    const r = await Taro.showModal({ title: '请确认', content: confirm.content, confirmText: confirm.confirmText, cancelText: '再想想' })
    if (!r.confirm) return
    setBusy(true)
    setError(null)
    try {
      const next = await call()
      close()
      Taro.showToast({ title: '已提交平台', icon: 'success' })
      onUpdated(next)
    } catch (e) {
      setError(e instanceof ApiFailure ? e.message : messageOf(e))
    } finally {
      setBusy(false)
    }
  }
  return { busy, error, setError, send }
}
