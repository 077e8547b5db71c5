import { act, render } from '@testing-library/react'
import Taro from '@tarojs/taro'
import type { Evidence } from '@contract/domain'
import { checkEvidence } from '../../src/api/upload'
import { EvidenceUploader } from '../../src/components/EvidenceUploader'
import { settle, tap, text } from './helpers'

const MB = 1024 * 1024

/** What Taro H5's chooseMedia resolves with for the given files. */
function picked(...files: { name: string; type: string; size: number }[]) {
  return {
    type: 'mix',
    errMsg: 'chooseMedia:ok',
    tempFiles: files.map((f) => ({
      tempFilePath: `blob:http://localhost/${f.name}`,
      size: f.size,
      duration: 0,
      height: 0,
      width: 0,
      thumbTempFilePath: '',
      fileType: f.type,
      originalFileObj: { name: f.name, type: f.type, size: f.size },
    })),
  }
}

type Pending = { resolve: (data: unknown) => void; reject: (e: unknown) => void; progress?: (p: { progress: number }) => void; name: string }

function fakeUpload() {
  const pending: Pending[] = []
  const spy = jest.spyOn(Taro, 'uploadFile').mockImplementation(((opt: Taro.uploadFile.Option) => {
    const entry = { name: String(opt.fileName) } as Pending
    const p = new Promise((resolve, reject) => {
      entry.resolve = (data) => resolve({ data: JSON.stringify(data), statusCode: 200, errMsg: 'uploadFile:ok' })
      entry.reject = reject
    }) as Promise<unknown> & { progress: (cb: (p: { progress: number }) => void) => void }
    p.progress = (cb) => (entry.progress = cb)
    pending.push(entry)
    return p
  }) as unknown as typeof Taro.uploadFile)
  return { pending, spy }
}

const answer = (name: string, kind: 'image' | 'video', mime: string, size: number) => ({
  ok: true,
  data: { fileId: `f-${name}`, kind, mime, size, url: `/api/files/f-${name}` },
})

afterEach(() => jest.restoreAllMocks())

test('files breaking the limits are refused with a clear reason before anything is uploaded', async () => {
  const choose = jest.spyOn(Taro, 'chooseMedia').mockResolvedValueOnce(
    picked(
      { name: 'big.jpg', type: 'image/jpeg', size: 11 * MB },
      { name: 'invoice.pdf', type: 'application/pdf', size: 1 * MB },
      { name: 'long.mp4', type: 'video/mp4', size: 60 * MB },
      { name: 'crack.png', type: 'image/png', size: 1 * MB },
      { name: 'unbox.mp4', type: 'video/mp4', size: 10 * MB },
    ) as unknown as Taro.chooseMedia.SuccessCallbackResult,
  )
  const { pending, spy } = fakeUpload()
  const onChange = jest.fn<void, [Evidence[]]>()
  const { container } = render(<EvidenceUploader onChange={onChange} />)
  await tap(container, '#evidence-add')
  expect(choose).toHaveBeenCalledWith(expect.objectContaining({ count: 9, mediaType: ['image', 'video'] }))
  const errors = text(container, '#evidence-errors')
  expect(errors).toContain('“big.jpg”有 11.0MB，图片不能超过10MB')
  expect(errors).toContain('“invoice.pdf”格式不支持：图片仅支持 jpg/png/webp/heic，视频仅支持 mp4')
  expect(errors).toContain('“long.mp4”有 60.0MB，视频不能超过50MB')
  expect(spy).toHaveBeenCalledTimes(2)
  expect(pending.map((p) => p.name)).toEqual(['crack.png', 'unbox.mp4'])
  expect(container.querySelectorAll('.tile__img')).toHaveLength(1) // the image preview
  expect(text(container, '#evidence')).toContain('0%')

  // progress, then done: both evidence items are reported
  await act(async () => pending[0].progress?.({ progress: 40 }))
  expect(text(container, '#evidence-item-0')).toContain('40%')
  pending[0].resolve(answer('crack.png', 'image', 'image/png', MB))
  pending[1].resolve(answer('unbox.mp4', 'video', 'video/mp4', 10 * MB))
  await settle()
  expect(onChange).toHaveBeenLastCalledWith([
    { fileId: 'f-crack.png', kind: 'image', mime: 'image/png', size: MB },
    { fileId: 'f-unbox.mp4', kind: 'video', mime: 'video/mp4', size: 10 * MB },
  ])
  expect(text(container, '#evidence')).toContain('已选 1 张图片、1 段视频')
})

test('at most 9 images and 1 video in all; the picker only offers what is left', async () => {
  const nine = Array.from({ length: 9 }, (_, i) => ({ name: `p${i}.webp`, type: 'image/webp', size: MB }))
  const choose = jest
    .spyOn(Taro, 'chooseMedia')
    .mockResolvedValueOnce(picked({ name: 'a.mp4', type: 'video/mp4', size: MB }, { name: 'first.heic', type: 'image/heic', size: MB }) as unknown as Taro.chooseMedia.SuccessCallbackResult)
    .mockResolvedValueOnce(picked(...nine, { name: 'b.mp4', type: 'video/mp4', size: MB }) as unknown as Taro.chooseMedia.SuccessCallbackResult)
  const { spy } = fakeUpload()
  const { container } = render(<EvidenceUploader onChange={() => {}} />)
  await tap(container, '#evidence-add')
  await tap(container, '#evidence-add')
  expect(choose.mock.calls[1][0]).toMatchObject({ count: 8, mediaType: ['image'] })
  const errors = text(container, '#evidence-errors')
  expect(errors).toContain('最多上传9张图片，多选的已忽略')
  expect(errors).toContain('最多上传1段视频，多选的已忽略')
  expect(spy).toHaveBeenCalledTimes(2 + 8)
  expect(container.querySelector('#evidence-add')).toBeNull() // full
})

test('a failed upload says so and can be retried; removing a file drops it from the evidence', async () => {
  jest.spyOn(Taro, 'chooseMedia').mockResolvedValueOnce(picked({ name: 'x.jpg', type: 'image/jpeg', size: MB }) as unknown as Taro.chooseMedia.SuccessCallbackResult)
  const { pending } = fakeUpload()
  const onChange = jest.fn<void, [Evidence[]]>()
  const onBusy = jest.fn<void, [boolean]>()
  const { container } = render(<EvidenceUploader onChange={onChange} onBusyChange={onBusy} />)
  await tap(container, '#evidence-add')
  expect(onBusy).toHaveBeenLastCalledWith(true)
  pending[0].resolve({ ok: false, error: { code: 'LIMIT_EXCEEDED', message: '文件过大' } })
  await settle()
  expect(text(container, '#evidence')).toContain('有文件上传失败：文件过大')
  expect(onBusy).toHaveBeenLastCalledWith(false)
  await tap(container, '#evidence-item-0 .tile__mask')
  pending[1].resolve(answer('x.jpg', 'image', 'image/jpeg', MB))
  await settle()
  expect(onChange).toHaveBeenLastCalledWith([{ fileId: 'f-x.jpg', kind: 'image', mime: 'image/jpeg', size: MB }])
  await tap(container, '#evidence-remove-0')
  expect(onChange).toHaveBeenLastCalledWith([])
})

test('the limits also apply to weapp temp paths, by extension', () => {
  const r = checkEvidence({ images: 0, videos: 0 }, [
    { path: 'http://tmp/a.JPG', size: 2 * MB },
    { path: 'http://tmp/b.mov', size: 2 * MB },
    { path: 'http://tmp/c.mp4', size: 51 * MB },
    { path: 'wxfile://tmp/d.heic', size: 10 * MB },
  ])
  expect(r.accepted.map((f) => [f.kind, f.mime, f.ext])).toEqual([
    ['image', 'image/jpeg', 'jpg'],
    ['image', 'image/heic', 'heic'],
  ])
  expect(r.errors).toEqual([
    '所选文件格式不支持：图片仅支持 jpg/png/webp/heic，视频仅支持 mp4',
    '所选文件有 51.0MB，视频不能超过50MB',
  ])
})
