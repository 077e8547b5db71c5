import { useEffect } from 'react'
import Taro from '@tarojs/taro'
import { Canvas as CanvasView, View } from '@tarojs/components'
import { Axis, Canvas, Chart, Interval, jsx } from '@antv/f2'

export interface Bar {
  x: string
  y: number
}

/** F2's element factory, typed loosely: its component classes do not fit its own JSX element type. */
const h = jsx as unknown as (type: unknown, props: Record<string, unknown>) => { props: unknown }

/** What F2 needs from the platform's canvas: the 2d node, its CSS size and the device pixel ratio. */
interface Surface {
  node: {
    width: number
    height: number
    getContext(kind: '2d'): CanvasRenderingContext2D | null
    requestAnimationFrame?: (cb: () => void) => number
    cancelAnimationFrame?: (id: number) => void
    createImage?: () => unknown
  }
  width: number
  height: number
}

/** The canvas node of `id`: the DOM canvas on H5, the 2d node from a selector query on weapp. */
function surfaceOf(id: string): Promise<Surface | null> {
  if (process.env.TARO_ENV === 'h5') {
    const host = document.getElementById(id)
    const el = (host?.tagName === 'CANVAS' ? host : host?.querySelector('canvas')) as HTMLCanvasElement | null
    if (!el) return Promise.resolve(null)
    const r = el.getBoundingClientRect()
    return Promise.resolve({ node: el, width: r.width, height: r.height })
  }
  return new Promise((resolve) => {
    try {
      Taro.createSelectorQuery()
        .select(`#${id}`)
        .fields({ node: true, size: true })
        .exec((res: Array<{ node?: Surface['node']; width?: number; height?: number } | null>) => {
          const r = res?.[0]
          resolve(r?.node ? { node: r.node, width: r.width ?? 0, height: r.height ?? 0 } : null)
        })
    } catch {
      // a host without 2d canvas nodes (old base library): the text summary stands alone
      resolve(null)
    }
  })
}

declare const wx: { createOffscreenCanvas?: (o: { type: '2d'; width: number; height: number }) => unknown } | undefined

/**
 * F2 measures text on an offscreen canvas: the browser makes its own, a mini-program has no
 * `document` canvas and must hand one over (wx.createOffscreenCanvas, base library ≥ 2.16.1).
 */
function offscreenCanvas(): unknown {
  if (process.env.TARO_ENV === 'h5' || typeof wx === 'undefined') return undefined
  try {
    return wx?.createOffscreenCanvas?.({ type: '2d', width: 10, height: 10 })
  } catch {
    return undefined
  }
}

function pixelRatio(): number {
  try {
    return Taro.getSystemInfoSync().pixelRatio || 1
  } catch {
    return 1
  }
}

/**
 * A column chart drawn by F2 on a 2d canvas: the same code on weapp (canvas node from a selector
 * query) and H5 (the DOM canvas). Width follows the screen, so it reads at 360 px; `summary` is the
 * text alternative, shown under the chart.
 */
export function BarChart({
  id,
  bars,
  height = 160,
  color = '#07c160',
  horizontal = false,
  summary,
}: {
  id: string
  bars: Bar[]
  height?: number
  color?: string
  /** bars across (long labels such as reasons read at 360 px) */
  horizontal?: boolean
  summary: string
}) {
  const key = JSON.stringify(bars)
  useEffect(() => {
    let chart: Canvas | null = null
    let gone = false
    Taro.nextTick(() => {
      void surfaceOf(id).then((s) => {
        if (gone || !s || s.width <= 0) return
        const ctx = s.node.getContext('2d')
        if (!ctx) return
        const dpr = pixelRatio()
        const offscreen = offscreenCanvas()
        // without a text-measuring canvas F2 cannot lay out the axes: leave the text summary alone
        if (process.env.TARO_ENV !== 'h5' && !offscreen) return
        s.node.width = Math.round(s.width * dpr)
        s.node.height = Math.round(s.height * dpr)
        const el = h(Canvas, {
          context: ctx,
          pixelRatio: dpr,
          width: s.width,
          height: s.height,
          animate: false,
          // sizes in CSS px as written (F2's default halves "hd" sizes, which left 5 px labels on a phone)
          px2hd: (v: number) => v,
          theme: { fontSize: 12 },
          ...(s.node.requestAnimationFrame ? { requestAnimationFrame: s.node.requestAnimationFrame.bind(s.node), cancelAnimationFrame: s.node.cancelAnimationFrame?.bind(s.node) } : {}),
          ...(s.node.createImage ? { createImage: s.node.createImage.bind(s.node) } : {}),
          ...(offscreen ? { offscreenCanvas: offscreen } : {}),
          children: h(Chart, {
            data: bars,
            ...(horizontal ? { coord: { transposed: true } } : {}),
            // whole counts on the value axis (no "0.75 单")
            scale: { y: { min: 0, tickInterval: Math.max(1, Math.ceil(Math.max(0, ...bars.map((b) => b.y)) / 4)) } },
            children: [
              // many weeks on a 360 px phone: smaller labels so neighbours do not touch
              h(Axis, { field: 'x', style: { label: { fontSize: !horizontal && bars.length > 6 ? 10 : 12, fill: '#646a73' }, labelOffset: 6 } }),
              h(Axis, { field: 'y', style: { label: { fontSize: 11, fill: '#8a8f99' }, labelOffset: 6 } }),
              h(Interval, { x: 'x', y: 'y', color }),
            ],
          }),
        })
        chart = new Canvas(el.props as ConstructorParameters<typeof Canvas>[0])
        void chart.render()
      })
    })
    return () => {
      gone = true
      chart?.destroy()
    }
    // bars are compared by value (a new array each render)
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [id, key, height, color, horizontal])
  return (
    <View className="adm-chart">
      <CanvasView type="2d" id={id} canvasId={id} className="adm-chart__canvas" style={{ width: '100%', height: `${height}px` }} />
      <View className="adm-muted adm-chart__summary" id={`${id}-summary`}>
        {summary}
      </View>
    </View>
  )
}
