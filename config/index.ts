import path from 'node:path'
import { defineConfig, type UserConfigExport } from '@tarojs/cli'

// One config for both builds; weapp output goes to dist/weapp, h5 to dist/h5 (served by the gateway).
export default defineConfig<'webpack5'>(async (merge) => {
  const platform = process.env.TARO_ENV || 'weapp'
  const base: UserConfigExport<'webpack5'> = {
    projectName: 'aftersale-desk',
    date: '2026-11-23',
    designWidth: 375,
    deviceRatio: { 375: 2, 640: 2.34 / 2, 750: 1, 828: 1.81 / 2 },
    sourceRoot: 'src',
    // TARO_OUTPUT_ROOT lets parallel builds (e.g. two e2e suites being worked on) use separate folders.
    outputRoot: process.env.TARO_OUTPUT_ROOT || `dist/${platform}`,
    plugins: [],
    defineConstants: {
      // H5 talks to the local gateway on the same origin; weapp uses wx.cloud.
      API_BASE: JSON.stringify(process.env.API_BASE || ''),
      CLOUD_ENV: JSON.stringify(process.env.CLOUD_ENV || ''),
    },
    alias: {
      '@contract': path.resolve(__dirname, '..', 'types'),
    },
    copy: { patterns: [], options: {} },
    framework: 'react',
    compiler: { type: 'webpack5', prebundle: { enable: false } },
    cache: { enable: false },
    mini: {
      compile: { include: [path.resolve(__dirname, '..', 'types')] },
      postcss: {
        pxtransform: { enable: true, config: {} },
        cssModules: { enable: false, config: { namingPattern: 'module', generateScopedName: '[name]__[local]___[hash:base64:5]' } },
      },
      optimizeMainPackage: { enable: true },
    },
    h5: {
      compile: { include: [path.resolve(__dirname, '..', 'types')] },
      publicPath: '/',
      staticDirectory: 'static',
      router: { mode: 'hash' },
      postcss: {
        autoprefixer: { enable: true, config: {} },
        cssModules: { enable: false, config: { namingPattern: 'module', generateScopedName: '[name]__[local]___[hash:base64:5]' } },
      },
    },
  }
  return merge({}, base, process.env.NODE_ENV === 'development' ? { mini: {}, h5: {} } : {})
})
