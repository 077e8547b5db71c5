export default definePageConfig({ navigationBarTitleText: '客服排班', enablePullDownRefresh: true })
