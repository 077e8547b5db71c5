export default definePageConfig({ navigationBarTitleText: '售后策略' })
