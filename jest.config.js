// One jest run, several projects: each level of the suite gets its own environment.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', tsx: true },
      transform: { react: { runtime: 'automatic' } },
      target: 'es2020',
    },
    module: { type: 'commonjs' },
  },
]
const alias = { '^@contract/(.*)$': '<rootDir>/types/$1' }
// ESM-only packages under node_modules that jsdom component tests pull in through Taro/NutUI.
const esm = [
  '@tarojs', '@stencil', '@nutui', 'lodash-es', 'query-string', 'decode-uri-component', 'filter-obj',
  'split-on-first', 'style-inject', 'swiper', 'classnames', '@babel/runtime', '@swc/helpers',
  '@react-spring', '@use-gesture', 'react-transition-group',
  // nested pnpm trees shipped inside @tarojs packages (tslib, style-inject) and ics → nanoid
  '\\.pnpm', 'tslib', 'nanoid',
].join('|')

const node = (name, extra = {}) => ({
  displayName: name,
  testEnvironment: 'node',
  roots: [`<rootDir>/tests/${name}`],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.(t|j)sx?$': swc },
  moduleNameMapper: alias,
  ...extra,
})

module.exports = {
  projects: [
    node('core'),
    node('server', { setupFiles: ['<rootDir>/tests/server/setup-env.ts'] }),
    {
      displayName: 'components',
      testEnvironment: 'jsdom',
      roots: ['<rootDir>/tests/components'],
      testMatch: ['**/*.test.tsx'],
      setupFiles: ['<rootDir>/tests/components/setup.ts'],
      transform: { '^.+\\.(t|j|mj)sx?$': swc },
      transformIgnorePatterns: [`/node_modules/(?!(${esm})/)`],
      moduleNameMapper: {
        ...alias,
        '^@tarojs/components$': '@tarojs/components/lib/react',
        '^@tarojs/taro$': '@tarojs/taro-h5',
        '\\.(css|scss)$': '<rootDir>/tests/components/style-stub.js',
      },
    },
    node('simulate', { testEnvironment: 'jsdom', transformIgnorePatterns: ['/node_modules/', '/dist/'] }),
    node('e2e'),
  ],
}
