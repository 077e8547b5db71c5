export default definePageConfig({ navigationBarTitleText: '批次预警', enablePullDownRefresh: true })
