import Taro from '@tarojs/taro'
import { messageOf } from './ui'

/** RFC 4180 CSV with a UTF-8 BOM (Excel opens Chinese correctly) and CRLF line ends. */
export function toCsv(rows: (string | number | null | undefined)[][]): string {
  return '\uFEFF' + rows.map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n'
}

export function csvField(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return ''
  if (typeof v === 'number') return String(v)
  const s = /^[=+\-@]/.test(v) ? `'${v}` : v
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

/**
 * Hands a CSV to the user. H5: downloads a Blob. weapp: copies the text to the clipboard with a
 * toast (wx.openDocument cannot open .csv, and the clipboard pastes straight into a computer's
 * WeChat or a spreadsheet).
 */
export async function saveCsv(filename: string, csv: string): Promise<void> {
  if (process.env.TARO_ENV === 'h5') {
    const blob = new Blob([csv], { type: 'text/csv;charset=utf-8' })
    const url = URL.createObjectURL(blob)
    const a = document.createElement('a')
    a.href = url
    a.download = filename
    document.body.appendChild(a)
    a.click()
    document.body.removeChild(a)
    setTimeout(() => URL.revokeObjectURL(url), 1000)
    Taro.showToast({ title: '已开始下载', icon: 'none' })
    return
  }
  await Taro.setClipboardData({ data: csv.replace(/^\uFEFF/, '') })
  Taro.showToast({ title: '已复制CSV，可粘贴到电脑表格', icon: 'none' })
}

/** Asks the function for a CSV (with a loading indicator) and hands it over; a failure becomes a toast. */
export async function exportFromServer(fetchCsv: () => Promise<{ filename: string; csv: string }>): Promise<void> {
  try {
    Taro.showLoading({ title: '导出中' })
    const out = await fetchCsv()
    Taro.hideLoading()
    await saveCsv(out.filename, out.csv)
  } catch (e) {
    Taro.hideLoading()
    Taro.showToast({ title: messageOf(e), icon: 'none' })
  }
}
