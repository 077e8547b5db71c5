// jsdom setup for Taro H5 components: the globals Taro's build would define, plus our own constants.
process.env.TARO_ENV = 'h5'
process.env.TARO_PLATFORM = 'web'

const g = globalThis as unknown as Record<string, unknown>
Object.assign(g, {
  ENABLE_INNER_HTML: true,
  ENABLE_ADJACENT_HTML: true,
  ENABLE_SIZE_APIS: true,
  ENABLE_TEMPLATE_CONTENT: true,
  ENABLE_CLONE_NODE: true,
  ENABLE_CONTAINS: true,
  ENABLE_MUTATION_OBSERVER: true,
  DEPRECATED_ADAPTER_COMPONENT: false,
  API_BASE: '',
  CLOUD_ENV: '',
})

if (!window.matchMedia) {
  window.matchMedia = ((query: string) => ({
    matches: false,
    media: query,
    onchange: null,
    addListener: () => {},
    removeListener: () => {},
    addEventListener: () => {},
    removeEventListener: () => {},
    dispatchEvent: () => false,
  })) as unknown as typeof window.matchMedia
}
if (!URL.createObjectURL) URL.createObjectURL = () => 'blob:mock'

// In real builds babel-plugin-transform-taroapi rewrites `Taro.showModal` into named imports of the
// H5 API; jest has no such plugin, so put the named APIs onto the default object the code imports.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const h5 = require('@tarojs/taro-h5') as Record<string, unknown> & { default: Record<string, unknown> }
for (const [k, v] of Object.entries(h5)) {
  if (k !== 'default' && !(k in h5.default)) h5.default[k] = v
}
