import { useEffect, useRef, useState } from 'react'
import { Image, Text, View } from '@tarojs/components'
import type { Evidence } from '@contract/domain'
import { EVIDENCE_LIMITS, EVIDENCE_LIMITS_TEXT, checkEvidence, pickEvidence, uploadEvidence, type CheckedFile } from '../api/upload'

interface Item {
  key: string
  file: CheckedFile
  status: 'uploading' | 'done' | 'error'
  progress: number
  evidence?: Evidence
  error?: string
}

let seq = 0

/**
 * Photos / video as evidence: previews, per-file progress, limits checked before upload.
 * Reports the uploaded evidence through `onChange` and whether uploads are running via `onBusyChange`.
 */
export function EvidenceUploader({
  onChange,
  onBusyChange,
  idPrefix = 'evidence',
}: {
  onChange: (evidence: Evidence[]) => void
  onBusyChange?: (busy: boolean) => void
  idPrefix?: string
}) {
  const [items, setItems] = useState<Item[]>([])
  const [errors, setErrors] = useState<string[]>([])
  const cb = useRef({ onChange, onBusyChange })
  cb.current = { onChange, onBusyChange }

  useEffect(() => {
    cb.current.onChange(items.filter((i) => i.status === 'done' && i.evidence).map((i) => i.evidence as Evidence))
    cb.current.onBusyChange?.(items.some((i) => i.status === 'uploading'))
  }, [items])

  const patch = (key: string, p: Partial<Item>) => setItems((xs) => xs.map((x) => (x.key === key ? { ...x, ...p } : x)))

  const start = (item: Item) => {
    uploadEvidence(item.file, (pct) => patch(item.key, { progress: Math.min(99, Math.round(pct)) }))
      .then((evidence) => patch(item.key, { status: 'done', progress: 100, evidence }))
      .catch((e: unknown) => patch(item.key, { status: 'error', error: (e as Error)?.message || '上传失败' }))
  }

  const counts = () => ({
    images: items.filter((i) => i.file.kind === 'image').length,
    videos: items.filter((i) => i.file.kind === 'video').length,
  })

  const add = async () => {
    const have = counts()
    const remaining = { images: EVIDENCE_LIMITS.maxImages - have.images, videos: EVIDENCE_LIMITS.maxVideos - have.videos }
    let picked
    try {
      picked = await pickEvidence(remaining)
    } catch (e) {
      setErrors([(e as Error).message])
      return
    }
    if (picked.length === 0) return
    const { accepted, errors: errs } = checkEvidence(have, picked)
    setErrors(errs)
    const fresh: Item[] = accepted.map((file) => ({ key: `f${++seq}`, file, status: 'uploading', progress: 0 }))
    setItems((xs) => [...xs, ...fresh])
    fresh.forEach(start)
  }

  const remove = (key: string) => setItems((xs) => xs.filter((x) => x.key !== key))
  const retry = (item: Item) => {
    patch(item.key, { status: 'uploading', progress: 0, error: undefined })
    start(item)
  }

  const { images, videos } = counts()
  const full = images >= EVIDENCE_LIMITS.maxImages && videos >= EVIDENCE_LIMITS.maxVideos
  return (
    <View id={idPrefix}>
      <View className="uploader">
        {items.map((it, i) => (
          <View key={it.key} className="tile" id={`${idPrefix}-item-${i}`}>
            {it.file.kind === 'image' ? <Image className="tile__img" src={it.file.path} mode="aspectFill" /> : <Text>▶ 视频</Text>}
            {it.status === 'uploading' ? <Text className="tile__mask">{it.progress}%</Text> : null}
            {it.status === 'error' ? (
              <Text className="tile__mask" onClick={() => retry(it)}>
                失败·重试
              </Text>
            ) : null}
            <Text className="tile__remove" id={`${idPrefix}-remove-${i}`} onClick={() => remove(it.key)}>
              ×
            </Text>
          </View>
        ))}
        {!full ? (
          <View className="tile" id={`${idPrefix}-add`} onClick={add}>
            <Text className="tile__add">+</Text>
          </View>
        ) : null}
      </View>
      <Text className="muted block gap">
        已选 {images} 张图片、{videos} 段视频；{EVIDENCE_LIMITS_TEXT}
      </Text>
      {items.some((i) => i.status === 'error') ? (
        <Text className="error-text">有文件上传失败：{items.find((i) => i.status === 'error')?.error}，点“失败·重试”再试一次</Text>
      ) : null}
      {errors.length > 0 ? (
        <View id={`${idPrefix}-errors`}>
          {errors.map((e) => (
            <Text key={e} className="error-text">
              {e}
            </Text>
          ))}
        </View>
      ) : null}
    </View>
  )
}
