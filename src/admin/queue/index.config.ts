export default definePageConfig({ navigationBarTitleText: '售后工作台', enablePullDownRefresh: true, onReachBottomDistance: 80 })
