// babel-preset-taro is used by the Taro builds only; jest uses @swc/jest.
module.exports = {
  presets: [['taro', { framework: 'react', ts: true, compiler: 'webpack5' }]],
}
