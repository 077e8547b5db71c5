export default definePageConfig({ navigationBarTitleText: '售后单处理', enablePullDownRefresh: true })
